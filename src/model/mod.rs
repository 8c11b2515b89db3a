//! The domain: the world of MODEL.md §1, key access (R10), detection and
//! recovery (R20–R27), outcomes (R30–R31) and control-plane actions
//! (R35–R40). It runs on the engine and writes a [`crate::result::RunResult`].

pub mod access;
mod control;
mod entities;
pub mod server;
mod setup;
mod shard;
mod sim;
pub mod snapshot;
mod texts;
pub mod world;

pub use shard::{run_in_slices, slice_count};
pub use sim::{run, RunError, RunOptions};

use server::{Binding, GeoBinding, Server};
use world::{Backup, Identity, IdentityId, MaterialId, PrincipalId, ServerId, Vault, VaultId};

/// Everything stored in the world at one instant.
#[derive(Clone, Debug, Default)]
pub struct State {
    pub now_s: u64,
    pub vaults: Vec<Vault>,
    /// User-assigned identities first (declaration order), then the
    /// system-assigned identities of Single servers as they are created.
    pub identities: Vec<Identity>,
    pub servers: Vec<Server>,
    pub backups: Vec<Backup>,
    next_material: MaterialId,
    next_principal: PrincipalId,
    /// Servers that may depend on a vault or identity: whom to re-evaluate
    /// when it changes. May hold stale entries; re-evaluation is idempotent.
    pub vault_dependents: Vec<Vec<ServerId>>,
    pub identity_dependents: Vec<Vec<ServerId>>,
    /// Bumped at every purge: only then can data be lost (R31).
    pub purge_epoch: u64,
    next_key_incarnation: u32,
}

impl State {
    pub fn mint_material(&mut self) -> MaterialId {
        self.next_material += 1;
        self.next_material
    }

    /// A key's (re)creation: stale service steps of earlier ones are ignored.
    pub fn mint_key_incarnation(&mut self) -> u32 {
        self.next_key_incarnation += 1;
        self.next_key_incarnation
    }

    pub fn mint_principal(&mut self) -> PrincipalId {
        self.next_principal += 1;
        self.next_principal
    }

    /// The last principal minted, to undo the minting of a refused action.
    pub fn principal_mark(&self) -> PrincipalId {
        self.next_principal
    }

    /// Forgets every principal minted after `mark`: none of them is held
    /// by anything any more.
    pub fn forget_principals_after(&mut self, mark: PrincipalId) {
        self.next_principal = mark;
    }

    /// The binding a geo-backup reference stands for now.
    pub fn resolve_geo(&self, geo: &GeoBinding) -> Binding {
        let mut b = Binding {
            vault: geo.vault,
            key: geo.key.clone(),
            version: geo.version,
            material: geo.material,
            identity: Some(geo.identity),
            principal: geo.principal,
        };
        if geo.reference.version.is_none() {
            if let Some(v) = self.vaults[geo.vault as usize]
                .key(&geo.reference.key)
                .and_then(|k| k.newest())
            {
                b.version = v.number;
                b.material = v.material;
            }
        }
        b
    }

    /// Key material is alive while a present key in a present vault holds
    /// it, or a key backup does (R31).
    pub fn material_alive(&self, material: MaterialId) -> bool {
        let in_vault = self.vaults.iter().any(|v| {
            v.life.is_present()
                && v.keys.iter().any(|k| {
                    k.life.is_present() && k.versions.iter().any(|x| x.material == material)
                })
        });
        in_vault
            || self
                .backups
                .iter()
                .any(|b| b.versions.iter().any(|x| x.material == material))
    }

    pub fn add_dependent(
        &mut self,
        server: ServerId,
        vault: VaultId,
        identity: Option<IdentityId>,
    ) {
        let list = &mut self.vault_dependents[vault as usize];
        if list.last() != Some(&server) {
            list.push(server);
        }
        if let Some(i) = identity {
            self.add_dependent_identity(server, i);
        }
    }

    pub fn add_dependent_identity(&mut self, server: ServerId, identity: IdentityId) {
        let list = &mut self.identity_dependents[identity as usize];
        if list.last() != Some(&server) {
            list.push(server);
        }
    }
}
