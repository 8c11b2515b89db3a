//! Creating things: the world at t = 0 (R8: servers in file order, through
//! the same checks as `CreateServer`), and the creation paths shared with
//! the `Create…` actions, including the R35 setup checks.

use super::access::{check_binding, Cause, Causes, Needs};
use super::server::{Binding, Cmk, GeoBinding, Presence, Server, TlsVersion};
use super::sim::{group, Ev, Sim};
use super::world::{
    AccessPolicy, Backup, Identity, IdentityId, IdentityState, Key, Life, Ops, RoleAssignment,
    RotationPolicy, ServerId, Vault, VaultId, Version,
};
use crate::engine::random::{Dist, EntityKey};
use crate::result::Refusal;
use crate::scenario::format::{
    AlertOn, EncryptionSpec, GrantSpec, KeyKind, KeyRef, KeySpec, ServerKind, ServerSpec, Tier,
    VaultSpec,
};

/// Why an action was refused: a reason name, the service's own code where
/// known, and a sentence.
#[derive(Clone, Debug)]
pub(super) struct Refused {
    pub reason: String,
    pub code: Option<String>,
    pub detail: String,
}

impl Refused {
    pub fn new(reason: &str, detail: impl Into<String>) -> Refused {
        Refused {
            reason: reason.to_string(),
            code: None,
            detail: detail.into(),
        }
    }
    pub fn code(mut self, code: &str) -> Refused {
        self.code = Some(code.to_string());
        self
    }
    fn from_cause(cause: Cause, detail: String) -> Refused {
        Refused {
            reason: cause.name().to_string(),
            code: cause.service_code().map(str::to_string),
            detail,
        }
    }
}

/// The parts of a server a setup check needs.
pub(super) struct SetupTarget<'a> {
    pub owner: ServerId,
    pub tenant: &'a str,
    pub region: &'a str,
    pub single: bool,
    pub vault_reachable: bool,
}

impl<'p> Sim<'p> {
    pub(super) fn setup_world(&mut self) {
        let plan = self.plan;
        self.state.vaults = plan.vaults.list.iter().map(|n| Vault::absent(n)).collect();
        self.state.identities = plan
            .identities
            .list
            .iter()
            .map(|n| Identity {
                name: n.to_string(),
                state: IdentityState::Absent,
                principal: 0,
                region: String::new(),
                tenant: String::new(),
                incarnation: 0,
            })
            .collect();
        let (first, end) = (self.servers.start as usize, self.servers.end as usize);
        let empty = self.texts.get("");
        self.state.servers = plan.servers.list[first..end]
            .iter()
            .map(|name| Server::not_created(name, &empty))
            .collect();
        self.state.vault_dependents = vec![Vec::new(); self.state.vaults.len()];
        self.state.identity_dependents = vec![Vec::new(); self.state.identities.len()];
        for spec in &plan.file.world.identities {
            let id = plan.identities.get(&spec.name).expect("resolved identity");
            self.create_identity(id, &spec.region, spec.tenant.as_deref());
        }
        // A Single server's system identity exists with the server, so the
        // world's grants can name it (R39).
        let kept = self.servers.clone();
        let base = kept.start;
        let world_servers = move || {
            let kept = kept.clone();
            plan.world_servers
                .iter()
                .copied()
                .filter(move |ws| kept.contains(&ws.id))
        };
        for ws in world_servers() {
            let spec = plan.world_server_spec(ws);
            if spec.kind == ServerKind::Single {
                let name = plan.servers.list[ws.id as usize].clone();
                let id = ws.id - base;
                self.ensure_system_identity(id, &name, &spec.region, spec.tenant.as_deref());
            }
        }
        for spec in &plan.file.world.vaults {
            self.create_vault(spec);
        }
        for g in &plan.file.world.grants {
            self.apply_world_grant(g);
        }
        // Members of one fleet pass the same R35–R40 checks against the same
        // world: creating a Flexible server changes no vault or identity.
        // The first member's checked encryption serves the others.
        let mut checked: Option<(u32, Option<Cmk>, TlsVersion, Option<TlsVersion>)> = None;
        for ws in world_servers() {
            let spec = plan.world_server_spec(ws);
            let name = &plan.servers.list[ws.id as usize];
            let id = ws.id - base;
            if let Some((decl, cmk, min, max)) = &checked {
                if *decl == ws.decl {
                    let tenant = spec.tenant.as_deref().unwrap_or("default");
                    self.install_server(id, spec, tenant, cmk.clone(), *min, *max);
                    continue;
                }
            }
            match self.create_server(id, name, spec) {
                Err(r) => self.record_refusal("CreateServer", "world", name, Some(name), r),
                Ok(()) if spec.kind == ServerKind::Flexible => {
                    let s = &self.state.servers[id as usize];
                    checked = Some((ws.decl, s.cmk.clone(), s.ssl_min, s.ssl_max));
                }
                Ok(()) => {}
            }
        }
        self.entities.changed = true;
    }

    /// Records a refused action: in the timeline under the entity it acted
    /// on, and in `refused[]` under `step`, the scripted event's or runbook
    /// step's name (for a world server, which no step creates, its name).
    pub(super) fn record_refusal(
        &mut self,
        action: &str,
        by: &str,
        entity: &str,
        step: Option<&str>,
        r: Refused,
    ) {
        self.log(
            action,
            entity,
            by,
            format!("refused: {} ({})", r.reason, r.detail),
            Some(crate::result::Outcome::Refused),
        );
        self.refused.push(Refusal {
            at_s: self.now(),
            action: action.to_string(),
            by: by.to_string(),
            step: step.map(str::to_string),
            reason: r.reason,
            service_code: r.code,
            detail: r.detail,
        });
    }

    // ---- identities (R3) ---------------------------------------------------

    pub(super) fn create_identity(&mut self, id: IdentityId, region: &str, tenant: Option<&str>) {
        let principal = self.state.mint_principal();
        let ident = &mut self.state.identities[id as usize];
        ident.state = IdentityState::Active;
        ident.principal = principal;
        ident.region = region.to_string();
        ident.tenant = tenant.unwrap_or("default").to_string();
        ident.incarnation += 1;
        self.entities.changed = true;
    }

    /// The system-assigned identity of a server, created on first need with
    /// a fresh principal (R39).
    pub(super) fn ensure_system_identity(
        &mut self,
        server: ServerId,
        name: &str,
        region: &str,
        tenant: Option<&str>,
    ) -> IdentityId {
        if let Some(id) = self.state.servers[server as usize].system_identity {
            return id;
        }
        let id = self.state.identities.len() as IdentityId;
        self.state.identities.push(Identity {
            name: name.to_string(),
            state: IdentityState::Absent,
            principal: 0,
            region: String::new(),
            tenant: String::new(),
            incarnation: 0,
        });
        self.state.identity_dependents.push(Vec::new());
        self.create_identity(id, region, tenant);
        self.state.servers[server as usize].system_identity = Some(id);
        id
    }

    /// A user-assigned identity by name, or else the system identity of the
    /// server of that name.
    pub(super) fn identity_by_name(&self, name: &str) -> Option<IdentityId> {
        self.plan.identities.get(name).or_else(|| {
            let s = self.server_id(name)?;
            self.state.servers[s as usize].system_identity
        })
    }

    fn apply_world_grant(&mut self, g: &GrantSpec) {
        let (identity, vault) = match g {
            GrantSpec::Role {
                identity, vault, ..
            }
            | GrantSpec::AccessPolicy {
                identity, vault, ..
            } => (identity, vault),
        };
        let Some(iid) = self.identity_by_name(identity) else {
            return;
        };
        let vid = self.plan.vaults.get(vault).expect("resolved vault");
        let principal = self.state.identities[iid as usize].principal;
        let v = &mut self.state.vaults[vid as usize];
        match g {
            GrantSpec::Role { key, role, .. } => v.roles.push(RoleAssignment {
                principal,
                key: key.clone(),
                role: *role,
            }),
            GrantSpec::AccessPolicy { permissions, .. } => {
                v.policies.retain(|p| p.principal != principal);
                v.policies.push(AccessPolicy {
                    principal,
                    permissions: permissions.clone(),
                });
            }
        }
    }

    // ---- vaults and keys (R4, R5) -----------------------------------------

    pub(super) fn create_vault(&mut self, spec: &VaultSpec) -> VaultId {
        let vid = self.plan.vaults.get(&spec.name).expect("resolved vault");
        self.state.vaults[vid as usize].create(spec);
        for k in &spec.keys {
            self.add_world_key(vid, k);
        }
        self.entities.changed = true;
        vid
    }

    fn add_world_key(&mut self, vid: VaultId, spec: &KeySpec) {
        let now = self.now();
        let nbf = spec.activates_after.map(|d| now + d.0);
        let exp = spec.expires_after.map(|d| now + d.0);
        let ops = spec.ops.as_deref().map_or(Ops::ALL, Ops::from_list);
        let mut versions = Vec::new();
        for n in 1..=spec.versions.max(1) {
            versions.push(Version {
                number: n,
                material: self.state.mint_material(),
                kind: spec.kind,
                size_bits: spec.size,
                enabled: spec.enabled,
                not_before_s: nbf,
                expires_s: exp,
                ops,
            });
        }
        let rotation = spec.rotation.map(|r| RotationPolicy {
            every_s: r.every.0,
            expire_after_s: r.expire_after.map(|d| d.0),
        });
        self.install_key(vid, &spec.name, versions, rotation);
        if spec.backed_up {
            self.take_backup(vid, &spec.name);
        }
    }

    /// Puts a key with these versions into a vault (creation or restore),
    /// scheduling what its versions' times and rotation policy imply.
    pub(super) fn install_key(
        &mut self,
        vid: VaultId,
        name: &str,
        versions: Vec<Version>,
        rotation: Option<RotationPolicy>,
    ) {
        // Unique in the run, not per key: a vault purged and created again
        // starts with no keys, and the old key's rotations must not match
        // the new one's (R5).
        let incarnation = self.state.mint_key_incarnation();
        let vault = &mut self.state.vaults[vid as usize];
        vault.keys.retain(|k| k.name != name);
        vault.keys.push(Key {
            name: name.to_string(),
            life: Life::Active,
            versions: versions.clone(),
            rotation,
            incarnation,
        });
        for v in &versions {
            self.version_times_set(vid, name, v.number, v.not_before_s, v.expires_s);
        }
        if let Some(r) = rotation {
            let at = self.now() + r.every_s;
            self.schedule(
                at,
                group::ROTATION,
                vid,
                Ev::Rotate {
                    vault: vid,
                    key: self.texts.get(name),
                    incarnation,
                },
            );
        }
        self.entities.changed = true;
    }

    /// A version's nbf or exp was set: servers must look again at those
    /// moments (R33), and near-expiry alerts re-arm (R25).
    pub(super) fn version_times_set(
        &mut self,
        vid: VaultId,
        key: &str,
        number: u32,
        nbf: Option<u64>,
        exp: Option<u64>,
    ) {
        let now = self.now();
        for (t, expired) in [(nbf, false), (exp, true)] {
            if let Some(t) = t.filter(|&t| t > now) {
                self.schedule(
                    t,
                    group::TIME_EDGE,
                    vid,
                    Ev::TimeEdge {
                        vault: vid,
                        key: self.texts.get(key),
                        version: number,
                        expired,
                    },
                );
            }
        }
        self.arm_near_expiry(vid, key, number, exp);
    }

    fn arm_near_expiry(&mut self, vid: VaultId, key: &str, number: u32, exp: Option<u64>) {
        let now = self.now();
        let vault_name = &self.state.vaults[vid as usize].name;
        let rules: Vec<(u32, u64)> = self
            .plan
            .file
            .alerts
            .iter()
            .enumerate()
            .filter_map(|(i, a)| match &a.on {
                AlertOn::NearExpiry {
                    vault,
                    key: k,
                    before,
                } if vault == vault_name && k == key => {
                    Some((i as u32, before.map_or(30 * 86_400, |d| d.0)))
                }
                _ => None,
            })
            .collect();
        for (alert, before_s) in rules {
            let slot_key = (alert, vid, key.to_string(), number);
            match self.near_expiry.get(&slot_key) {
                // Already fired for this version: once only (R25).
                Some(None) => continue,
                Some(Some(h)) => {
                    self.queue.cancel(*h);
                    self.near_expiry.remove(&slot_key);
                }
                None => {}
            }
            if let Some(exp) = exp {
                let at = exp.saturating_sub(before_s).max(now);
                let ev = Ev::NearExpiry {
                    alert,
                    vault: vid,
                    key: self.texts.get(key),
                    version: number,
                };
                if let Some(h) = self.schedule(at, group::ALERT, alert, ev) {
                    self.near_expiry.insert(slot_key, Some(h));
                }
            }
        }
    }

    pub(super) fn take_backup(&mut self, vid: VaultId, key: &str) {
        let vault = &self.state.vaults[vid as usize];
        let Some(k) = vault.key(key) else { return };
        let backup = Backup {
            from_vault: vault.name.clone(),
            tenant: vault.tenant.clone(),
            key: key.to_string(),
            versions: k.versions.clone(),
            rotation: k.rotation,
        };
        self.state.backups.push(backup);
    }

    /// A fresh version (rotation, R5): copies type, size and operations
    /// from the newest one; enabled, no nbf, expiry from the policy.
    pub(super) fn add_version(&mut self, vid: VaultId, key: &str) -> Option<u32> {
        let now = self.now();
        let material = self.state.mint_material();
        let k = self.state.vaults[vid as usize]
            .keys
            .iter_mut()
            .find(|k| k.name == key)?;
        let newest = k.newest()?.clone();
        let number = newest.number + 1;
        let exp = k.rotation.and_then(|r| r.expire_after_s).map(|d| now + d);
        k.versions.push(Version {
            number,
            material,
            kind: newest.kind,
            size_bits: newest.size_bits,
            enabled: true,
            not_before_s: None,
            expires_s: exp,
            ops: newest.ops,
        });
        self.version_times_set(vid, key, number, None, exp);
        self.schedule_moves(vid, key, number, material);
        self.entities.changed = true;
        Some(number)
    }

    /// R6: every versionless server on this key moves `rewrap_after` later;
    /// a newer version replaces a pending move.
    fn schedule_moves(&mut self, vid: VaultId, key: &str, number: u32, material: u64) {
        let list = self.state.vault_dependents[vid as usize].clone();
        let now = self.now();
        for s in list {
            let server = &self.state.servers[s as usize];
            if !server.is_live() {
                continue;
            }
            let Some(cmk) = &server.cmk else { continue };
            if cmk.reference.version.is_some()
                || cmk.primary.vault != vid
                || *cmk.primary.key != *key
            {
                continue;
            }
            if let Some(m) = &cmk.pending_move {
                self.queue.cancel(m.handle);
            }
            // R32: the server's own count of rewrap draws.
            let k = server.watch.moves;
            let delay = self.draw_for(s, "rewrap_after", k, self.plan.timing.rewrap_after);
            self.state.servers[s as usize].watch.moves += 1;
            let handle = self
                .queue
                .schedule(now + delay, group::MOVE, s, Ev::Move(s));
            let cmk = self.state.servers[s as usize].cmk.as_mut().expect("cmk");
            cmk.pending_move = Some(Box::new(super::server::PendingMove {
                handle,
                version: number,
                material,
            }));
        }
    }

    pub(super) fn complete_move(&mut self, s: ServerId) {
        let server = &mut self.state.servers[s as usize];
        let Some(cmk) = server.cmk.as_mut() else {
            return;
        };
        let Some(m) = cmk.pending_move.take() else {
            return;
        };
        cmk.primary.version = m.version;
        cmk.primary.material = m.material;
        let name = server.name.clone();
        let what = format!("moved to {}/{}", cmk.reference, m.version);
        self.log(
            "KeyVersionMove",
            &name,
            "service",
            format!("the server now uses version {} (R6)", m.version),
            None,
        );
        let entry = self.batch_entry(&what, "service", false);
        self.touch(s, Some(entry));
    }

    // ---- servers (R8, R35–R39) --------------------------------------------

    /// R35: checks a CMK setup for a server and returns the binding it gives.
    pub(super) fn check_setup(
        &self,
        target: &SetupTarget,
        reference: &KeyRef,
        identity: IdentityId,
    ) -> Result<Binding, Refused> {
        let vid = self
            .plan
            .vaults
            .get(&reference.vault)
            .expect("resolved vault");
        let vault = &self.state.vaults[vid as usize];
        // README choice 12: the first failing check is the reason; the
        // detail lists every failing one.
        let mut failed: Vec<Refused> = Vec::new();
        if vault.life.is_present() {
            if vault.tenant != target.tenant {
                failed.push(Refused::from_cause(
                    Cause::VaultWrongTenant,
                    format!(
                        "vault {} is in tenant {}, the server in {}",
                        vault.name, vault.tenant, target.tenant
                    ),
                ));
            }
            if vault.region != target.region {
                failed.push(Refused::new(
                    "RegionMismatch",
                    format!(
                        "vault {} is in {}, the server in {}",
                        vault.name, vault.region, target.region
                    ),
                ));
            }
            if !vault.soft_delete {
                failed.push(Refused::new(
                    "SoftDeleteDisabled",
                    format!("vault {} has soft delete off", vault.name),
                ));
            }
            if !vault.purge_protection {
                failed.push(Refused::new(
                    "PurgeProtectionDisabled",
                    format!("vault {} has purge protection off", vault.name),
                ));
            }
        }
        let newest = vault
            .key(&reference.key)
            .filter(|k| k.life.is_present())
            .and_then(|k| match reference.version {
                Some(n) => k.version(n),
                None => k.newest(),
            });
        let binding = Binding {
            vault: vid,
            key: self.texts.get(&reference.key),
            version: newest.map_or(reference.version.unwrap_or(1), |v| v.number),
            material: newest.map_or(0, |v| v.material),
            identity: Some(identity),
            principal: self.state.identities[identity as usize].principal,
        };
        let mut causes = Causes::default();
        let needs = Needs {
            tenant: target.tenant,
            single: target.single,
            vault_reachable: target.vault_reachable,
        };
        check_binding(
            &self.state,
            &needs,
            &binding,
            true,
            target.owner,
            &mut causes,
        );
        if let Some(first) = causes.first() {
            let all: Vec<&str> = causes
                .clone()
                .sorted()
                .list
                .iter()
                .map(|(c, _)| c.name())
                .collect();
            failed.push(Refused::from_cause(
                first,
                format!("key access would fail for {reference}: {}", all.join(", ")),
            ));
        }
        if !failed.is_empty() {
            let detail: Vec<String> = failed.iter().map(|r| r.detail.clone()).collect();
            let mut first = failed.swap_remove(0);
            first.detail = detail.join("; ");
            return Err(first);
        }
        // R39: a Single server takes an RSA 2048 key without expiry.
        if target.single {
            if let Some(v) = newest {
                if v.size_bits != 2048 || !matches!(v.kind, KeyKind::Rsa | KeyKind::RsaHsm) {
                    return Err(Refused::from_cause(
                        Cause::KeyTypeUnsupported,
                        format!(
                            "a Single server needs an RSA 2048 key; {reference} has {} bits",
                            v.size_bits
                        ),
                    ));
                }
                if v.expires_s.is_some() {
                    return Err(Refused::new(
                        "KeyHasExpiry",
                        format!("a Single server needs a key without expiry; {reference} expires"),
                    ));
                }
            }
        }
        Ok(binding)
    }

    /// The identity a CMK setup names: a Single server's own system
    /// identity, or the named user-assigned one.
    pub(super) fn setup_identity(
        &mut self,
        server: ServerId,
        server_name: &str,
        spec: &ServerSpec,
        named: Option<&str>,
    ) -> Result<IdentityId, Refused> {
        if spec.kind == ServerKind::Single {
            return Ok(self.ensure_system_identity(
                server,
                server_name,
                &spec.region,
                spec.tenant.as_deref(),
            ));
        }
        let name = named.ok_or_else(|| {
            Refused::new(
                "IdentityNotAssigned",
                "a Flexible CMK server needs a user-assigned identity",
            )
        })?;
        self.identity_by_name(name).ok_or_else(|| {
            Refused::from_cause(
                Cause::IdentityDeleted,
                format!("identity {name} does not exist"),
            )
        })
    }

    /// Creates a server through the R35–R40 checks; nothing exists if refused.
    ///
    /// A Single server's system identity exists with the server (R3, R39):
    /// made here unless the world made it first for its grants, and gone
    /// again when the creation is refused (R8).
    pub(super) fn create_server(
        &mut self,
        id: ServerId,
        name: &str,
        spec: &ServerSpec,
    ) -> Result<(), Refused> {
        let single = spec.kind == ServerKind::Single;
        let name_in_use = self.state.servers[id as usize].is_live();
        let made_before = self.state.servers[id as usize].system_identity;
        let mark = (self.state.identities.len(), self.state.principal_mark());
        let result = self.create_server_checked(id, name, spec);
        match &result {
            Ok(()) if single => {
                self.ensure_system_identity(id, name, &spec.region, spec.tenant.as_deref());
            }
            Err(_) if single && !name_in_use => match made_before {
                // Made by the world for its grants: the grants dangle.
                Some(identity) => {
                    self.state.identities[identity as usize].state = IdentityState::Absent;
                    self.state.servers[id as usize].system_identity = None;
                }
                // Made by this attempt: as if it never was.
                None if self.state.identities.len() > mark.0 => {
                    self.state.identities.truncate(mark.0);
                    self.state.identity_dependents.truncate(mark.0);
                    self.state.forget_principals_after(mark.1);
                    self.state.servers[id as usize].system_identity = None;
                }
                None => {}
            },
            _ => {}
        }
        result
    }

    fn create_server_checked(
        &mut self,
        id: ServerId,
        name: &str,
        spec: &ServerSpec,
    ) -> Result<(), Refused> {
        if self.state.servers[id as usize].is_live() {
            return Err(Refused::new(
                "ServerNameInUse",
                format!("a server named {name} exists"),
            ));
        }
        let tenant = spec.tenant.clone().unwrap_or_else(|| "default".into());
        let (ssl_min, ssl_max) = check_tls_settings(spec)?;
        if spec.double_encryption {
            if spec.kind == ServerKind::Flexible {
                return Err(Refused::new(
                    "DoubleEncryptionNotSupported",
                    "infrastructure double encryption is a Single server option",
                ));
            }
            if spec.tier == Tier::Burstable {
                return Err(Refused::new(
                    "DoubleEncryptionNotSupportedOnTier",
                    "infrastructure double encryption needs GeneralPurpose or MemoryOptimized (R39)",
                ));
            }
        }
        let cmk = match &spec.encryption {
            EncryptionSpec::ServiceManaged => None,
            EncryptionSpec::CustomerManaged {
                key,
                identity,
                geo_backup,
            } => {
                let iid = self.setup_identity(id, name, spec, identity.as_deref())?;
                let target = SetupTarget {
                    owner: id,
                    tenant: &tenant,
                    region: &spec.region,
                    single: spec.kind == ServerKind::Single,
                    vault_reachable: true,
                };
                let primary = self.check_setup(&target, key, iid)?;
                let geo = match (&spec.backup_region, geo_backup) {
                    (Some(_), None) => {
                        return Err(Refused::new(
                            "GeoBackupKeyMissing",
                            "a CMK server with geo-redundant backup needs a geo-backup key (R35)",
                        )
                        .code("CMKNotSupportedForGeoRedundantBackupEnabledServer"))
                    }
                    (None, Some(_)) => {
                        return Err(Refused::new(
                            "GeoBackupWithoutBackupRegion",
                            "a geo-backup key needs a backup region",
                        ))
                    }
                    (None, None) => None,
                    (Some(region), Some(g)) => {
                        let gid = self.identity_by_name(&g.identity).ok_or_else(|| {
                            Refused::from_cause(
                                Cause::IdentityDeleted,
                                format!("identity {} does not exist", g.identity),
                            )
                        })?;
                        if gid == iid {
                            return Err(Refused::new(
                                "GeoIdentityNotDistinct",
                                "the geo-backup key must use a different identity than the primary key (R35)",
                            ));
                        }
                        let geo_target = SetupTarget { region, ..target };
                        let b = self.check_setup(&geo_target, &g.key, gid)?;
                        Some(GeoBinding {
                            reference: g.key.clone(),
                            key: b.key.clone(),
                            vault: b.vault,
                            version: b.version,
                            material: b.material,
                            identity: gid,
                            principal: b.principal,
                        })
                    }
                };
                Some(Cmk {
                    reference: self.texts.key_ref(key),
                    primary,
                    attached: true,
                    geo: geo.map(Box::new),
                    restore_source: None,
                    needs_revalidation: false,
                    pending_move: None,
                })
            }
        };
        self.install_server(id, spec, &tenant, cmk, ssl_min, ssl_max);
        Ok(())
    }

    /// Makes a server live with this encryption (no checks).
    pub(super) fn install_server(
        &mut self,
        id: ServerId,
        spec: &ServerSpec,
        tenant: &str,
        cmk: Option<Cmk>,
        ssl_min: TlsVersion,
        ssl_max: Option<TlsVersion>,
    ) {
        let now = self.now();
        let cadence = self.plan.timing.key_check_every_s;
        let phase_dist = match spec.key_check_phase {
            Some(d) => Dist::Fixed(d.0),
            None => self
                .plan
                .timing
                .key_check_phase
                .unwrap_or(Dist::Uniform(0, cadence - 1)),
        };
        let server = &mut self.state.servers[id as usize];
        server.draws = EntityKey::new(self.seed, "server", &server.name);
        let phase_s = self.draw_for(id, "key_check_phase", 0, phase_dist);
        let server = &mut self.state.servers[id as usize];
        server.presence = Presence::Live;
        server.kind = spec.kind;
        server.tier = spec.tier;
        server.region = self.texts.get(&spec.region);
        server.tenant = self.texts.get(tenant);
        server.backup_region = spec.backup_region.as_deref().map(|r| self.texts.get(r));
        server.double_encryption = spec.double_encryption;
        server.vault_reachable = true;
        server.ssl_min = ssl_min;
        server.ssl_max = ssl_max;
        server.ssl_enforcement = spec.ssl_enforcement.unwrap_or(true);
        server.workload = spec.workload;
        server.created_at_s = now;
        server.phase_s = phase_s;
        server.report.created_at_s = Some(now);
        server.watch.access = true;
        // An array, not a Vec: this runs once per server of a fleet.
        let deps: [Option<(VaultId, Option<IdentityId>)>; 3] = match &cmk {
            None => [None; 3],
            Some(c) => [
                Some((c.primary.vault, c.primary.identity)),
                c.geo.as_ref().map(|g| (g.vault, Some(g.identity))),
                c.restore_source.as_ref().map(|src| (src.vault, None)),
            ],
        };
        server.cmk = cmk;
        for (v, i) in deps.into_iter().flatten() {
            self.state.add_dependent(id, v, i);
        }
        if let Some(sys) = self.state.servers[id as usize].system_identity {
            self.state.add_dependent_identity(id, sys);
        }
        if self.detailed {
            let name = self.state.servers[id as usize].name.clone();
            self.log(
                "ServerCreated",
                &name,
                "service",
                format!("server created in {}", spec.region),
                None,
            );
        }
        let entry = self.batch_entry("created", "service", false);
        self.touch(id, Some(entry));
        self.tls_changed(id);
    }
}

/// R40: the TLS parameters a server may be created with.
pub(super) fn check_tls_settings(
    spec: &ServerSpec,
) -> Result<(TlsVersion, Option<TlsVersion>), Refused> {
    let parse = |v: &Option<String>, which: &str| -> Result<Option<TlsVersion>, Refused> {
        match v {
            None => Ok(None),
            Some(text) => TlsVersion::parse(text).map(Some).ok_or_else(|| {
                Refused::new(
                    "InvalidParameterValue",
                    format!("{which} is TLSv1.2 or TLSv1.3, not {text:?}"),
                )
            }),
        }
    };
    let min = parse(&spec.ssl_min_protocol_version, "ssl_min_protocol_version")?
        .unwrap_or(TlsVersion::V1_2);
    let max = parse(&spec.ssl_max_protocol_version, "ssl_max_protocol_version")?;
    validate_tls(spec.kind, min, max, spec.ssl_enforcement.unwrap_or(true))?;
    Ok((min, max))
}

pub(super) fn validate_tls(
    kind: ServerKind,
    min: TlsVersion,
    max: Option<TlsVersion>,
    enforcement: bool,
) -> Result<(), Refused> {
    if max.is_some_and(|m| m < min) {
        return Err(Refused::new(
            "InvalidParameterValue",
            "ssl_min_protocol_version is above ssl_max_protocol_version",
        ));
    }
    match kind {
        ServerKind::Flexible if !enforcement => Err(Refused::new(
            "InvalidParameterValue",
            "a Flexible server cannot switch TLS off (R40)",
        )),
        ServerKind::Single
            if min != TlsVersion::V1_2 || max.is_some_and(|m| m != TlsVersion::V1_2) =>
        {
            Err(Refused::new(
                "InvalidParameterValue",
                "a Single server supports TLS 1.2 only (R40)",
            ))
        }
        _ => Ok(()),
    }
}
