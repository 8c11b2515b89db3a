//! The configuration a file declares, as the lint reads it: every vault,
//! key, identity, grant and server, from `world` and from the actions that
//! create them, each with where it is written and when it comes to be.
//!
//! This is a reading of the file, not a run: what scripted events change
//! later (a deletion, a firewall change) is the simulator's business. Only
//! grants and time are followed, because a setup is checked at the moment
//! it is made: a grant assigned by an earlier scripted event counts, a key
//! not yet active at that moment does not.

use std::collections::{BTreeMap, BTreeSet};

use crate::scenario::format::{
    Action, AlertOn, GrantSpec, KeyKind, KeyOp, NewServer, NewVault, Permission, RoleName,
    RotationSpec, ScenarioFile, ServerDecl, ServerKind, ServerSpec, Trigger, VaultSpec,
};
use crate::scenario::resolve::{server_decl_path, step_lists};

/// When something declared comes to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// In `world`, at t = 0, before any event.
    World,
    /// By the scripted event of this index, at this second.
    Scripted { at_s: u64, index: usize },
    /// By a runbook step: when is not known from the file.
    Runbook,
}

impl When {
    /// The second it happens, when the file says.
    pub fn at_s(self) -> Option<u64> {
        match self {
            When::World => Some(0),
            When::Scripted { at_s, .. } => Some(at_s),
            When::Runbook => None,
        }
    }

    /// Whether something made at `self` exists for a setup made at `then`
    /// (R33: scripted events in file order within a second). Runbook steps
    /// may run at any time, so they count only for runbook setups.
    pub fn precedes(self, then: When) -> bool {
        match (self, then) {
            (When::World, _) => true,
            (When::Scripted { at_s, index }, When::Scripted { at_s: t, index: i }) => {
                (at_s, index) < (t, i)
            }
            (When::Scripted { .. } | When::Runbook, When::Runbook) => true,
            _ => false,
        }
    }
}

pub struct VaultDecl<'a> {
    pub spec: &'a VaultSpec,
    pub path: String,
}

impl VaultDecl<'_> {
    pub fn tenant(&self) -> &str {
        self.spec.tenant.as_deref().unwrap_or("default")
    }
    /// R4: always on for a Managed HSM.
    pub fn soft_delete(&self) -> bool {
        self.spec.soft_delete || self.spec.kind == crate::scenario::format::VaultKind::ManagedHsm
    }
    /// R10.3: the service reaches the vault one of three ways.
    pub fn lets_service_in(&self) -> bool {
        let f = self.spec.firewall;
        f.public_access || f.trusted_services || f.private_endpoint
    }
}

#[derive(Clone)]
pub struct KeyDecl {
    pub vault: String,
    pub name: String,
    pub kind: KeyKind,
    pub size: u32,
    pub versions: u32,
    pub enabled: bool,
    pub activates_after_s: Option<u64>,
    pub expires_after_s: Option<u64>,
    pub wraps: bool,
    pub rotation: Option<RotationSpec>,
    pub backed_up: bool,
    pub created: When,
    pub path: String,
}

impl KeyDecl {
    /// R10.5: RSA or RSA-HSM of 2048, 3072 or 4096 bits.
    pub fn supported(&self) -> bool {
        matches!(self.kind, KeyKind::Rsa | KeyKind::RsaHsm)
            && matches!(self.size, 2048 | 3072 | 4096)
    }
    pub fn label(&self) -> String {
        format!("{}/{}", self.vault, self.name)
    }
}

pub struct IdentityDecl {
    pub region: String,
    pub tenant: String,
    pub path: String,
}

pub enum GrantKind<'a> {
    Role(RoleName),
    Policy(&'a [Permission]),
}

pub struct GrantDecl<'a> {
    pub identity: &'a str,
    pub vault: &'a str,
    pub key: Option<&'a str>,
    pub kind: GrantKind<'a>,
    pub when: When,
}

/// A server as declared: in `world` (a fleet once, by its template) or by
/// `CreateServer`.
#[derive(Clone)]
pub struct ServerSeen<'a> {
    /// Its name, or for a fleet `pg-… (fleet of 100)`.
    pub shown: String,
    /// Its name as actions refer to it (a fleet: its first member).
    pub name: String,
    pub spec: &'a ServerSpec,
    pub path: String,
    pub when: When,
}

/// An action with where it is written and when it runs.
pub struct ActionAt<'a> {
    pub action: &'a Action,
    pub path: String,
    pub when: When,
}

pub struct Declared<'a> {
    pub vaults: BTreeMap<&'a str, VaultDecl<'a>>,
    /// In declaration order, so findings come out in file order.
    pub vault_order: Vec<&'a str>,
    pub keys: BTreeMap<(String, String), KeyDecl>,
    pub identities: BTreeMap<String, IdentityDecl>,
    pub grants: Vec<GrantDecl<'a>>,
    pub servers: Vec<ServerSeen<'a>>,
    pub actions: Vec<ActionAt<'a>>,
    /// (vault, key) that some action backs up.
    pub backed_up_by_action: BTreeSet<(String, String)>,
    /// (vault, key) that some action rotates.
    pub rotated_by_action: BTreeSet<(String, String)>,
    /// Servers that a planned action points at another key: a scripted
    /// event, or a runbook step run at a time or after another step (one
    /// that waits for an alert reacts to an outage, it does not plan).
    pub key_updated: BTreeSet<&'a str>,
    pub key_access_alerts: BTreeSet<&'a str>,
    pub near_expiry_alerts: BTreeSet<(&'a str, &'a str)>,
}

impl<'a> Declared<'a> {
    pub fn read(file: &'a ScenarioFile) -> Declared<'a> {
        let mut d = Declared {
            vaults: BTreeMap::new(),
            vault_order: Vec::new(),
            keys: BTreeMap::new(),
            identities: BTreeMap::new(),
            grants: Vec::new(),
            servers: Vec::new(),
            actions: actions(file),
            backed_up_by_action: BTreeSet::new(),
            rotated_by_action: BTreeSet::new(),
            key_updated: BTreeSet::new(),
            key_access_alerts: BTreeSet::new(),
            near_expiry_alerts: BTreeSet::new(),
        };
        for (i, v) in file.world.vaults.iter().enumerate() {
            d.add_vault(v, format!("world.vaults[{i}]"), When::World);
        }
        for (i, ident) in file.world.identities.iter().enumerate() {
            d.identities
                .entry(ident.name.clone())
                .or_insert(IdentityDecl {
                    region: ident.region.clone(),
                    tenant: ident.tenant.clone().unwrap_or_else(|| "default".into()),
                    path: format!("world.identities[{i}]"),
                });
        }
        for g in &file.world.grants {
            d.grants.push(grant(g, When::World));
        }
        for (i, decl) in file.world.servers.iter().enumerate() {
            let path = server_decl_path(i, decl);
            let (shown, name, spec) = match decl {
                ServerDecl::Server(s) => (s.name.clone(), s.name.clone(), s),
                ServerDecl::Fleet {
                    prefix,
                    count,
                    server,
                } => {
                    let width = count.to_string().len();
                    (
                        format!("{prefix}… (fleet of {count})"),
                        format!("{prefix}{:0width$}", 1),
                        server,
                    )
                }
            };
            d.servers.push(ServerSeen {
                shown,
                name,
                spec,
                path,
                when: When::World,
            });
        }
        let actions = std::mem::take(&mut d.actions);
        for a in &actions {
            d.add_action(a);
        }
        d.actions = actions;
        let planned = file.events.iter().map(|e| &e.action).chain(
            step_lists(file)
                .into_iter()
                .flat_map(|(_, _, steps)| steps.iter())
                .filter(|s| !matches!(s.on, Trigger::Alert(_)))
                .map(|s| &s.action),
        );
        for a in planned {
            if let Action::UpdateServerKey { server, .. } = a {
                d.key_updated.insert(server);
            }
        }
        for a in &file.alerts {
            match &a.on {
                AlertOn::KeyAccessFailure { server } => {
                    d.key_access_alerts.insert(server);
                }
                AlertOn::NearExpiry { vault, key, .. } => {
                    d.near_expiry_alerts.insert((vault, key));
                }
                AlertOn::ResourceHealth { .. } => {}
            }
        }
        d
    }

    fn add_vault(&mut self, v: &'a VaultSpec, path: String, when: When) {
        if self.vaults.contains_key(v.name.as_str()) {
            return;
        }
        for (j, k) in v.keys.iter().enumerate() {
            let ops_wrap = k
                .ops
                .as_ref()
                .is_none_or(|ops| ops.contains(&KeyOp::WrapKey) && ops.contains(&KeyOp::UnwrapKey));
            self.keys
                .entry((v.name.clone(), k.name.clone()))
                .or_insert(KeyDecl {
                    vault: v.name.clone(),
                    name: k.name.clone(),
                    kind: k.kind,
                    size: k.size,
                    versions: k.versions,
                    enabled: k.enabled,
                    activates_after_s: k.activates_after.map(|d| d.0),
                    expires_after_s: k.expires_after.map(|d| d.0),
                    wraps: ops_wrap,
                    rotation: k.rotation,
                    backed_up: k.backed_up,
                    created: when,
                    path: format!("{path}.keys[{j}]"),
                });
        }
        self.vault_order.push(&v.name);
        self.vaults.insert(&v.name, VaultDecl { spec: v, path });
    }

    fn add_action(&mut self, at: &ActionAt<'a>) {
        match at.action {
            Action::CreateVault(NewVault::Vault(v)) => self.add_vault(v, at.path.clone(), at.when),
            Action::CreateKey {
                vault,
                key,
                kind,
                size,
                expires_after,
                activates_after,
            } => {
                self.keys
                    .entry((vault.clone(), key.clone()))
                    .or_insert(KeyDecl {
                        vault: vault.clone(),
                        name: key.clone(),
                        kind: kind.unwrap_or_default(),
                        size: size.unwrap_or(4096),
                        versions: 1,
                        enabled: true,
                        activates_after_s: activates_after.map(|d| d.0),
                        expires_after_s: expires_after.map(|d| d.0),
                        wraps: true,
                        rotation: None,
                        backed_up: false,
                        created: at.when,
                        path: at.path.clone(),
                    });
            }
            Action::CreateIdentity {
                identity,
                region,
                tenant,
            } => {
                self.identities
                    .entry(identity.clone())
                    .or_insert(IdentityDecl {
                        region: region.clone(),
                        tenant: tenant.clone().unwrap_or_else(|| "default".into()),
                        path: at.path.clone(),
                    });
            }
            Action::AssignRole {
                identity,
                vault,
                key,
                role,
            } => self.grants.push(GrantDecl {
                identity,
                vault,
                key: key.as_deref(),
                kind: GrantKind::Role(*role),
                when: at.when,
            }),
            Action::SetAccessPolicy {
                identity,
                vault,
                permissions,
            } => self.grants.push(GrantDecl {
                identity,
                vault,
                key: None,
                kind: GrantKind::Policy(permissions),
                when: at.when,
            }),
            Action::BackupKey { vault, key } => {
                self.backed_up_by_action
                    .insert((vault.clone(), key.clone()));
            }
            Action::RotateKey { vault, key } => {
                self.rotated_by_action.insert((vault.clone(), key.clone()));
            }
            Action::CreateServer(NewServer::Server(s)) => self.servers.push(ServerSeen {
                shown: s.name.clone(),
                name: s.name.clone(),
                spec: s,
                path: at.path.clone(),
                when: at.when,
            }),
            _ => {}
        }
    }

    /// The server of that name as first declared.
    pub fn server(&self, name: &str) -> Option<&ServerSeen<'a>> {
        self.servers.iter().find(|s| s.name == name)
    }

    /// The identity a setup names: a user-assigned one, or a Single
    /// server's own, which has the server's region and tenant (R39).
    pub fn identity(&self, name: &str) -> Option<IdentityDecl> {
        if let Some(i) = self.identities.get(name) {
            return Some(IdentityDecl {
                region: i.region.clone(),
                tenant: i.tenant.clone(),
                path: i.path.clone(),
            });
        }
        let s = self.server(name)?;
        (s.spec.kind == ServerKind::Single).then(|| IdentityDecl {
            region: s.spec.region.clone(),
            tenant: s.spec.tenant.clone().unwrap_or_else(|| "default".into()),
            path: s.path.clone(),
        })
    }
}

fn grant(g: &GrantSpec, when: When) -> GrantDecl<'_> {
    match g {
        GrantSpec::Role {
            identity,
            vault,
            key,
            role,
        } => GrantDecl {
            identity,
            vault,
            key: key.as_deref(),
            kind: GrantKind::Role(*role),
            when,
        },
        GrantSpec::AccessPolicy {
            identity,
            vault,
            permissions,
        } => GrantDecl {
            identity,
            vault,
            key: None,
            kind: GrantKind::Policy(permissions),
            when,
        },
    }
}

/// Every action with its path and its time: scripted events, then runbook
/// steps.
fn actions(file: &ScenarioFile) -> Vec<ActionAt<'_>> {
    let mut out: Vec<ActionAt> = file
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| ActionAt {
            action: &e.action,
            path: format!("events[{i}].do"),
            when: When::Scripted {
                at_s: e.at.0,
                index: i,
            },
        })
        .collect();
    for (prefix, _, steps) in step_lists(file) {
        for (i, s) in steps.iter().enumerate() {
            out.push(ActionAt {
                action: &s.action,
                path: format!("{prefix}[{i}].do"),
                when: When::Runbook,
            });
        }
    }
    out
}
