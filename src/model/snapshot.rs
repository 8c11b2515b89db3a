//! The world as it stands at one moment, for tools that reason about what to
//! do next (`keyloss advise`): each server's causes, and what there is to
//! recover with.

use super::access::{server_causes, subject_name, Cause};
use super::sim::{RunError, RunOptions, Sim};
use super::world::{IdentityState, Life};
use crate::scenario::format::{PermissionModel, ServerKind};
use crate::scenario::Plan;

#[derive(Clone, Debug)]
pub struct Snapshot {
    pub at_s: u64,
    pub servers: Vec<ServerSnapshot>,
    pub vaults: Vec<VaultSnapshot>,
    pub identities: Vec<IdentitySnapshot>,
    /// (vault the backup was taken in, key name) of every key backup.
    pub backups: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct ServerSnapshot {
    pub name: String,
    pub kind: ServerKind,
    pub region: String,
    pub tenant: String,
    pub denying: bool,
    pub data_lost: bool,
    pub causes: Vec<(Cause, String)>,
    pub cmk: Option<CmkSnapshot>,
    pub geo_restore_possible: bool,
}

#[derive(Clone, Debug)]
pub struct CmkSnapshot {
    pub reference: String,
    pub vault: String,
    pub key: String,
    pub version: u32,
    pub identity: Option<String>,
}

#[derive(Clone, Debug)]
pub struct VaultSnapshot {
    pub name: String,
    /// `Active`, `SoftDeleted`, `Purged` or `Absent`.
    pub life: &'static str,
    pub permission_model: PermissionModel,
    pub purge_protection: bool,
    /// Versions of each present key: (key, numbers of versions that exist).
    pub keys: Vec<(String, Vec<u32>)>,
}

#[derive(Clone, Debug)]
pub struct IdentitySnapshot {
    pub name: String,
    /// `Active`, `Deleted` (recoverable), `Gone` or `Absent`.
    pub state: &'static str,
}

/// Plays the plan up to and including second `at_s` and describes the world.
pub fn snapshot_at(plan: &Plan, opts: &RunOptions, at_s: u64) -> Result<Snapshot, RunError> {
    let runbook = match &opts.runbook {
        Some(name) => plan.runbook(Some(name)),
        None => plan.runbook(None),
    };
    let mut sim = Sim::new(plan, opts, runbook);
    sim.horizon_s = at_s.saturating_add(1).min(plan.file.horizon.0);
    sim.setup_world();
    sim.schedule_script();
    sim.run_loop()?;
    sim.state.now_s = at_s;
    let state = &sim.state;
    let servers = state
        .servers
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_live())
        .map(|(i, s)| {
            let causes = server_causes(state, i as u32, s);
            ServerSnapshot {
                name: s.name.to_string(),
                kind: s.kind,
                region: s.region.to_string(),
                tenant: s.tenant.to_string(),
                denying: s.is_denying(),
                data_lost: s.report.data_lost_at_s().is_some(),
                causes: causes
                    .list
                    .iter()
                    .map(|(c, subj)| (*c, subject_name(state, subj).into_owned()))
                    .collect(),
                cmk: s.cmk.as_ref().map(|c| CmkSnapshot {
                    reference: c.reference.to_string(),
                    vault: state.vaults[c.primary.vault as usize].name.clone(),
                    key: c.primary.key.to_string(),
                    version: c.primary.version,
                    identity: c
                        .primary
                        .identity
                        .map(|i| state.identities[i as usize].name.clone()),
                }),
                geo_restore_possible: s.backup_region.is_some()
                    && super::access::geo_causes(state, i as u32, s).is_none_or(|c| c.is_empty()),
            }
        })
        .collect();
    let vaults = state
        .vaults
        .iter()
        .map(|v| VaultSnapshot {
            name: v.name.clone(),
            life: v.life.label(),
            permission_model: v.permission_model,
            purge_protection: v.purge_protection,
            keys: v
                .keys
                .iter()
                .filter(|k| k.life.is_present() && v.life != Life::Purged)
                .map(|k| {
                    (
                        k.name.clone(),
                        k.versions.iter().map(|x| x.number).collect(),
                    )
                })
                .collect(),
        })
        .collect();
    let identities = state
        .identities
        .iter()
        .map(|i| IdentitySnapshot {
            name: i.name.clone(),
            state: match i.state {
                IdentityState::Absent => "Absent",
                IdentityState::Active => "Active",
                IdentityState::Deleted { .. } => "Deleted",
                IdentityState::Gone => "Gone",
            },
        })
        .collect();
    let backups = state
        .backups
        .iter()
        .map(|b| (b.from_vault.clone(), b.key.clone()))
        .collect();
    Ok(Snapshot {
        at_s,
        servers,
        vaults,
        identities,
        backups,
    })
}
