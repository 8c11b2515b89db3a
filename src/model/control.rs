//! Control-plane actions (R4–R7, R35–R40): each is checked as the service
//! would check it; a refusal is recorded with its reason and changes
//! nothing.

use super::access::server_causes;
use super::server::{Cmk, Presence, SourceVersion, TlsVersion};
use super::setup::{validate_tls, Refused, SetupTarget};
use super::sim::{group, render_causes, Ev, Sim};
use super::world::{AccessPolicy, IdentityState, Life, RoleAssignment, ServerId, VaultId};
use crate::engine::time::format_offset as at;
use crate::result::Outcome;
use crate::scenario::format::{
    Action, EncryptionSpec, KeyRef, NewServer, NewVault, PermissionModel, ServerKind, ServerSpec,
    VaultKind,
};

/// What an accepted action did.
pub(super) enum Applied {
    Changed(String),
    NoChange(String),
}

type ActResult = Result<Applied, Refused>;

impl<'p> Sim<'p> {
    /// Runs one action for `by`; returns its outcome and refusal reason.
    pub(super) fn act(
        &mut self,
        action: &Action,
        by: &str,
        step: Option<&str>,
    ) -> (Outcome, Option<String>) {
        let entity = action_entity(action);
        match self.apply(action, by) {
            Ok(Applied::Changed(detail)) => {
                self.log(action.kind(), &entity, by, detail, Some(Outcome::Ok));
                (Outcome::Ok, None)
            }
            Ok(Applied::NoChange(detail)) => {
                self.log(action.kind(), &entity, by, detail, Some(Outcome::NoChange));
                (Outcome::NoChange, None)
            }
            Err(r) => {
                let reason = r.reason.clone();
                self.record_refusal(action.kind(), by, &entity, step, r);
                (Outcome::Refused, Some(reason))
            }
        }
    }

    fn apply(&mut self, action: &Action, by: &str) -> ActResult {
        let what = describe(action);
        match action {
            Action::CreateKey {
                vault,
                key,
                kind,
                size,
                expires_after,
                activates_after,
            } => {
                let vid = self.active_vault(vault)?;
                if self.state.vaults[vid as usize]
                    .key(key)
                    .is_some_and(|k| k.life.is_present())
                {
                    return Err(Refused::new(
                        "KeyNameInUse",
                        format!("a key named {key} exists in {vault}"),
                    ));
                }
                let now = self.now();
                let version = super::world::Version {
                    number: 1,
                    material: self.state.mint_material(),
                    kind: kind.unwrap_or_default(),
                    size_bits: size.unwrap_or(4096),
                    enabled: true,
                    not_before_s: activates_after.map(|d| now + d.0),
                    expires_s: expires_after.map(|d| now + d.0),
                    ops: super::world::Ops::ALL,
                };
                self.install_key(vid, key, vec![version], None);
                self.touch_vault(vid, &what, by, Some(key));
                Ok(Applied::Changed(format!(
                    "key {vault}/{key} created with version 1"
                )))
            }
            Action::RotateKey { vault, key } => {
                let vid = self.active_vault(vault)?;
                self.active_key(vid, key)?;
                let n = self.add_version(vid, key).expect("active key has versions");
                self.touch_vault(vid, &what, by, Some(key));
                Ok(Applied::Changed(format!(
                    "version {n} of {vault}/{key} created"
                )))
            }
            Action::DisableKey {
                vault,
                key,
                version,
            }
            | Action::EnableKey {
                vault,
                key,
                version,
            } => {
                let enable = matches!(action, Action::EnableKey { .. });
                let vid = self.active_vault(vault)?;
                self.active_key(vid, key)?;
                let k = self.state.vaults[vid as usize]
                    .keys
                    .iter_mut()
                    .find(|k| k.name == *key)
                    .expect("key");
                let mut changed = 0;
                match version {
                    Some(n) => {
                        let v = k.version_mut(*n).ok_or_else(|| {
                            Refused::new(
                                "KeyVersionMissing",
                                format!("{vault}/{key} has no version {n}"),
                            )
                        })?;
                        changed += usize::from(v.enabled != enable);
                        v.enabled = enable;
                    }
                    None => {
                        for v in &mut k.versions {
                            changed += usize::from(v.enabled != enable);
                            v.enabled = enable;
                        }
                    }
                }
                let verb = if enable { "enabled" } else { "disabled" };
                if changed == 0 {
                    return Ok(Applied::NoChange(format!("already {verb}")));
                }
                self.touch_vault(vid, &what, by, Some(key));
                Ok(Applied::Changed(format!(
                    "{changed} version(s) of {vault}/{key} {verb}"
                )))
            }
            Action::SetKeyExpiry {
                vault,
                key,
                version,
                expires_at,
            } => {
                let vid = self.active_vault(vault)?;
                self.active_key(vid, key)?;
                let k = self.state.vaults[vid as usize]
                    .keys
                    .iter_mut()
                    .find(|k| k.name == *key)
                    .expect("key");
                let n = version.unwrap_or_else(|| k.newest().map_or(1, |v| v.number));
                let v = k.version_mut(n).ok_or_else(|| {
                    Refused::new(
                        "KeyVersionMissing",
                        format!("{vault}/{key} has no version {n}"),
                    )
                })?;
                let exp = expires_at.map(|d| d.0);
                if v.expires_s == exp {
                    return Ok(Applied::NoChange("expiry unchanged".into()));
                }
                v.expires_s = exp;
                let nbf = v.not_before_s;
                self.version_times_set(vid, key, n, nbf.filter(|_| false), exp);
                self.touch_vault(vid, &what, by, Some(key));
                Ok(Applied::Changed(match exp {
                    Some(t) => format!("{vault}/{key}/{n} now expires at {}", at(t)),
                    None => format!("{vault}/{key}/{n} no longer expires"),
                }))
            }
            Action::DeleteKey { vault, key } => {
                let vid = self.active_vault(vault)?;
                self.active_key(vid, key)?;
                // R4: a delete lock guards the vault, not its keys (data plane).
                let v = &self.state.vaults[vid as usize];
                if v.soft_delete {
                    let since = self.now();
                    let retention = v.retention_s();
                    self.key_mut(vid, key).life = Life::SoftDeleted { since_s: since };
                    self.schedule(
                        since + retention,
                        group::PURGE,
                        vid,
                        Ev::PurgeKey {
                            vault: vid,
                            key: self.texts.get(key),
                            since_s: since,
                        },
                    );
                    self.touch_vault(vid, &what, by, Some(key));
                    Ok(Applied::Changed(format!(
                        "{vault}/{key} soft-deleted; purged at {} unless recovered",
                        at(since + retention)
                    )))
                } else {
                    self.purge_key_now(vid, key, &what, by);
                    Ok(Applied::Changed(format!(
                        "{vault}/{key} deleted and purged at once (soft delete is off)"
                    )))
                }
            }
            Action::RecoverKey { vault, key } => {
                let vid = self.active_vault(vault)?;
                match self.key_life(vid, key) {
                    Life::SoftDeleted { .. } => {
                        self.key_mut(vid, key).life = Life::Active;
                        self.touch_vault(vid, &what, by, Some(key));
                        Ok(Applied::Changed(format!("{vault}/{key} recovered")))
                    }
                    Life::Active => Err(Refused::new(
                        "KeyNotDeleted",
                        format!("{vault}/{key} is not deleted"),
                    )),
                    _ => Err(Refused::new(
                        "KeyPurged",
                        format!("{vault}/{key} is purged: nothing to recover"),
                    )
                    .code("AzureKeyVaultKeyNotFound")),
                }
            }
            Action::PurgeKey { vault, key } => {
                let vid = self.active_vault(vault)?;
                match self.key_life(vid, key) {
                    Life::SoftDeleted { .. } => {
                        if self.state.vaults[vid as usize].purge_protection {
                            return Err(Refused::new("PurgeProtectionEnabled", "purge protection is on: the key is purged only when retention ends (R26)"));
                        }
                        self.purge_key_now(vid, key, &what, by);
                        Ok(Applied::Changed(format!("{vault}/{key} purged")))
                    }
                    Life::Active => Err(Refused::new(
                        "KeyNotDeleted",
                        format!("{vault}/{key} must be deleted before it is purged"),
                    )),
                    _ => Err(Refused::new(
                        "KeyPurged",
                        format!("{vault}/{key} is already purged"),
                    )),
                }
            }
            Action::BackupKey { vault, key } => {
                let vid = self.active_vault(vault)?;
                self.active_key(vid, key)?;
                self.take_backup(vid, key);
                self.entities.changed = true;
                Ok(Applied::Changed(format!("backup of {vault}/{key} taken")))
            }
            Action::RestoreKeyBackup {
                vault,
                key,
                from_vault,
            } => {
                let vid = self.active_vault(vault)?;
                let from = from_vault.as_deref().unwrap_or(vault);
                let backup = self
                    .state
                    .backups
                    .iter()
                    .rev()
                    .find(|b| b.from_vault == from && b.key == *key)
                    .cloned()
                    .ok_or_else(|| {
                        Refused::new(
                            "BackupNotFound",
                            format!("no backup of {from}/{key} was taken"),
                        )
                    })?;
                let v = &self.state.vaults[vid as usize];
                if backup.tenant != v.tenant {
                    return Err(Refused::new(
                        "TenantMismatch",
                        format!(
                            "a backup restores only into a vault of tenant {}",
                            backup.tenant
                        ),
                    ));
                }
                if v.key(key).is_some_and(|k| k.life.is_present()) {
                    return Err(Refused::new(
                        "KeyNameInUse",
                        format!("a key named {key} exists in {vault} (active or soft-deleted)"),
                    ));
                }
                self.install_key(vid, key, backup.versions.clone(), backup.rotation);
                self.touch_vault(vid, &what, by, Some(key));
                Ok(Applied::Changed(format!(
                    "{vault}/{key} restored from backup with {} version(s)",
                    backup.versions.len()
                )))
            }
            Action::CreateVault(NewVault::Vault(spec)) => {
                let vid = self.plan.vaults.get(&spec.name).expect("resolved vault");
                if self.state.vaults[vid as usize].life.is_present() {
                    return Err(Refused::new("VaultNameInUse", format!("vault name {} is taken (a soft-deleted vault keeps its name until purged)", spec.name)));
                }
                self.create_vault(spec);
                self.touch_vault(vid, &what, by, None);
                Ok(Applied::Changed(format!("vault {} created", spec.name)))
            }
            Action::DeleteVault { vault } => {
                let vid = self.active_vault(vault)?;
                let v = &self.state.vaults[vid as usize];
                if v.delete_lock {
                    return Err(Refused::new(
                        "ScopeLocked",
                        format!("vault {vault} has a delete lock"),
                    )
                    .code("ScopeLocked"));
                }
                if v.soft_delete {
                    let since = self.now();
                    let retention = v.retention_s();
                    let v = &mut self.state.vaults[vid as usize];
                    v.life = Life::SoftDeleted { since_s: since };
                    // R4: the role assignments scoped to the vault or its keys go
                    // with it and do not come back on recovery.
                    v.roles.clear();
                    self.schedule(
                        since + retention,
                        group::PURGE,
                        vid,
                        Ev::PurgeVault {
                            vault: vid,
                            since_s: since,
                        },
                    );
                    self.touch_vault(vid, &what, by, None);
                    Ok(Applied::Changed(format!(
                        "vault {vault} soft-deleted; purged at {} unless recovered",
                        at(since + retention)
                    )))
                } else {
                    self.purge_vault_now(vid, &what, by);
                    Ok(Applied::Changed(format!(
                        "vault {vault} deleted and purged at once (soft delete is off)"
                    )))
                }
            }
            Action::RecoverVault { vault } => {
                let vid = self.vault_id(vault);
                match self.state.vaults[vid as usize].life {
                    Life::SoftDeleted { .. } => {
                        self.state.vaults[vid as usize].life = Life::Active;
                        self.touch_vault(vid, &what, by, None);
                        Ok(Applied::Changed(format!(
                            "vault {vault} recovered (its role assignments are not)"
                        )))
                    }
                    Life::Active => Err(Refused::new(
                        "VaultNotDeleted",
                        format!("vault {vault} is not deleted"),
                    )),
                    Life::Purged => Err(Refused::new(
                        "VaultPurged",
                        format!("vault {vault} is purged: nothing to recover"),
                    )),
                    Life::Absent => Err(Refused::new(
                        "VaultNotFound",
                        format!("vault {vault} does not exist"),
                    )),
                }
            }
            Action::PurgeVault { vault } => {
                let vid = self.vault_id(vault);
                let v = &self.state.vaults[vid as usize];
                match v.life {
                    Life::SoftDeleted { .. } if v.purge_protection => Err(Refused::new(
                        "PurgeProtectionEnabled",
                        "purge protection is on: the vault is purged only when retention ends (R26)",
                    )),
                    Life::SoftDeleted { .. } => {
                        self.purge_vault_now(vid, &what, by);
                        Ok(Applied::Changed(format!("vault {vault} purged")))
                    }
                    Life::Active => Err(Refused::new("VaultNotDeleted", format!("vault {vault} must be deleted before it is purged"))),
                    _ => Err(Refused::new("VaultPurged", format!("vault {vault} is already gone"))),
                }
            }
            Action::SetFirewall {
                vault,
                public_access,
                trusted_services,
                private_endpoint,
            } => {
                let vid = self.active_vault(vault)?;
                let fw = &mut self.state.vaults[vid as usize].firewall;
                let before = *fw;
                if let Some(x) = public_access {
                    fw.public_access = *x;
                }
                if let Some(x) = trusted_services {
                    fw.trusted_services = *x;
                }
                if let Some(x) = private_endpoint {
                    fw.private_endpoint = *x;
                }
                if *fw == before {
                    return Ok(Applied::NoChange("firewall unchanged".into()));
                }
                let after = *fw;
                self.touch_vault(vid, &what, by, None);
                Ok(Applied::Changed(format!(
                    "firewall of {vault}: public access {}, trusted services {}, private endpoint {}",
                    on_off(after.public_access),
                    on_off(after.trusted_services),
                    on_off(after.private_endpoint)
                )))
            }
            Action::SetPermissionModel { vault, model } => {
                let vid = self.active_vault(vault)?;
                let v = &mut self.state.vaults[vid as usize];
                if v.kind == VaultKind::ManagedHsm && *model == PermissionModel::AccessPolicy {
                    return Err(Refused::new(
                        "NotSupportedOnManagedHsm",
                        "a Managed HSM has local RBAC only",
                    ));
                }
                if v.permission_model == *model {
                    return Ok(Applied::NoChange("permission model unchanged".into()));
                }
                v.permission_model = *model;
                self.touch_vault(vid, &what, by, None);
                Ok(Applied::Changed(format!("{vault} now uses the {model:?} permission model (the other kind's grants are kept but ignored)")))
            }
            Action::SetDeleteLock { vault, locked } => {
                let vid = self.active_vault(vault)?;
                let v = &mut self.state.vaults[vid as usize];
                if v.delete_lock == *locked {
                    return Ok(Applied::NoChange("lock unchanged".into()));
                }
                v.delete_lock = *locked;
                self.entities.changed = true;
                Ok(Applied::Changed(format!(
                    "delete lock on {vault} {}",
                    on_off(*locked)
                )))
            }
            Action::MoveVault { vault, tenant } => {
                let vid = self.active_vault(vault)?;
                let v = &mut self.state.vaults[vid as usize];
                if v.tenant == *tenant {
                    return Ok(Applied::NoChange(format!(
                        "{vault} is already in tenant {tenant}"
                    )));
                }
                v.tenant = tenant.clone();
                self.touch_vault(vid, &what, by, None);
                Ok(Applied::Changed(format!(
                    "{vault} moved to tenant {tenant}"
                )))
            }
            Action::CreateIdentity {
                identity,
                region,
                tenant,
            } => {
                let iid = self.identity_by_name(identity).expect("resolved identity");
                if self.state.identities[iid as usize].state == IdentityState::Active {
                    return Err(Refused::new(
                        "IdentityNameInUse",
                        format!("identity {identity} exists"),
                    ));
                }
                // R3: a new principal, holding none of the old grants.
                self.create_identity(iid, region, tenant.as_deref());
                self.touch_identity(iid, &what, by);
                Ok(Applied::Changed(format!(
                    "identity {identity} created with a new principal id"
                )))
            }
            Action::DeleteIdentity { identity } => {
                let iid = self.identity_by_name(identity).expect("resolved identity");
                if self.state.identities[iid as usize].state != IdentityState::Active {
                    return Err(Refused::new(
                        "IdentityNotFound",
                        format!("identity {identity} does not exist"),
                    ));
                }
                let now = self.now();
                let t = &self.plan.timing;
                if t.identity_recoverable {
                    self.state.identities[iid as usize].state =
                        IdentityState::Deleted { since_s: now };
                    let at = now + t.identity_recovery_window_s;
                    self.schedule(
                        at,
                        group::PURGE,
                        iid,
                        Ev::ForgetIdentity {
                            identity: iid,
                            since_s: now,
                        },
                    );
                } else {
                    self.state.identities[iid as usize].state = IdentityState::Gone;
                }
                self.touch_identity(iid, &what, by);
                Ok(Applied::Changed(format!(
                    "identity {identity} deleted (its grants dangle)"
                )))
            }
            Action::RecoverIdentity { identity } => {
                let iid = self.identity_by_name(identity).expect("resolved identity");
                match self.state.identities[iid as usize].state {
                    IdentityState::Deleted { .. } => {
                        self.state.identities[iid as usize].state = IdentityState::Active;
                        self.touch_identity(iid, &what, by);
                        Ok(Applied::Changed(format!(
                            "identity {identity} recovered with its principal id"
                        )))
                    }
                    IdentityState::Active => Err(Refused::new(
                        "IdentityNotDeleted",
                        format!("identity {identity} is not deleted"),
                    )),
                    _ => Err(Refused::new(
                        "IdentityNotRecoverable",
                        format!("identity {identity} is deleted for good: create a new one"),
                    )),
                }
            }
            Action::AssignRole {
                identity,
                vault,
                key,
                role,
            } => {
                let (principal, vid) = self.grant_target(identity, vault, true)?;
                if let Some(k) = key {
                    if !self.state.vaults[vid as usize]
                        .key(k)
                        .is_some_and(|k| k.life.is_present())
                    {
                        return Err(Refused::new(
                            "KeyNotFound",
                            format!("no key {vault}/{k} to scope the role to"),
                        ));
                    }
                }
                let a = RoleAssignment {
                    principal,
                    key: key.clone(),
                    role: *role,
                };
                let v = &mut self.state.vaults[vid as usize];
                if v.roles.contains(&a) {
                    return Ok(Applied::NoChange("role already assigned".into()));
                }
                v.roles.push(a);
                self.touch_grantee(vid, &what, by, principal);
                Ok(Applied::Changed(format!(
                    "{role:?} assigned to {identity} on {}",
                    scope(vault, key)
                )))
            }
            Action::RemoveRole {
                identity,
                vault,
                key,
                role,
            } => {
                let (principal, vid) = self.grant_target(identity, vault, false)?;
                let v = &mut self.state.vaults[vid as usize];
                let before = v.roles.len();
                v.roles
                    .retain(|r| !(r.principal == principal && r.key == *key && r.role == *role));
                if v.roles.len() == before {
                    return Ok(Applied::NoChange("no such role assignment".into()));
                }
                self.touch_grantee(vid, &what, by, principal);
                Ok(Applied::Changed(format!(
                    "{role:?} removed from {identity} on {}",
                    scope(vault, key)
                )))
            }
            Action::SetAccessPolicy {
                identity,
                vault,
                permissions,
            } => {
                let (principal, vid) = self.grant_target(identity, vault, true)?;
                let v = &mut self.state.vaults[vid as usize];
                let policy = AccessPolicy {
                    principal,
                    permissions: permissions.clone(),
                };
                if v.policies.contains(&policy) {
                    return Ok(Applied::NoChange("access policy unchanged".into()));
                }
                v.policies.retain(|p| p.principal != principal);
                v.policies.push(policy);
                self.touch_grantee(vid, &what, by, principal);
                Ok(Applied::Changed(format!(
                    "access policy for {identity} on {vault} set"
                )))
            }
            Action::RemoveAccessPolicy { identity, vault } => {
                let (principal, vid) = self.grant_target(identity, vault, false)?;
                let v = &mut self.state.vaults[vid as usize];
                let before = v.policies.len();
                v.policies.retain(|p| p.principal != principal);
                if v.policies.len() == before {
                    return Ok(Applied::NoChange(
                        "no access policy for that identity".into(),
                    ));
                }
                self.touch_grantee(vid, &what, by, principal);
                Ok(Applied::Changed(format!(
                    "access policy for {identity} on {vault} removed"
                )))
            }
            Action::CreateServer(NewServer::Server(spec)) => {
                let id = self.server_id(&spec.name).expect("resolved server");
                self.create_server(id, &spec.name, spec)?;
                Ok(Applied::Changed(format!("server {} created", spec.name)))
            }
            Action::UpdateServerKey { server, key } => {
                self.update_server_key(server, key, by, &what)
            }
            Action::UpdateServerIdentity { server, identity } => {
                self.update_server_identity(server, identity, by, &what)
            }
            Action::DetachIdentity { server } => {
                let id = self.live_server(server)?;
                let Some(cmk) = self.state.servers[id as usize].cmk.as_mut() else {
                    return Ok(Applied::NoChange(
                        "service-managed: no identity for encryption".into(),
                    ));
                };
                if !cmk.attached {
                    return Ok(Applied::NoChange("no identity attached".into()));
                }
                cmk.attached = false;
                let entry = self.batch_entry(&what, by, false);
                self.touch(id, Some(entry));
                Ok(Applied::Changed(format!("identity detached from {server}")))
            }
            Action::SetEncryption { server, encryption } => {
                self.set_encryption(server, encryption, by, &what)
            }
            Action::Revalidate { server } => {
                let id = self.live_server(server)?;
                self.revalidation(id, by, &what)
            }
            Action::RestoreServer {
                from,
                into,
                encryption,
            } => self.restore_server(from, into, encryption.as_ref()),
            Action::CreateReplica {
                from,
                into,
                region,
                key,
                identity,
            } => self.create_replica(from, into, region, key.as_ref(), identity.as_deref()),
            Action::GeoRestore { from, into } => self.geo_restore(from, into),
            Action::SetServerParameter {
                server,
                name,
                value,
            } => {
                let id = self.live_server(server)?;
                self.set_parameter(id, name, value)
            }
            Action::SetServerNetwork {
                server,
                vault_reachable,
            } => {
                let id = self.live_server(server)?;
                let s = &mut self.state.servers[id as usize];
                if s.vault_reachable == *vault_reachable {
                    return Ok(Applied::NoChange("network path unchanged".into()));
                }
                s.vault_reachable = *vault_reachable;
                let entry = self.batch_entry(&what, by, false);
                self.touch(id, Some(entry));
                Ok(Applied::Changed(format!(
                    "{server}'s network path to its vaults {}",
                    if *vault_reachable {
                        "works"
                    } else {
                        "is broken"
                    }
                )))
            }
            Action::DeleteServer { server } => {
                let id = self.live_server(server)?;
                self.delete_server(id);
                Ok(Applied::Changed(format!("server {server} deleted")))
            }
            Action::SetWorkload { server, workload } => {
                let id = self.live_server(server)?;
                if self.state.servers[id as usize].workload == *workload {
                    return Ok(Applied::NoChange("workload unchanged (R27)".into()));
                }
                self.state.servers[id as usize].workload = *workload;
                // R23: the next attempt follows the new traffic. An attempt
                // drawn under the old rate is withdrawn and drawn afresh
                // (the process is memoryless); with no traffic none comes.
                if let Some(h) = self.state.servers[id as usize].watch.connection.take() {
                    self.queue.cancel(h);
                }
                self.tls_changed(id);
                Ok(Applied::Changed(format!("workload of {server} changed")))
            }
        }
    }

    // ---- lookups -----------------------------------------------------------

    fn vault_id(&self, name: &str) -> VaultId {
        self.plan.vaults.get(name).expect("resolved vault")
    }

    fn active_vault(&self, name: &str) -> Result<VaultId, Refused> {
        let vid = self.vault_id(name);
        match self.state.vaults[vid as usize].life {
            Life::Active => Ok(vid),
            Life::SoftDeleted { .. } => Err(Refused::new(
                "VaultSoftDeleted",
                format!("vault {name} is soft-deleted"),
            )),
            Life::Purged => Err(Refused::new(
                "VaultPurged",
                format!("vault {name} is purged"),
            )),
            Life::Absent => Err(Refused::new(
                "VaultNotFound",
                format!("vault {name} does not exist"),
            )),
        }
    }

    fn key_life(&self, vid: VaultId, key: &str) -> Life {
        self.state.vaults[vid as usize]
            .key(key)
            .map_or(Life::Absent, |k| k.life)
    }

    fn key_mut(&mut self, vid: VaultId, key: &str) -> &mut super::world::Key {
        self.state.vaults[vid as usize]
            .keys
            .iter_mut()
            .find(|k| k.name == key)
            .expect("key")
    }

    fn active_key(&self, vid: VaultId, key: &str) -> Result<(), Refused> {
        let vault = &self.state.vaults[vid as usize].name;
        match self.key_life(vid, key) {
            Life::Active => Ok(()),
            Life::SoftDeleted { .. } => Err(Refused::new(
                "KeySoftDeleted",
                format!("{vault}/{key} is soft-deleted"),
            )),
            Life::Purged => Err(
                Refused::new("KeyPurged", format!("{vault}/{key} is purged"))
                    .code("AzureKeyVaultKeyNotFound"),
            ),
            Life::Absent => Err(Refused::new(
                "KeyNotFound",
                format!("{vault}/{key} does not exist"),
            )
            .code("AzureKeyVaultKeyNotFound")),
        }
    }

    fn live_server(&self, name: &str) -> Result<ServerId, Refused> {
        let id = self.server_id(name).expect("resolved server");
        if self.state.servers[id as usize].is_live() {
            Ok(id)
        } else {
            Err(Refused::new(
                "ServerNotFound",
                format!("server {name} does not exist"),
            ))
        }
    }

    /// The principal a grant names (the identity's current one) and its vault.
    fn grant_target(
        &self,
        identity: &str,
        vault: &str,
        must_be_active: bool,
    ) -> Result<(u64, VaultId), Refused> {
        let iid = self.identity_by_name(identity).ok_or_else(|| {
            Refused::new(
                "IdentityNotFound",
                format!("identity {identity} does not exist"),
            )
        })?;
        let ident = &self.state.identities[iid as usize];
        if must_be_active && ident.state != IdentityState::Active {
            return Err(Refused::new(
                "IdentityDeleted",
                format!("identity {identity} does not exist now"),
            ));
        }
        let vid = self.active_vault(vault)?;
        Ok((ident.principal, vid))
    }

    // ---- purges (R26) ------------------------------------------------------

    fn purge_key_now(&mut self, vid: VaultId, key: &str, what: &str, by: &str) {
        self.key_mut(vid, key).life = Life::Purged;
        self.state.purge_epoch += 1;
        self.touch_vault(vid, what, by, Some(key));
    }

    fn purge_vault_now(&mut self, vid: VaultId, what: &str, by: &str) {
        let v = &mut self.state.vaults[vid as usize];
        v.life = Life::Purged;
        for k in &mut v.keys {
            k.life = Life::Purged;
        }
        v.roles.clear();
        v.policies.clear();
        self.state.purge_epoch += 1;
        self.touch_vault(vid, what, by, None);
    }

    pub(super) fn service_purge_vault(&mut self, vid: VaultId, since_s: u64) {
        if self.state.vaults[vid as usize].life != (Life::SoftDeleted { since_s }) {
            return;
        }
        let name = self.state.vaults[vid as usize].name.clone();
        let what = format!("vault {name} purged at the end of retention");
        self.purge_vault_now(vid, &what, "service");
        self.log("Purge", &name, "service", what.clone(), None);
    }

    pub(super) fn service_purge_key(&mut self, vid: VaultId, key: &str, since_s: u64) {
        if self.key_life(vid, key) != (Life::SoftDeleted { since_s }) {
            return;
        }
        let name = format!("{}/{key}", self.state.vaults[vid as usize].name);
        let what = format!("key {name} purged at the end of retention");
        self.purge_key_now(vid, key, &what, "service");
        self.log("Purge", &name, "service", what.clone(), None);
    }

    pub(super) fn forget_identity(&mut self, iid: u32, since_s: u64) {
        let ident = &mut self.state.identities[iid as usize];
        if ident.state != (IdentityState::Deleted { since_s }) {
            return;
        }
        ident.state = IdentityState::Gone;
        let name = ident.name.clone();
        self.log(
            "IdentityGone",
            &name,
            "service",
            "the identity's recovery window ended: deleted for good".into(),
            None,
        );
        self.touch_identity(iid, "identity recovery window ended", "service");
    }

    pub(super) fn policy_rotation(&mut self, vid: VaultId, key: &str, incarnation: u32) {
        let Some(k) = self.state.vaults[vid as usize].key(key) else {
            return;
        };
        if k.incarnation != incarnation {
            return;
        }
        let Some(policy) = k.rotation else { return };
        let vault_active = self.state.vaults[vid as usize].life.is_active();
        if vault_active && k.life.is_active() {
            let name = format!("{}/{key}", self.state.vaults[vid as usize].name);
            if let Some(n) = self.add_version(vid, key) {
                self.log(
                    "Rotation",
                    &name,
                    "service",
                    format!("rotation policy created version {n}"),
                    None,
                );
                self.touch_vault(
                    vid,
                    &format!("{name} rotated by policy"),
                    "service",
                    Some(key),
                );
            }
        }
        let at = self.now() + policy.every_s;
        self.schedule(
            at,
            group::ROTATION,
            vid,
            Ev::Rotate {
                vault: vid,
                key: self.texts.get(key),
                incarnation,
            },
        );
    }

    pub(super) fn time_edge(&mut self, vid: VaultId, key: &str, version: u32, what: &str) {
        let name = format!("{}/{key}/{version}", self.state.vaults[vid as usize].name);
        let text = format!("{name} {what}");
        self.log(
            if what == "expired" {
                "KeyExpired"
            } else {
                "KeyActivated"
            },
            &name,
            "service",
            text.clone(),
            None,
        );
        self.touch_vault(vid, &text, "service", Some(key));
    }

    // ---- servers (R36–R40) -------------------------------------------------

    fn target_of(&self, id: ServerId) -> SetupTarget<'_> {
        let s = &self.state.servers[id as usize];
        SetupTarget {
            owner: id,
            tenant: &s.tenant,
            region: &s.region,
            single: s.is_single(),
            vault_reachable: s.vault_reachable,
        }
    }

    fn update_server_key(&mut self, server: &str, key: &KeyRef, by: &str, what: &str) -> ActResult {
        let id = self.live_server(server)?;
        let s = &self.state.servers[id as usize];
        let Some(cmk) = &s.cmk else {
            if !s.is_single() {
                return Err(Refused::new(
                    "EncryptionModeFixed",
                    "a Flexible server's encryption mode is fixed at creation (R36)",
                ));
            }
            // R36: a Single server can add CMK after creation.
            let sys = s.system_identity.ok_or_else(|| {
                Refused::new("IdentityNotAssigned", "the server has no system identity")
            })?;
            let binding = self.check_setup(&self.target_of(id), key, sys)?;
            self.state.servers[id as usize].cmk = Some(Cmk {
                reference: self.texts.key_ref(key),
                primary: binding.clone(),
                attached: true,
                geo: None,
                restore_source: None,
                needs_revalidation: false,
                pending_move: None,
            });
            self.state.add_dependent(id, binding.vault, Some(sys));
            let entry = self.batch_entry(what, by, false);
            self.touch(id, Some(entry));
            return Ok(Applied::Changed(format!(
                "{server} now encrypted with {key}"
            )));
        };
        if *cmk.reference == *key {
            // R37: the same key again is a revalidation on a server that is
            // not Available.
            return self.revalidation(id, by, what);
        }
        let Some(identity) = cmk.primary.identity else {
            // R39: a Single copy gets its identity first.
            return Err(Refused::new(
                "IdentityNotAssigned",
                format!("{server} has no identity yet: UpdateServerIdentity first (R39)"),
            ));
        };
        let mut binding = self.check_setup(&self.target_of(id), key, identity)?;
        let attached = cmk.attached;
        binding.identity = cmk.primary.identity;
        binding.principal = cmk.primary.principal;
        // The server keeps its own principal: check the grant for that one.
        let mut causes = super::access::Causes::default();
        let needs = super::access::Needs {
            tenant: &s.tenant,
            single: s.is_single(),
            vault_reachable: s.vault_reachable,
        };
        super::access::check_binding(&self.state, &needs, &binding, attached, id, &mut causes);
        if let Some(first) = causes.first() {
            return Err(Refused::new(
                first.name(),
                format!("key access would fail for {key}"),
            ));
        }
        let cmk = self.state.servers[id as usize].cmk.as_mut().expect("cmk");
        if let Some(m) = cmk.pending_move.take() {
            self.queue.cancel(m.handle); // R6: an update cancels a pending move.
        }
        let cmk = self.state.servers[id as usize].cmk.as_mut().expect("cmk");
        cmk.reference = self.texts.key_ref(key);
        cmk.primary = binding.clone();
        self.state
            .add_dependent(id, binding.vault, binding.identity);
        let entry = self.batch_entry(what, by, false);
        self.touch(id, Some(entry));
        Ok(Applied::Changed(format!(
            "{server} now uses {key} (version {})",
            binding.version
        )))
    }

    fn update_server_identity(
        &mut self,
        server: &str,
        identity: &str,
        by: &str,
        what: &str,
    ) -> ActResult {
        let id = self.live_server(server)?;
        let s = &self.state.servers[id as usize];
        let Some(cmk) = &s.cmk else {
            return Err(Refused::new(
                "EncryptionModeFixed",
                "the server is service-managed: no identity for encryption (R36)",
            ));
        };
        if s.is_single() {
            // R39: a Single server's encryption identity is its own system
            // identity; a copy gets a new one, without checks.
            if cmk.primary.identity.is_none() {
                let (name, region, tenant) = (s.name.clone(), s.region.clone(), s.tenant.clone());
                let sys = self.ensure_system_identity(id, &name, &region, Some(&tenant));
                let principal = self.state.identities[sys as usize].principal;
                let cmk = self.state.servers[id as usize].cmk.as_mut().expect("cmk");
                cmk.primary.identity = Some(sys);
                cmk.primary.principal = principal;
                cmk.attached = true;
                self.state.add_dependent_identity(id, sys);
                let entry = self.batch_entry(what, by, false);
                self.touch(id, Some(entry));
                return Ok(Applied::Changed(format!("{server} has a system-assigned identity of its own (a new principal with no grant)")));
            }
        }
        let iid = self.identity_by_name(identity).ok_or_else(|| {
            Refused::new(
                "IdentityNotFound",
                format!("identity {identity} does not exist"),
            )
        })?;
        let principal = self.state.identities[iid as usize].principal;
        if cmk.primary.identity == Some(iid) && cmk.primary.principal == principal && cmk.attached {
            return self.revalidation(id, by, what);
        }
        // R6/R37: checked against the version in use, which a versionless
        // reference only leaves when its pending move completes.
        let reference = KeyRef {
            version: Some(cmk.primary.version),
            ..(*cmk.reference).clone()
        };
        let mut binding = self.check_setup(&self.target_of(id), &reference, iid)?;
        // Keep the version in use: only the identity changes.
        binding.version = cmk.primary.version;
        binding.material = cmk.primary.material;
        let cmk = self.state.servers[id as usize].cmk.as_mut().expect("cmk");
        cmk.primary.identity = Some(iid);
        cmk.primary.principal = principal;
        cmk.attached = true;
        self.state.add_dependent_identity(id, iid);
        let entry = self.batch_entry(what, by, false);
        self.touch(id, Some(entry));
        Ok(Applied::Changed(format!(
            "{server} now uses identity {identity}"
        )))
    }

    /// R22 `Revalidate`, and R39's clearing of RevalidationRequired.
    fn revalidation(&mut self, id: ServerId, by: &str, what: &str) -> ActResult {
        let s = &self.state.servers[id as usize];
        if let Some(cmk) = &s.cmk {
            if cmk.needs_revalidation {
                let causes = server_causes(&self.state, id, s);
                let only_six = causes
                    .list
                    .iter()
                    .all(|(c, _)| *c == super::access::Cause::RevalidationRequired);
                if only_six {
                    self.state.servers[id as usize]
                        .cmk
                        .as_mut()
                        .expect("cmk")
                        .needs_revalidation = false;
                    let entry = self.batch_entry(what, by, false);
                    self.touch(id, Some(entry));
                    return Ok(Applied::Changed(
                        "revalidated: RevalidationRequired cleared (R39)".into(),
                    ));
                }
            }
        }
        if self.revalidate(id, by) {
            return Ok(Applied::Changed(
                "revalidation: Available comes sooner (R22)".into(),
            ));
        }
        let state = if self.state.servers[id as usize].is_denying() {
            "no earlier end"
        } else {
            "the server is Available"
        };
        Ok(Applied::NoChange(format!(
            "revalidation accepted; nothing changes ({state})"
        )))
    }

    fn set_encryption(
        &mut self,
        server: &str,
        enc: &EncryptionSpec,
        by: &str,
        what: &str,
    ) -> ActResult {
        let id = self.live_server(server)?;
        let s = &self.state.servers[id as usize];
        match (s.cmk.is_some(), enc) {
            (false, EncryptionSpec::ServiceManaged) => Ok(Applied::NoChange("already service-managed".into())),
            (true, EncryptionSpec::ServiceManaged) => Err(Refused::new(
                "EncryptionModeFixed",
                "customer-managed encryption cannot be switched back to service-managed; restore into a new server instead (R36)",
            )),
            (false, EncryptionSpec::CustomerManaged { .. }) if !s.is_single() => Err(Refused::new(
                "EncryptionModeFixed",
                "a Flexible server's encryption mode is fixed at creation; restore into a new server with CMK instead (R36)",
            )),
            (_, EncryptionSpec::CustomerManaged { key, identity, .. }) => {
                // One action: a refused key leaves the identity as it was
                // too (R35: a refused action is never partly applied).
                let before = s.cmk.clone();
                let mut identity_changed = None;
                if let (Some(name), false) = (identity, s.is_single()) {
                    let same = s.cmk.as_ref().and_then(|c| c.primary.identity) == self.identity_by_name(name);
                    if !same {
                        identity_changed = Some(self.update_server_identity(server, name, by, what)?);
                    }
                }
                match (self.update_server_key(server, key, by, what), identity_changed) {
                    (Err(refused), Some(_)) => {
                        self.state.servers[id as usize].cmk = before;
                        Err(refused)
                    }
                    (Ok(Applied::NoChange(_)), Some(changed)) => Ok(changed),
                    (result, _) => result,
                }
            }
        }
    }

    /// The settings a copy of `from` starts with.
    fn copy_spec(&self, from: ServerId, into: &str, region: &str) -> ServerSpec {
        let s = &self.state.servers[from as usize];
        ServerSpec {
            name: into.to_string(),
            region: region.to_string(),
            tenant: Some(s.tenant.to_string()),
            kind: s.kind,
            tier: s.tier,
            encryption: EncryptionSpec::ServiceManaged,
            backup_region: None,
            double_encryption: s.double_encryption,
            workload: s.workload,
            ssl_min_protocol_version: Some(tls_text(s.ssl_min)),
            ssl_max_protocol_version: s.ssl_max.map(tls_text),
            ssl_enforcement: Some(s.ssl_enforcement),
            key_check_phase: None,
        }
    }

    fn new_server_slot(&self, into: &str) -> Result<ServerId, Refused> {
        let id = self.server_id(into).expect("resolved server");
        if self.state.servers[id as usize].presence == Presence::Live {
            return Err(Refused::new(
                "ServerNameInUse",
                format!("a server named {into} exists"),
            ));
        }
        Ok(id)
    }

    fn source_with_access(&self, from: &str) -> Result<ServerId, Refused> {
        let src = self.live_server(from)?;
        let s = &self.state.servers[src as usize];
        let causes = server_causes(&self.state, src, s);
        if let Some(first) = causes.first() {
            return Err(Refused::new(
                first.name(),
                format!("the source server {from} has no key access"),
            ));
        }
        Ok(src)
    }

    /// R39: a Single copy starts with no identity and denies from creation.
    fn install_single_copy(
        &mut self,
        id: ServerId,
        spec: &ServerSpec,
        key: KeyRef,
        bound: SourceVersion,
        source: Option<SourceVersion>,
    ) {
        let tenant = spec.tenant.clone().unwrap_or_else(|| "default".into());
        let cmk = Cmk {
            reference: self.texts.key_ref(&key),
            primary: super::server::Binding {
                vault: bound.vault,
                key: bound.key,
                version: bound.version,
                material: bound.material,
                identity: None,
                principal: 0,
            },
            attached: false,
            geo: None,
            restore_source: source.map(Box::new),
            needs_revalidation: true,
            pending_move: None,
        };
        self.state.servers[id as usize].watch.deny_at_once = true;
        self.install_server(id, spec, &tenant, Some(cmk), TlsVersion::V1_2, None);
    }

    fn restore_server(
        &mut self,
        from: &str,
        into: &str,
        enc: Option<&EncryptionSpec>,
    ) -> ActResult {
        let src = self.source_with_access(from)?;
        let id = self.new_server_slot(into)?;
        let region = self.state.servers[src as usize].region.clone();
        let mut spec = self.copy_spec(src, into, &region);
        let source_cmk = self.state.servers[src as usize].cmk.clone();
        let source_version = source_cmk.as_ref().map(|c| SourceVersion {
            vault: c.primary.vault,
            key: c.primary.key.clone(),
            version: c.primary.version,
            material: c.primary.material,
        });
        if spec.kind == ServerKind::Single {
            if let Some(c) = &source_cmk {
                let bound = SourceVersion {
                    vault: c.primary.vault,
                    key: c.primary.key.clone(),
                    version: c.primary.version,
                    material: c.primary.material,
                };
                self.install_single_copy(id, &spec, (*c.reference).clone(), bound, source_version);
                return Ok(Applied::Changed(format!("{into} restored from {from}: a Single copy starts with no identity and must be revalidated (R39)")));
            }
        }
        match enc {
            None => {
                if let Some(mut c) = source_cmk {
                    c.restore_source = source_version.map(Box::new);
                    c.pending_move = None;
                    // R8: the copy has no backup region, so no geo-backup
                    // key to need (R11) or to keep its data alive (R31).
                    c.geo = None;
                    let tenant = spec.tenant.clone().unwrap_or_default();
                    let (min, max) = super::setup::check_tls_settings(&spec)?;
                    self.install_server(id, &spec, &tenant, Some(c), min, max);
                } else {
                    self.create_server(id, into, &spec)?;
                }
            }
            Some(e) => {
                spec.encryption = e.clone();
                self.create_server(id, into, &spec)?;
                // R38: a restored CMK server keeps needing the source's version.
                if let Some(sv) = source_version {
                    if let Some(cmk) = self.state.servers[id as usize].cmk.as_mut() {
                        let vault = sv.vault;
                        cmk.restore_source = Some(Box::new(sv));
                        self.state.add_dependent(id, vault, None);
                    }
                }
            }
        }
        Ok(Applied::Changed(format!("{into} restored from {from}")))
    }

    fn create_replica(
        &mut self,
        from: &str,
        into: &str,
        region: &str,
        key: Option<&KeyRef>,
        identity: Option<&str>,
    ) -> ActResult {
        let src = self.source_with_access(from)?;
        let id = self.new_server_slot(into)?;
        let mut spec = self.copy_spec(src, into, region);
        let source_cmk = self.state.servers[src as usize].cmk.clone();
        match (&source_cmk, key) {
            (None, Some(_)) => Err(Refused::new(
                "EncryptionModeFixed",
                "a replica of a service-managed server is service-managed (R36)",
            )),
            (None, None) => {
                self.create_server(id, into, &spec)?;
                Ok(Applied::Changed(format!(
                    "replica {into} of {from} created in {region}"
                )))
            }
            (Some(c), _) if spec.kind == ServerKind::Single => {
                let reference = key.cloned().unwrap_or_else(|| (*c.reference).clone());
                let vid = self.vault_id(&reference.vault);
                let v = self.state.vaults[vid as usize]
                    .key(&reference.key)
                    .and_then(|k| match reference.version {
                        Some(n) => k.version(n),
                        None => k.newest(),
                    });
                let (n, m) = v.map_or((reference.version.unwrap_or(1), 0), |v| {
                    (v.number, v.material)
                });
                let bound = SourceVersion {
                    vault: vid,
                    key: self.texts.get(&reference.key),
                    version: n,
                    material: m,
                };
                self.install_single_copy(id, &spec, reference, bound, None);
                Ok(Applied::Changed(format!("replica {into} of {from}: a Single copy starts with no identity and must be revalidated (R39)")))
            }
            (Some(_), None) => Err(Refused::new(
                "ReplicaKeyRequired",
                "a CMK replica needs its own key in a vault of its region (R38)",
            )),
            (Some(_), Some(k)) => {
                let Some(identity) = identity else {
                    return Err(Refused::new(
                        "ReplicaKeyRequired",
                        "a CMK replica needs an identity from its region (R38)",
                    ));
                };
                let iid = self
                    .identity_by_name(identity)
                    .ok_or_else(|| Refused::new("IdentityNotFound", identity.to_string()))?;
                let ident_region = &self.state.identities[iid as usize].region;
                if ident_region != region {
                    return Err(Refused::new(
                        "RegionMismatch",
                        format!(
                            "identity {identity} is in {ident_region}, the replica in {region}"
                        ),
                    ));
                }
                spec.encryption = EncryptionSpec::CustomerManaged {
                    key: k.clone(),
                    identity: Some(identity.to_string()),
                    geo_backup: None,
                };
                self.create_server(id, into, &spec)?;
                Ok(Applied::Changed(format!(
                    "replica {into} of {from} created in {region} with {k}"
                )))
            }
        }
    }

    fn geo_restore(&mut self, from: &str, into: &str) -> ActResult {
        let src = self.live_server(from)?;
        let id = self.new_server_slot(into)?;
        let s = &self.state.servers[src as usize];
        let Some(backup_region) = s.backup_region.clone() else {
            return Err(Refused::new(
                "GeoBackupNotConfigured",
                format!("{from} has no geo-redundant backup"),
            ));
        };
        let mut spec = self.copy_spec(src, into, &backup_region);
        if let Some(cmk) = &s.cmk {
            let geo = cmk
                .geo
                .clone()
                .expect("a CMK server with a backup region has a geo key (R35)");
            if let Some(causes) = super::access::geo_causes(&self.state, src, s) {
                if let Some(first) = causes.first() {
                    let all = render_causes(&self.texts, &self.state, &causes);
                    let list: Vec<String> = all
                        .iter()
                        .map(|c| format!("{} {}", c.cause, c.subject))
                        .collect();
                    return Err(Refused::new(
                        first.name(),
                        format!("the geo-backup key is unusable: {} (R11)", list.join(", ")),
                    ));
                }
            }
            let identity = self.state.identities[geo.identity as usize].name.clone();
            spec.encryption = EncryptionSpec::CustomerManaged {
                key: geo.reference.clone(),
                identity: Some(identity),
                geo_backup: None,
            };
        }
        self.create_server(id, into, &spec)?;
        Ok(Applied::Changed(format!(
            "{into} geo-restored from {from} in {backup_region}"
        )))
    }

    fn set_parameter(&mut self, id: ServerId, name: &str, value: &str) -> ActResult {
        let s = &self.state.servers[id as usize];
        let (mut min, mut max, mut enforcement) = (s.ssl_min, s.ssl_max, s.ssl_enforcement);
        let bad = || {
            Refused::new(
                "InvalidParameterValue",
                format!("{name} cannot be {value:?} (R40)"),
            )
        };
        match name {
            "ssl_min_protocol_version" => min = TlsVersion::parse(value).ok_or_else(bad)?,
            "ssl_max_protocol_version" => max = Some(TlsVersion::parse(value).ok_or_else(bad)?),
            "ssl_enforcement" => {
                enforcement = match value.to_ascii_lowercase().as_str() {
                    "on" | "true" | "enabled" => true,
                    "off" | "false" | "disabled" => false,
                    _ => return Err(bad()),
                }
            }
            _ => {
                return Err(Refused::new(
                    "UnknownParameter",
                    format!("no server parameter {name}"),
                ))
            }
        }
        validate_tls(s.kind, min, max, enforcement)?;
        if (min, max, enforcement) == (s.ssl_min, s.ssl_max, s.ssl_enforcement) {
            return Ok(Applied::NoChange(format!("{name} is already {value}")));
        }
        let s = &mut self.state.servers[id as usize];
        s.ssl_min = min;
        s.ssl_max = max;
        s.ssl_enforcement = enforcement;
        let server = s.name.clone();
        self.tls_changed(id);
        Ok(Applied::Changed(format!(
            "{name} of {server} set to {value}"
        )))
    }
}

fn tls_text(v: TlsVersion) -> String {
    match v {
        TlsVersion::V1_2 => "TLSv1.2".into(),
        TlsVersion::V1_3 => "TLSv1.3".into(),
    }
}

fn on_off(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

fn scope(vault: &str, key: &Option<String>) -> String {
    match key {
        Some(k) => format!("{vault}/{k}"),
        None => vault.to_string(),
    }
}

/// The entity an action is about, for the timeline.
pub(super) fn action_entity(a: &Action) -> String {
    match a {
        Action::CreateKey { vault, key, .. }
        | Action::RotateKey { vault, key }
        | Action::DisableKey { vault, key, .. }
        | Action::EnableKey { vault, key, .. }
        | Action::SetKeyExpiry { vault, key, .. }
        | Action::DeleteKey { vault, key }
        | Action::RecoverKey { vault, key }
        | Action::PurgeKey { vault, key }
        | Action::BackupKey { vault, key }
        | Action::RestoreKeyBackup { vault, key, .. } => format!("{vault}/{key}"),
        Action::CreateVault(NewVault::Vault(v)) => v.name.clone(),
        Action::DeleteVault { vault }
        | Action::RecoverVault { vault }
        | Action::PurgeVault { vault }
        | Action::SetFirewall { vault, .. }
        | Action::SetPermissionModel { vault, .. }
        | Action::SetDeleteLock { vault, .. }
        | Action::MoveVault { vault, .. } => vault.clone(),
        Action::CreateIdentity { identity, .. }
        | Action::DeleteIdentity { identity }
        | Action::RecoverIdentity { identity } => identity.clone(),
        Action::AssignRole {
            identity, vault, ..
        }
        | Action::RemoveRole {
            identity, vault, ..
        }
        | Action::SetAccessPolicy {
            identity, vault, ..
        }
        | Action::RemoveAccessPolicy { identity, vault } => format!("{identity}@{vault}"),
        Action::CreateServer(NewServer::Server(s)) => s.name.clone(),
        Action::UpdateServerKey { server, .. }
        | Action::UpdateServerIdentity { server, .. }
        | Action::DetachIdentity { server }
        | Action::SetEncryption { server, .. }
        | Action::Revalidate { server }
        | Action::SetServerParameter { server, .. }
        | Action::SetServerNetwork { server, .. }
        | Action::DeleteServer { server }
        | Action::SetWorkload { server, .. } => server.clone(),
        Action::RestoreServer { into, .. }
        | Action::CreateReplica { into, .. }
        | Action::GeoRestore { into, .. } => into.clone(),
    }
}

/// A short description of an action, for triggers and recovery paths.
pub(super) fn describe(a: &Action) -> String {
    match a {
        Action::UpdateServerKey { key, .. } => format!("UpdateServerKey to {key}"),
        Action::UpdateServerIdentity { identity, .. } => {
            format!("UpdateServerIdentity to {identity}")
        }
        Action::AssignRole { role, .. } | Action::RemoveRole { role, .. } => {
            format!("{} {role:?} {}", a.kind(), action_entity(a))
        }
        _ => format!("{} {}", a.kind(), action_entity(a)),
    }
}
