//! The checks: every CMK setup the file makes, as the service would check
//! it (R35–R40), then the recommendations for vaults, keys and servers.
//!
//! A finding stands where the fix goes: a vault without soft delete is
//! flagged on its `soft_delete: false`, and the message names the server
//! the service would refuse because of it.

use std::collections::BTreeSet;

use super::rules::{self, Rule};
use super::world::{Declared, GrantKind, IdentityDecl, KeyDecl, ServerSeen, When};
use super::{Finding, Refuses};
use crate::engine::time::format_duration;
use crate::model::world::{needed_permissions, role_counts};
use crate::scenario::diagnostic::line_col;
use crate::scenario::format::{
    Action, EncryptionSpec, KeyKind, KeyRef, PermissionModel, ServerKind, ServerSpec, Tier,
};
use crate::scenario::locate::{underline, Tree};

pub(super) struct Linter<'a> {
    text: &'a str,
    origin: &'a str,
    tree: Option<Tree>,
    d: Declared<'a>,
    pub out: Vec<Finding>,
    /// (vault, rule id) of the errors found, so that a warning saying the
    /// same about the same vault is left out.
    vault_errors: BTreeSet<(String, &'static str)>,
    /// Keys some CMK setup uses, and whether a Single server does.
    keys_used: BTreeSet<(String, String)>,
    keys_used_by_single: BTreeSet<(String, String)>,
}

/// One CMK setup to check: a server being created, or given another key.
struct Setup<'s> {
    /// The server as messages name it.
    shown: String,
    /// Its name (a Single server's system identity is named after it).
    name: String,
    kind: ServerKind,
    region: &'s str,
    tenant: &'s str,
    backup_region: Option<&'s str>,
    encryption: &'s EncryptionSpec,
    /// Where the encryption is written.
    enc_path: String,
    /// Where the server's name is written (or the action).
    name_path: String,
    when: When,
    action: &'static str,
    /// A key update checks what does not depend on the moment (R37).
    update_only: bool,
}

/// A key and identity pair of one setup: the primary or the geo-backup one.
struct Binding<'s> {
    key: &'s KeyRef,
    key_path: String,
    identity: Option<String>,
    region: &'s str,
    geo: bool,
}

impl<'a> Linter<'a> {
    pub fn new(text: &'a str, origin: &'a str, d: Declared<'a>) -> Self {
        Linter {
            text,
            origin,
            tree: Tree::parse(text),
            d,
            out: Vec::new(),
            vault_errors: BTreeSet::new(),
            keys_used: BTreeSet::new(),
            keys_used_by_single: BTreeSet::new(),
        }
    }

    pub fn run(mut self) -> Vec<Finding> {
        for i in 0..self.d.servers.len() {
            let s = self.d.servers[i].clone();
            self.created_server(&s);
        }
        self.actions();
        self.vaults();
        self.keys();
        let mut out = self.out;
        out.sort_by(|a, b| {
            (a.line, a.column, a.rule, &a.message).cmp(&(b.line, b.column, b.rule, &b.message))
        });
        out.dedup_by(|a, b| {
            a.rule == b.rule && a.line == b.line && a.column == b.column && a.message == b.message
        });
        out
    }

    // ---- places -------------------------------------------------------------

    /// The first of `paths` written in the file, else the nearest entry on
    /// the way to the first one.
    fn place(&self, paths: &[&str]) -> (usize, usize, usize, usize) {
        let Some(tree) = &self.tree else {
            return (1, 1, 1, 1);
        };
        let node = paths
            .iter()
            .find_map(|p| tree.get(p))
            .unwrap_or_else(|| tree.lookup(paths[0]).0)
            .unwrap_some();
        let r = underline(self.text, node);
        let (line, column) = line_col(self.text, r.start);
        let (end_line, end_column) = line_col(self.text, r.end);
        (line, column, end_line, end_column)
    }

    fn line_of(&self, path: &str) -> usize {
        self.place(&[path]).0
    }

    fn report(
        &mut self,
        rule: &'static Rule,
        paths: &[&str],
        entity: String,
        message: String,
        fix: String,
        refuses: Option<Refuses>,
    ) {
        let (line, column, end_line, end_column) = self.place(paths);
        self.out.push(Finding {
            rule: rule.id,
            name: rule.name,
            severity: rule.severity,
            file: self.origin.to_string(),
            line,
            column,
            end_line,
            end_column,
            entity,
            message,
            fix,
            refuses,
        });
    }

    // ---- setups (R35–R40) -----------------------------------------------------

    fn created_server(&mut self, s: &ServerSeen<'a>) {
        let spec = s.spec;
        let refuses = Some(Refuses {
            action: "CreateServer".into(),
            server: s.name.clone(),
        });
        self.tls(s, spec, &refuses);
        self.double_encryption(s, spec, &refuses);
        let setup = Setup {
            shown: s.shown.clone(),
            name: s.name.clone(),
            kind: spec.kind,
            region: &spec.region,
            tenant: spec.tenant.as_deref().unwrap_or("default"),
            backup_region: spec.backup_region.as_deref(),
            encryption: &spec.encryption,
            enc_path: format!("{}.encryption", s.path),
            name_path: format!("{}.name", s.path),
            when: s.when,
            action: "CreateServer",
            update_only: false,
        };
        self.setup(&setup);
        // Advice for a server the service would refuse is beside the point.
        let refused = self
            .out
            .iter()
            .any(|f| f.refuses.as_ref() == refuses.as_ref());
        if !refused && matches!(spec.encryption, EncryptionSpec::CustomerManaged { .. }) {
            self.server_recommendations(s, &setup);
        }
    }

    fn tls(&mut self, s: &ServerSeen, spec: &ServerSpec, refuses: &Option<Refuses>) {
        let min = spec
            .ssl_min_protocol_version
            .as_deref()
            .unwrap_or("TLSv1.2");
        let max = spec.ssl_max_protocol_version.as_deref();
        let enforcement = spec.ssl_enforcement.unwrap_or(true);
        let known = |v: &str| v == "TLSv1.2" || v == "TLSv1.3";
        let problem = if let Some((field, bad)) = [
            ("ssl_min_protocol_version", Some(min)),
            ("ssl_max_protocol_version", max),
        ]
        .into_iter()
        .find_map(|(field, v)| v.filter(|v| !known(v)).map(|v| (field, v)))
        {
            Some((
                field,
                format!(
                    "{field} is \"TLSv1.2\" or \"TLSv1.3\", not {bad:?}: the creation is refused"
                ),
                "write \"TLSv1.2\" or \"TLSv1.3\"".to_string(),
            ))
        } else if max.is_some_and(|m| m < min) {
            Some((
                "ssl_min_protocol_version",
                "ssl_min_protocol_version is above ssl_max_protocol_version".to_string(),
                "lower the minimum or raise the maximum".to_string(),
            ))
        } else if spec.kind == ServerKind::Flexible && !enforcement {
            Some((
                "ssl_enforcement",
                "a Flexible server cannot switch TLS off".into(),
                "drop ssl_enforcement: false".into(),
            ))
        } else if spec.kind == ServerKind::Single
            && (min != "TLSv1.2" || max.is_some_and(|m| m != "TLSv1.2"))
        {
            Some((
                "ssl_min_protocol_version",
                "a Single server supports TLS 1.2 only".into(),
                "set ssl_min_protocol_version (and max) to \"TLSv1.2\"".into(),
            ))
        } else {
            None
        };
        if let Some((field, why, fix)) = problem {
            let path = format!("{}.{field}", s.path);
            self.report(
                &rules::TLS_SETTINGS_INVALID,
                &[&path, &format!("{}.name", s.path)],
                format!("server {:?}", s.shown),
                format!("{why}: the service refuses server {:?} (R40)", s.shown),
                fix,
                refuses.clone(),
            );
        }
    }

    fn double_encryption(&mut self, s: &ServerSeen, spec: &ServerSpec, refuses: &Option<Refuses>) {
        if !spec.double_encryption {
            return;
        }
        let why = match (spec.kind, spec.tier) {
            (ServerKind::Flexible, _) => {
                "infrastructure double encryption is a Single server option"
            }
            (_, Tier::Burstable) => {
                "infrastructure double encryption needs the GeneralPurpose or MemoryOptimized tier"
            }
            _ => return,
        };
        let path = format!("{}.double_encryption", s.path);
        self.report(
            &rules::DOUBLE_ENCRYPTION_UNSUPPORTED,
            &[&path],
            format!("server {:?}", s.shown),
            format!("{why}: the service refuses server {:?} (R39)", s.shown),
            "drop double_encryption, or create a Single server of the GeneralPurpose or MemoryOptimized tier".into(),
            refuses.clone(),
        );
    }

    /// R35 for a whole encryption: the primary binding, R39, the geo-backup.
    fn setup(&mut self, s: &Setup) {
        let EncryptionSpec::CustomerManaged {
            key,
            identity,
            geo_backup,
        } = s.encryption
        else {
            return;
        };
        let single = s.kind == ServerKind::Single;
        let primary_identity = if single {
            Some(s.name.clone())
        } else {
            identity.clone()
        };
        self.binding(
            s,
            &Binding {
                key,
                key_path: format!("{}.key", s.enc_path),
                identity: primary_identity.clone(),
                region: s.region,
                geo: false,
            },
        );
        if single {
            self.single_server_key(s, key);
        }
        if s.update_only {
            return;
        }
        let refuses = self.refuses(s);
        let entity = format!("server {:?}", s.shown);
        match (s.backup_region, geo_backup) {
            (Some(region), None) => self.report(
                &rules::GEO_BACKUP_KEY_MISSING,
                &[&format!("{}.backup_region", parent(&s.enc_path)), &s.enc_path],
                entity,
                format!(
                    "server {:?} has geo-redundant backup to {region} and a customer-managed key, but no geo-backup key: the service refuses it (CMKNotSupportedForGeoRedundantBackupEnabledServer)",
                    s.shown
                ),
                format!(
                    "add geo_backup: GeoBackup(key: \"<vault in {region}>/<key>\", identity: \"<another identity>\") to its encryption"
                ),
                refuses,
            ),
            (None, Some(_)) => self.report(
                &rules::GEO_BACKUP_WITHOUT_REGION,
                &[&format!("{}.geo_backup", s.enc_path)],
                entity,
                format!(
                    "server {:?} has a geo-backup key but no backup region: the service refuses it",
                    s.shown
                ),
                "set backup_region on the server, or drop geo_backup".into(),
                refuses,
            ),
            (Some(region), Some(g)) => {
                let geo_path = format!("{}.geo_backup.identity", s.enc_path);
                if primary_identity.as_deref() == Some(g.identity.as_str()) {
                    self.report(
                        &rules::GEO_IDENTITY_NOT_DISTINCT,
                        &[&geo_path],
                        entity.clone(),
                        format!(
                            "server {:?} uses identity {:?} for both its key and its geo-backup key: the service refuses it",
                            s.shown, g.identity
                        ),
                        format!("create another identity in {region} for the geo-backup key"),
                        refuses,
                    );
                }
                if let Some(i) = self.d.identity(&g.identity) {
                    if i.region != region {
                        self.report(
                            &rules::GEO_IDENTITY_OTHER_REGION,
                            &[&geo_path],
                            entity,
                            format!(
                                "the geo-backup identity {:?} is in {}, the backups in {region}",
                                g.identity, i.region
                            ),
                            format!("create the geo-backup identity in {region}"),
                            None,
                        );
                    }
                }
                self.binding(
                    s,
                    &Binding {
                        key: &g.key,
                        key_path: format!("{}.geo_backup.key", s.enc_path),
                        identity: Some(g.identity.clone()),
                        region,
                        geo: true,
                    },
                );
            }
            (None, None) => {}
        }
    }

    fn refuses(&self, s: &Setup) -> Option<Refuses> {
        Some(Refuses {
            action: s.action.into(),
            server: s.name.clone(),
        })
    }

    /// R35 and R10 conditions 1–5 for one key and identity.
    fn binding(&mut self, s: &Setup, b: &Binding) {
        let Some(vault) = self.d.vaults.get(b.key.vault.as_str()) else {
            return;
        };
        let vault_name = vault.spec.name.clone();
        let vault_path = vault.path.clone();
        let refuses = self.refuses(s);
        let entity = format!("server {:?}", s.shown);
        let whose = if b.geo { "geo-backup key" } else { "key" };
        let refused = format!(
            "the service refuses server {:?} (line {})",
            s.shown,
            self.line_of(&s.name_path)
        );
        let vault_tenant = vault.tenant().to_string();
        let vault_region = vault.spec.region.clone();
        let soft_delete = vault.soft_delete();
        let purge_protection = vault.spec.purge_protection;
        let reachable = vault.lets_service_in();
        let model = vault.spec.permission_model;
        if vault_tenant != s.tenant {
            self.report(
                &rules::VAULT_OTHER_TENANT,
                &[&b.key_path],
                entity.clone(),
                format!(
                    "the {whose}'s vault {vault_name:?} is in tenant {vault_tenant:?}, the server in {:?}: {refused}",
                    s.tenant
                ),
                format!("use a key from a vault in tenant {:?}", s.tenant),
                refuses.clone(),
            );
        }
        if vault_region != b.region {
            let (side, fix) = if b.geo {
                (
                    format!("the backup region is {}", b.region),
                    format!("put the geo-backup key in a vault in {}", b.region),
                )
            } else {
                (
                    format!("the server is in {}", b.region),
                    format!("use a key from a vault in {}", b.region),
                )
            };
            self.report(
                &rules::VAULT_OTHER_REGION,
                &[&b.key_path],
                entity.clone(),
                format!(
                    "the {whose}'s vault {vault_name:?} is in {vault_region}, {side}: {refused}"
                ),
                fix,
                refuses.clone(),
            );
        }
        let vault_field = |f: &str| format!("{vault_path}.{f}");
        if !soft_delete {
            self.vault_errors
                .insert((vault_name.clone(), rules::SOFT_DELETE_OFF.id));
            self.report(
                &rules::SOFT_DELETE_OFF,
                &[&vault_field("soft_delete"), &vault_field("name")],
                entity.clone(),
                format!("vault {vault_name:?} has soft delete off, so {refused}"),
                format!("turn soft delete on for vault {vault_name:?} (soft_delete: true)"),
                refuses.clone(),
            );
        }
        if !purge_protection {
            self.vault_errors
                .insert((vault_name.clone(), rules::PURGE_PROTECTION_OFF.id));
            self.report(
                &rules::PURGE_PROTECTION_OFF,
                &[&vault_field("purge_protection"), &vault_field("name")],
                entity.clone(),
                format!("vault {vault_name:?} has purge protection off, so {refused}"),
                format!(
                    "turn purge protection on for vault {vault_name:?} (purge_protection: true; it can never be turned off again)"
                ),
                refuses.clone(),
            );
        }
        if !reachable {
            self.vault_errors
                .insert((vault_name.clone(), rules::FIREWALL_BLOCKS_SERVICE.id));
            self.report(
                &rules::FIREWALL_BLOCKS_SERVICE,
                &[&vault_field("firewall"), &vault_field("name")],
                entity.clone(),
                format!(
                    "vault {vault_name:?} has public access, the trusted-services bypass and private endpoints all off, so {refused}"
                ),
                format!("set trusted_services: true in vault {vault_name:?}'s firewall, or add a private endpoint"),
                refuses.clone(),
            );
        }
        if let (Some(identity), false) = (&b.identity, s.update_only) {
            self.grant(
                s,
                b,
                identity,
                &vault_name,
                model,
                &refused,
                refuses.clone(),
            );
        }
        let key = (b.key.vault.clone(), b.key.key.clone());
        self.keys_used.insert(key.clone());
        if s.kind == ServerKind::Single {
            self.keys_used_by_single.insert(key.clone());
        }
        if let Some(k) = self.d.keys.get(&key).cloned() {
            self.key_checks(s, b, &k, &refused, refuses);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn grant(
        &mut self,
        s: &Setup,
        b: &Binding,
        identity: &str,
        vault_name: &str,
        model: PermissionModel,
        refused: &str,
        refuses: Option<Refuses>,
    ) {
        let single = s.kind == ServerKind::Single;
        let mut other_model = false;
        let mut reader_only = false;
        let mut holds = false;
        for g in
            self.d.grants.iter().filter(|g| {
                g.identity == identity && g.vault == vault_name && g.when.precedes(s.when)
            })
        {
            match (&g.kind, model) {
                (GrantKind::Role(role), PermissionModel::Rbac) => {
                    if g.key.is_none_or(|k| k == b.key.key) {
                        holds |= role_counts(*role);
                        reader_only |= !role_counts(*role);
                    }
                }
                (GrantKind::Policy(perms), PermissionModel::AccessPolicy) => {
                    holds |= needed_permissions(single).iter().all(|p| perms.contains(p));
                }
                _ => other_model = true,
            }
        }
        if holds {
            return;
        }
        let why = if other_model {
            " (its grant of the other permission model does not count, R7)"
        } else if reader_only {
            " (Reader has no wrap and unwrap)"
        } else {
            ""
        };
        let model_name = match model {
            PermissionModel::Rbac => "Rbac",
            PermissionModel::AccessPolicy => "AccessPolicy",
        };
        let fix = match model {
            PermissionModel::Rbac => format!(
                "grant it: Role(identity: {identity:?}, vault: {vault_name:?}, role: CryptoServiceEncryptionUser)"
            ),
            PermissionModel::AccessPolicy => format!(
                "grant it: AccessPolicy(identity: {identity:?}, vault: {vault_name:?}, permissions: [{}])",
                if single {
                    "Get, WrapKey, UnwrapKey"
                } else {
                    "Get, List, WrapKey, UnwrapKey"
                }
            ),
        };
        let ident_path = if b.geo {
            format!("{}.geo_backup.identity", s.enc_path)
        } else {
            format!("{}.identity", s.enc_path)
        };
        self.report(
            &rules::GRANT_MISSING,
            &[&ident_path, &b.key_path],
            format!("server {:?}", s.shown),
            format!(
                "identity {identity:?} holds no grant on vault {vault_name:?} under its {model_name} model{why}, so {refused}"
            ),
            fix,
            refuses,
        );
    }

    /// R10.5 for the version the setup names, at the moment it is made.
    fn key_checks(
        &mut self,
        s: &Setup,
        b: &Binding,
        k: &KeyDecl,
        refused: &str,
        refuses: Option<Refuses>,
    ) {
        let entity = format!("server {:?}", s.shown);
        let label = k.label();
        let field = |f: &str| format!("{}.{f}", k.path);
        if !k.supported() {
            let what = match k.kind {
                KeyKind::Rsa | KeyKind::RsaHsm => format!("{} bits", k.size),
                other => format!("of type {other:?}"),
            };
            self.report(
                &rules::KEY_TYPE_UNSUPPORTED,
                &[&field("size"), &field("kind"), &field("name")],
                entity.clone(),
                format!("key {label:?} is {what}, so {refused}"),
                "use an RSA or RSA-HSM key of 2048, 3072 or 4096 bits (4096 recommended)".into(),
                refuses.clone(),
            );
        }
        if !k.wraps {
            self.report(
                &rules::KEY_OPS_MISSING,
                &[&field("ops"), &field("name")],
                entity.clone(),
                format!("key {label:?} does not permit wrapKey and unwrapKey, so {refused}"),
                "add WrapKey and UnwrapKey to the key's ops".into(),
                refuses.clone(),
            );
        }
        if s.update_only {
            return;
        }
        let rotated_before = self.d.actions.iter().any(|a| {
            matches!(a.action, Action::RotateKey { vault, key } if *vault == k.vault && *key == k.name)
                && a.when.precedes(s.when)
        });
        let t = s.when.at_s();
        let created = k.created.at_s();
        let policy_rotated = match (k.rotation, t, created) {
            (Some(r), Some(t), Some(c)) => t >= c + r.every.0,
            (Some(_), _, _) => true,
            _ => false,
        };
        let declared = match b.key.version {
            Some(n) if n > k.versions => {
                if !rotated_before && !policy_rotated {
                    self.report(
                        &rules::KEY_VERSION_MISSING,
                        &[&b.key_path],
                        entity.clone(),
                        format!(
                            "the server names version {n} of {label:?}, which has {} version(s), so {refused}",
                            k.versions
                        ),
                        format!("name an existing version, or \"{label}\" to follow the newest"),
                        refuses.clone(),
                    );
                }
                false
            }
            Some(_) => true,
            None => !rotated_before && !policy_rotated,
        };
        if !declared {
            return;
        }
        if !k.enabled {
            self.report(
                &rules::KEY_DISABLED,
                &[&field("enabled"), &field("name")],
                entity.clone(),
                format!("key {label:?} is disabled, so {refused}"),
                "enable the key (enabled: true) before the server is created".into(),
                refuses.clone(),
            );
        }
        let (Some(t), Some(c)) = (t, created) else {
            return;
        };
        if let Some(a) = k.activates_after_s.filter(|a| t < c + a) {
            self.report(
                &rules::KEY_NOT_YET_ACTIVE,
                &[&field("activates_after"), &field("name")],
                entity.clone(),
                format!(
                    "key {label:?} becomes active at {}, the server is set up at {}, so {refused}",
                    format_duration(c + a),
                    format_duration(t)
                ),
                "set the server up once the key is active, or drop activates_after".into(),
                refuses.clone(),
            );
        }
        if let Some(e) = k.expires_after_s.filter(|e| t >= c + e) {
            self.report(
                &rules::KEY_EXPIRED,
                &[&field("expires_after"), &field("name")],
                entity,
                format!(
                    "key {label:?} expired at {}, the server is set up at {}, so {refused}",
                    format_duration(c + e),
                    format_duration(t)
                ),
                "give the key a later expiry, or use a newer version".into(),
                refuses,
            );
        }
    }

    /// R39: a Single server takes an RSA 2048 key without expiry.
    fn single_server_key(&mut self, s: &Setup, r: &KeyRef) {
        let Some(k) = self.d.keys.get(&(r.vault.clone(), r.key.clone())).cloned() else {
            return;
        };
        let label = k.label();
        let (path, what) = if k.supported() && k.size != 2048 {
            (format!("{}.size", k.path), format!("has {} bits", k.size))
        } else if k.expires_after_s.is_some()
            || k.rotation.is_some_and(|r| r.expire_after.is_some())
        {
            (format!("{}.expires_after", k.path), "expires".to_string())
        } else {
            return;
        };
        let refused = format!(
            "the service refuses server {:?} (line {})",
            s.shown,
            self.line_of(&s.name_path)
        );
        self.report(
            &rules::SINGLE_SERVER_KEY,
            &[&path, &format!("{}.rotation", k.path), &format!("{}.name", k.path)],
            format!("server {:?}", s.shown),
            format!("a Single server needs an RSA 2048 key without expiry; {label:?} {what}, so {refused}"),
            "use an RSA 2048 key without expiry for a Single server".into(),
            self.refuses(s),
        );
    }

    // ---- actions on existing servers (R36–R38) ---------------------------------

    fn actions(&mut self) {
        let actions: Vec<(usize, String, When)> = self
            .d
            .actions
            .iter()
            .enumerate()
            .map(|(i, a)| (i, a.path.clone(), a.when))
            .collect();
        for (i, path, when) in actions {
            let action = self.d.actions[i].action;
            match action {
                Action::SetEncryption { server, encryption } => {
                    self.set_encryption(&path, server, encryption)
                }
                Action::UpdateServerKey { server, key } => {
                    self.update_key(&path, when, server, key)
                }
                Action::RestoreServer {
                    from,
                    into,
                    encryption: Some(e),
                } => self.restore(&path, when, from, into, e),
                Action::CreateReplica {
                    from,
                    into,
                    region,
                    key,
                    identity,
                } => self.replica(
                    &path,
                    when,
                    from,
                    into,
                    region,
                    key.as_ref(),
                    identity.as_deref(),
                ),
                _ => {}
            }
        }
    }

    fn set_encryption(&mut self, path: &str, server: &str, to: &EncryptionSpec) {
        let Some(s) = self.d.server(server) else {
            return;
        };
        let from_cmk = matches!(s.spec.encryption, EncryptionSpec::CustomerManaged { .. });
        let to_cmk = matches!(to, EncryptionSpec::CustomerManaged { .. });
        let kind = s.spec.kind;
        let (why, fix) = match (from_cmk, to_cmk) {
            (true, false) => (
                "customer-managed encryption cannot be switched back to service-managed",
                "restore into a new server with ServiceManaged encryption: RestoreServer(from:, into:, encryption: ServiceManaged)",
            ),
            (false, true) if kind == ServerKind::Flexible => (
                "a Flexible server's encryption mode is fixed at creation",
                "restore into a new server with the customer-managed key: RestoreServer(from:, into:, encryption: CustomerManaged(…))",
            ),
            _ => return,
        };
        self.report(
            &rules::ENCRYPTION_MODE_FIXED,
            &[&format!("{path}.encryption"), path],
            format!("server {server:?}"),
            format!("{why}: the service refuses this SetEncryption on {server:?} (R36)"),
            fix.into(),
            Some(Refuses {
                action: "SetEncryption".into(),
                server: server.into(),
            }),
        );
    }

    fn update_key(&mut self, path: &str, when: When, server: &str, key: &KeyRef) {
        let Some(s) = self.d.server(server) else {
            return;
        };
        let spec = s.spec;
        let identity = match &spec.encryption {
            EncryptionSpec::CustomerManaged { identity, .. } => identity.clone(),
            EncryptionSpec::ServiceManaged => None,
        };
        let encryption = EncryptionSpec::CustomerManaged {
            key: key.clone(),
            identity,
            geo_backup: None,
        };
        let setup = Setup {
            shown: server.to_string(),
            name: server.to_string(),
            kind: spec.kind,
            region: &spec.region,
            tenant: spec.tenant.as_deref().unwrap_or("default"),
            backup_region: None,
            encryption: &encryption,
            enc_path: path.to_string(),
            name_path: path.to_string(),
            when,
            action: "UpdateServerKey",
            update_only: true,
        };
        self.setup(&setup);
    }

    fn restore(&mut self, path: &str, when: When, from: &str, into: &str, e: &EncryptionSpec) {
        let Some(src) = self.d.server(from) else {
            return;
        };
        // R39: a Single copy ignores the encryption asked for.
        if src.spec.kind == ServerKind::Single {
            return;
        }
        let spec = src.spec;
        let setup = Setup {
            shown: into.to_string(),
            name: into.to_string(),
            kind: spec.kind,
            region: &spec.region,
            tenant: spec.tenant.as_deref().unwrap_or("default"),
            backup_region: None,
            encryption: e,
            enc_path: format!("{path}.encryption"),
            name_path: format!("{path}.into"),
            when,
            action: "RestoreServer",
            update_only: false,
        };
        self.setup(&setup);
    }

    #[allow(clippy::too_many_arguments)]
    fn replica(
        &mut self,
        path: &str,
        when: When,
        from: &str,
        into: &str,
        region: &str,
        key: Option<&KeyRef>,
        identity: Option<&str>,
    ) {
        let Some(src) = self.d.server(from) else {
            return;
        };
        let spec = src.spec;
        if spec.kind == ServerKind::Single
            || matches!(spec.encryption, EncryptionSpec::ServiceManaged)
        {
            return;
        }
        let refuses = Some(Refuses {
            action: "CreateReplica".into(),
            server: into.into(),
        });
        let entity = format!("server {into:?}");
        let (Some(key), Some(identity)) = (key, identity) else {
            self.report(
                &rules::REPLICA_KEY_REQUIRED,
                &[path],
                entity,
                format!(
                    "replica {into:?} of the CMK server {from:?} names no key or no identity of its own: the service refuses it (R38)"
                ),
                format!("give CreateReplica a key in a vault in {region} and an identity from {region}"),
                refuses,
            );
            return;
        };
        if let Some(IdentityDecl { region: r, .. }) = self.d.identity(identity) {
            if r != region {
                self.report(
                    &rules::REPLICA_KEY_REQUIRED,
                    &[&format!("{path}.identity")],
                    entity,
                    format!(
                        "replica {into:?} is in {region}, its identity {identity:?} in {r}: the service refuses it (R38)"
                    ),
                    format!("use an identity created in {region}"),
                    refuses,
                );
            }
        }
        let encryption = EncryptionSpec::CustomerManaged {
            key: key.clone(),
            identity: Some(identity.to_string()),
            geo_backup: None,
        };
        let setup = Setup {
            shown: into.to_string(),
            name: into.to_string(),
            kind: spec.kind,
            region,
            tenant: spec.tenant.as_deref().unwrap_or("default"),
            backup_region: None,
            encryption: &encryption,
            enc_path: path.to_string(),
            name_path: format!("{path}.into"),
            when,
            action: "CreateReplica",
            update_only: false,
        };
        self.setup(&setup);
    }

    // ---- recommendations --------------------------------------------------------

    fn server_recommendations(&mut self, s: &ServerSeen, setup: &Setup) {
        let EncryptionSpec::CustomerManaged { key, .. } = setup.encryption else {
            return;
        };
        let entity = format!("server {:?}", s.shown);
        let name_path = format!("{}.name", s.path);
        if !self.d.key_access_alerts.contains(s.name.as_str()) {
            self.report(
                &rules::NO_KEY_ACCESS_ALERT,
                &[&name_path, &s.path],
                entity.clone(),
                format!("no alert watches server {:?} for key-access failures", s.shown),
                format!(
                    "add Alert(name: \"{0} key access\", on: KeyAccessFailure(server: {0:?})) to alerts",
                    s.name
                ),
                None,
            );
        }
        let Some(k) = self
            .d
            .keys
            .get(&(key.vault.clone(), key.key.clone()))
            .cloned()
        else {
            return;
        };
        let Some(n) = key.version else {
            return;
        };
        // A key that expires or rotates by policy will leave a fixed version
        // behind whatever the scenario does next; one rotated by hand only
        // when no planned step follows it with the server.
        let expires =
            k.expires_after_s.is_some() || k.rotation.is_some_and(|r| r.expire_after.is_some());
        let by_policy = k.rotation.is_some();
        let by_hand = self
            .d
            .rotated_by_action
            .contains(&(key.vault.clone(), key.key.clone()))
            && !self.d.key_updated.contains(s.name.as_str());
        if expires || by_policy || by_hand {
            let why = match (by_policy || by_hand, k.expires_after_s) {
                (_, Some(e)) => format!("expires {} after its creation", format_duration(e)),
                (true, None) => "is rotated".to_string(),
                (false, None) => "expires".to_string(),
            };
            let label = k.label();
            self.report(
                &rules::VERSIONED_KEY_WILL_CHANGE,
                &[&format!("{}.key", setup.enc_path)],
                entity,
                format!(
                    "server {:?} names version {n} of {label:?}, which {why}: the server stays on that version until someone updates it",
                    s.shown
                ),
                format!(
                    "use the versionless \"{label}\", or a runbook step UpdateServerKey(server: {:?}, key: …) after each rotation",
                    s.name
                ),
                None,
            );
        }
    }

    fn vaults(&mut self) {
        let order = self.d.vault_order.clone();
        for name in order {
            let v = &self.d.vaults[name];
            let spec = v.spec;
            let path = v.path.clone();
            let soft_delete = v.soft_delete();
            let field = |f: &str| format!("{path}.{f}");
            let name_path = field("name");
            let entity = format!("vault {name:?}");
            let superseded = |rule: &Rule, errors: &BTreeSet<(String, &str)>| {
                errors.contains(&(name.to_string(), rule.id))
            };
            if !soft_delete && !superseded(&rules::SOFT_DELETE_OFF, &self.vault_errors) {
                self.report(
                    &rules::SOFT_DELETE_RECOMMENDED,
                    &[&field("soft_delete"), &name_path],
                    entity.clone(),
                    format!("vault {name:?} has soft delete off: a deleted key is purged at once"),
                    "turn soft delete on (soft_delete: true)".into(),
                    None,
                );
            }
            if !spec.purge_protection
                && !superseded(&rules::PURGE_PROTECTION_OFF, &self.vault_errors)
            {
                self.report(
                    &rules::PURGE_PROTECTION_RECOMMENDED,
                    &[&field("purge_protection"), &name_path],
                    entity.clone(),
                    format!("vault {name:?} has purge protection off: anyone with purge rights can destroy a key for good"),
                    "turn purge protection on (purge_protection: true)".into(),
                    None,
                );
            }
            if spec.retention_days < 90 {
                self.report(
                    &rules::RETENTION_BELOW_90,
                    &[&field("retention_days")],
                    entity.clone(),
                    format!(
                        "vault {name:?} keeps deleted keys {} days; 90 are recommended",
                        spec.retention_days
                    ),
                    "create the vault with retention_days: 90 (it cannot be changed later)".into(),
                    None,
                );
            }
            if !spec.delete_lock {
                self.report(
                    &rules::NO_DELETE_LOCK,
                    &[&field("delete_lock"), &name_path],
                    entity.clone(),
                    format!("vault {name:?} has no delete lock"),
                    "set delete_lock: true".into(),
                    None,
                );
            }
            if spec.permission_model == PermissionModel::AccessPolicy {
                self.report(
                    &rules::ACCESS_POLICY_MODEL,
                    &[&field("permission_model")],
                    entity.clone(),
                    format!("vault {name:?} uses the legacy access-policy permission model"),
                    "use permission_model: Rbac, with Role(…, role: CryptoServiceEncryptionUser)"
                        .into(),
                    None,
                );
            }
            if spec.firewall.public_access {
                self.report(
                    &rules::PUBLIC_ACCESS_ON,
                    &[
                        &field("firewall.public_access"),
                        &field("firewall"),
                        &name_path,
                    ],
                    entity.clone(),
                    format!("vault {name:?} allows public network access"),
                    "set firewall: Firewall(public_access: false, trusted_services: true)".into(),
                    None,
                );
            }
            if !spec.firewall.trusted_services
                && !superseded(&rules::FIREWALL_BLOCKS_SERVICE, &self.vault_errors)
            {
                self.report(
                    &rules::TRUSTED_SERVICES_OFF,
                    &[&field("firewall.trusted_services"), &field("firewall"), &name_path],
                    entity,
                    format!("vault {name:?} does not let trusted Microsoft services bypass its firewall"),
                    "set trusted_services: true in its firewall".into(),
                    None,
                );
            }
        }
    }

    fn keys(&mut self) {
        let used: Vec<(String, String)> = self.keys_used.iter().cloned().collect();
        for key in used {
            let Some(k) = self.d.keys.get(&key) else {
                continue;
            };
            let label = k.label();
            let name_path = format!("{}.name", k.path);
            let entity = format!("key {label:?}");
            let path = k.path.clone();
            let (backed_up, size, expires) = (
                k.backed_up || self.d.backed_up_by_action.contains(&key),
                k.size,
                k.expires_after_s.is_some() || k.rotation.is_some_and(|r| r.expire_after.is_some()),
            );
            let expiry_path = if k.expires_after_s.is_some() {
                format!("{path}.expires_after")
            } else {
                format!("{path}.rotation")
            };
            if !backed_up {
                self.report(
                    &rules::KEY_NOT_BACKED_UP,
                    &[&name_path, &path],
                    entity.clone(),
                    format!("key {label:?} protects a server's data and has no backup"),
                    "take a backup before first use: backed_up: true, or a BackupKey event".into(),
                    None,
                );
            }
            if expires
                && !self
                    .d
                    .near_expiry_alerts
                    .contains(&(key.0.as_str(), key.1.as_str()))
            {
                self.report(
                    &rules::NO_NEAR_EXPIRY_ALERT,
                    &[&expiry_path, &name_path],
                    entity.clone(),
                    format!("key {label:?} expires and no near-expiry alert watches it"),
                    format!(
                        "add Alert(name: \"{} near expiry\", on: NearExpiry(vault: {:?}, key: {:?}))",
                        key.1, key.0, key.1
                    ),
                    None,
                );
            }
            if matches!(size, 2048 | 3072) && !self.keys_used_by_single.contains(&key) {
                self.report(
                    &rules::KEY_BELOW_4096,
                    &[&format!("{path}.size"), &name_path],
                    entity,
                    format!("key {label:?} has {size} bits; 4096 are recommended"),
                    "use size: 4096 for the next key".into(),
                    None,
                );
            }
        }
    }
}

/// `world.servers[0]` for `world.servers[0].encryption`.
fn parent(path: &str) -> &str {
    path.rsplit_once('.').map_or(path, |(p, _)| p)
}
