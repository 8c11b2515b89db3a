//! The `entities[]` of a run: for each vault, key version, identity and
//! grant, the intervals in which it was usable and why not otherwise, so
//! that charts can draw them without reaching into the engine.

use std::collections::BTreeMap;

use super::world::{IdentityState, Life};
use super::State;
use crate::result::{EntityInterval, EntityReport};
use crate::scenario::format::PermissionModel;

/// Records entity states at the end of every second in which something
/// changed; a snapshot costs O(entities), never O(servers).
#[derive(Default, Debug)]
pub struct EntityTracker {
    pub changed: bool,
    /// (kind, name) → intervals so far; the last one is open.
    seen: BTreeMap<(u8, String), (String, Vec<EntityInterval>)>,
    /// The identity each principal was first seen with: a grant keeps that
    /// name after its identity is deleted or made again under a new
    /// principal (R3), when it dangles. An identity made again under an
    /// old name is `name#2`, `name#3`, … so that its grants are told apart.
    principals: BTreeMap<u64, String>,
}

const VAULT: u8 = 0;
const KEY_VERSION: u8 = 1;
const IDENTITY: u8 = 2;
const GRANT: u8 = 3;

fn kind_name(k: u8) -> &'static str {
    match k {
        VAULT => "vault",
        KEY_VERSION => "key_version",
        IDENTITY => "identity",
        _ => "grant",
    }
}

impl EntityTracker {
    pub fn snapshot(&mut self, state: &State) {
        self.changed = false;
        let now = state.now_s;
        for i in &state.identities {
            if i.principal != 0 && i.state != IdentityState::Absent {
                self.principals.entry(i.principal).or_insert_with(|| {
                    if i.incarnation > 1 {
                        format!("{}#{}", i.name, i.incarnation)
                    } else {
                        i.name.clone()
                    }
                });
            }
        }
        let who = |principal: u64| {
            self.principals
                .get(&principal)
                .cloned()
                .unwrap_or_else(|| format!("principal-{principal}"))
        };
        // R3: a grant works only while an identity holds its principal.
        let held = |principal: u64| {
            state
                .identities
                .iter()
                .any(|i| i.principal == principal && i.state == IdentityState::Active)
        };
        // A grant's state: whether its vault's permission model reads it
        // (R7), then whether its vault and its identity are there.
        let grant = |counts: bool, vault: Life, principal: u64| -> (String, bool) {
            let label = if !counts {
                "Ignored".to_string()
            } else if !vault.is_active() {
                format!("Vault{}", vault.label())
            } else if !held(principal) {
                "IdentityDeleted".to_string()
            } else {
                "Assigned".to_string()
            };
            let usable = label == "Assigned";
            (label, usable)
        };
        let mut current: Vec<((u8, String), String, bool)> = Vec::new();
        for v in &state.vaults {
            if v.life == Life::Absent {
                continue;
            }
            current.push((
                (VAULT, v.name.clone()),
                v.life.label().to_string(),
                v.life.is_active(),
            ));
            for k in &v.keys {
                for ver in &k.versions {
                    let (label, usable) = version_state(v.life, k.life, ver, now);
                    current.push((
                        (KEY_VERSION, format!("{}/{}/{}", v.name, k.name, ver.number)),
                        label,
                        usable,
                    ));
                }
            }
            for r in &v.roles {
                let scope = r
                    .key
                    .as_ref()
                    .map_or(v.name.clone(), |k| format!("{}/{k}", v.name));
                let counts = v.permission_model == PermissionModel::Rbac
                    && super::world::role_counts(r.role);
                let (label, usable) = grant(counts, v.life, r.principal);
                current.push((
                    (
                        GRANT,
                        format!("{:?} {} on {scope}", r.role, who(r.principal)),
                    ),
                    label,
                    usable,
                ));
            }
            for p in &v.policies {
                let counts = v.permission_model == PermissionModel::AccessPolicy;
                let (label, usable) = grant(counts, v.life, p.principal);
                current.push((
                    (
                        GRANT,
                        format!("AccessPolicy {} on {}", who(p.principal), v.name),
                    ),
                    label,
                    usable,
                ));
            }
        }
        for i in &state.identities {
            let label = match i.state {
                IdentityState::Absent => continue,
                IdentityState::Active => "Active",
                IdentityState::Deleted { .. } => "Deleted",
                IdentityState::Gone => "Gone",
            };
            current.push((
                (IDENTITY, i.name.clone()),
                label.to_string(),
                i.state == IdentityState::Active,
            ));
        }
        let present: std::collections::BTreeSet<(u8, String)> =
            current.iter().map(|(k, _, _)| k.clone()).collect();
        for (key, label, usable) in current {
            let entry = self
                .seen
                .entry(key)
                .or_insert_with(|| (String::new(), Vec::new()));
            let same = entry.0 == label && entry.1.last().is_some_and(|l| l.usable == usable);
            if !same {
                if let Some(last) = entry.1.last_mut() {
                    last.until_s = Some(now);
                }
                entry.1.push(EntityInterval {
                    from_s: now,
                    until_s: None,
                    usable,
                    state: label.clone(),
                });
                entry.0 = label;
            }
        }
        // Grants that disappeared (removed, or their vault purged).
        for (key, entry) in self.seen.iter_mut() {
            if !present.contains(key) && entry.0 != "Removed" {
                if let Some(last) = entry.1.last_mut() {
                    last.until_s = Some(now);
                }
                entry.1.push(EntityInterval {
                    from_s: now,
                    until_s: None,
                    usable: false,
                    state: "Removed".into(),
                });
                entry.0 = "Removed".into();
            }
        }
    }

    pub fn finish(mut self, state: &State) -> Vec<EntityReport> {
        if self.changed {
            self.snapshot(state);
        }
        self.seen
            .into_iter()
            .map(|((kind, name), (_, intervals))| EntityReport {
                kind: kind_name(kind).to_string(),
                name,
                intervals,
            })
            .collect()
    }
}

fn version_state(vault: Life, key: Life, v: &super::world::Version, now: u64) -> (String, bool) {
    let label = if !vault.is_present() || !key.is_present() {
        "Purged"
    } else if !vault.is_active() {
        "VaultSoftDeleted"
    } else if !key.is_active() {
        "SoftDeleted"
    } else if !v.enabled {
        "Disabled"
    } else if !v.active_at(now) {
        "NotYetActive"
    } else if !v.unexpired_at(now) {
        "Expired"
    } else {
        "Enabled"
    };
    (label.to_string(), label == "Enabled")
}
