//! `keyloss advise`: from the world at time T, search the documented
//! recovery actions for the way back to Available with the least expected
//! downtime, and prove the best path by simulating it.
//!
//! Each cause of R10 has its documented fixes (recover the vault, re-enable
//! the key, renew the grant, point the server at the new identity, …); a
//! candidate path takes one fix per cause, in a fixed order (identities,
//! vaults, keys, grants, server updates, revalidation). Every candidate is
//! simulated from T with the scenario's seed; its expected downtime is the
//! time until key access returns plus the mean of the wait that follows
//! (R22). When no fix brings key access back, a geo-restore into a new
//! server is offered where the geo-backup key still works (R38, R11), and
//! otherwise the answer says why there is no way back.

use crate::engine::time::format_duration;
use crate::model::access::Cause;
use crate::model::snapshot::{snapshot_at, ServerSnapshot, Snapshot};
use crate::model::{run, RunError, RunOptions};
use crate::result::RunResult;
use crate::scenario::format::{
    Action, Dur, EventSpec, KeyRef, Permission, PermissionModel, RoleName,
};
use crate::scenario::{plan_from_file, Plan};

/// Candidate paths tried per server, at most (the product of the fixes of
/// every cause is cut there, in a fixed order).
pub const MAX_CANDIDATES: usize = 64;

#[derive(Clone, Debug, serde::Serialize)]
pub struct Advice {
    pub scenario: String,
    pub seed: u64,
    pub at_s: u64,
    pub servers: Vec<ServerAdvice>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct ServerAdvice {
    pub server: String,
    pub causes: Vec<String>,
    /// The best path, if any brings the server (or a replacement) back.
    pub best: Option<PathResult>,
    /// Every other candidate, best first.
    pub alternatives: Vec<PathResult>,
    /// Why there is no way back, when there is none.
    pub no_path: Option<String>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct PathResult {
    /// The actions, as they would be written in a scenario.
    pub actions: Vec<String>,
    /// A new server takes over (geo-restore) rather than this one coming back.
    pub replacement: Option<String>,
    /// Expected time from T until Available: time to key access plus the
    /// mean of the wait that follows.
    pub expected_s: Option<u64>,
    /// What the simulation with the scenario's seed gave: Available at.
    pub simulated_available_at_s: Option<u64>,
    pub wait: Option<String>,
    /// A refusal met along the path, if any.
    pub refused: Option<String>,
}

#[derive(Debug)]
pub enum AdviseError {
    Run(RunError),
    /// A generated path did not resolve against the scenario (a bug here).
    Plan(String),
}

impl std::fmt::Display for AdviseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdviseError::Run(e) => write!(f, "{e}"),
            AdviseError::Plan(e) => write!(f, "could not build a recovery plan: {e}"),
        }
    }
}

impl std::error::Error for AdviseError {}

impl From<RunError> for AdviseError {
    fn from(e: RunError) -> Self {
        AdviseError::Run(e)
    }
}

/// Advice for every server that has no key access at the end of second
/// `at_s` (default: when the first window opens, with no runbook acting);
/// the advised actions run in the next second.
pub fn advise(plan: &Plan, seed: Option<u64>, at_s: Option<u64>) -> Result<Advice, AdviseError> {
    let base = without_runbooks(plan, u64::MAX)?;
    let opts = RunOptions {
        seed,
        runbook: None,
        detailed: false,
        ..RunOptions::default()
    };
    let t = match at_s {
        Some(t) => t,
        // The second the first window opens: advice is about a window that
        // has opened, not a loss still unseen.
        None => first_window(&run(&base, &opts)?).unwrap_or(0),
    };
    // The world after everything of second t; the advised actions run in
    // the next second, so that they meet that world (and not the scripted
    // events or service steps of second t, R33).
    let world = snapshot_at(&without_runbooks(plan, t)?, &opts, t)?;
    let mut servers = Vec::new();
    let mut runs = Runs::default();
    for s in world.servers.iter().filter(|s| !s.causes.is_empty()) {
        servers.push(advise_server(plan, &opts, &world, s, &mut runs)?);
    }
    Ok(Advice {
        scenario: plan.file.name.clone(),
        seed: seed.unwrap_or(plan.file.seed),
        at_s: t,
        servers,
    })
}

fn first_window(r: &RunResult) -> Option<u64> {
    r.servers
        .iter()
        .flat_map(|s| s.windows.iter().map(|w| w.denied_from_s))
        .min()
}

/// The plan with no runbook, no expectations and only the scripted events
/// up to `until_s`: the incident as it stands, with nobody acting after.
fn without_runbooks(plan: &Plan, until_s: u64) -> Result<Plan, AdviseError> {
    with_actions(plan, until_s, &[])
}

fn with_actions(plan: &Plan, until_s: u64, actions: &[Action]) -> Result<Plan, AdviseError> {
    let mut file = plan.file.clone();
    file.runbook = None;
    file.runbooks.clear();
    file.expect.clear();
    file.events.retain(|e| e.at.0 <= until_s);
    for (i, a) in actions.iter().enumerate() {
        file.events.push(EventSpec {
            at: Dur(until_s + 1),
            action: a.clone(),
            name: Some(format!("advice step {}", i + 1)),
            by: Some("advice".into()),
        });
    }
    plan_from_file(file, &plan.source, &plan.origin).map_err(|d| AdviseError::Plan(d.to_string()))
}

/// The simulations of the candidate paths tried so far, by their actions:
/// the servers of a fleet share their causes and so their candidates, and
/// one simulation of a path answers for every server it concerns.
#[derive(Default)]
struct Runs {
    by_actions: std::collections::HashMap<Vec<String>, std::rc::Rc<RunResult>>,
}

impl Runs {
    /// Paths kept at most; past that the oldest are dropped all at once
    /// (a cache: which runs it keeps changes no answer).
    const KEPT: usize = 4 * MAX_CANDIDATES;

    /// The run of `actions`, written `texts` (`action_text`).
    fn run(
        &mut self,
        plan: &Plan,
        opts: &RunOptions,
        world_s: u64,
        actions: &[Action],
        texts: &[String],
    ) -> Result<std::rc::Rc<RunResult>, AdviseError> {
        if let Some(r) = self.by_actions.get(texts) {
            return Ok(r.clone());
        }
        let variant = with_actions(plan, world_s, actions)?;
        let r = std::rc::Rc::new(run(&variant, opts)?);
        if self.by_actions.len() >= Self::KEPT {
            self.by_actions.clear();
        }
        self.by_actions.insert(texts.to_vec(), r.clone());
        Ok(r)
    }
}

fn advise_server(
    plan: &Plan,
    opts: &RunOptions,
    world: &Snapshot,
    s: &ServerSnapshot,
    runs: &mut Runs,
) -> Result<ServerAdvice, AdviseError> {
    let causes = s
        .causes
        .iter()
        .map(|(c, subj)| format!("{} ({subj})", c.name()))
        .collect();
    let mut advice = ServerAdvice {
        server: s.name.clone(),
        causes,
        best: None,
        alternatives: Vec::new(),
        no_path: None,
    };
    if s.data_lost {
        advice.no_path = Some(format!(
            "the data of {} is lost for good: every key version it depends on is purged and no key backup or geo-backup remains (R31)",
            s.name
        ));
        return Ok(advice);
    }
    let mut per_cause: Vec<Vec<Vec<Action>>> = Vec::new();
    let mut stuck: Vec<String> = Vec::new();
    for (cause, subject) in &s.causes {
        let fixes = fixes_for(*cause, subject, s, world);
        if fixes.is_empty() {
            stuck.push(format!("{} ({subject})", cause.name()));
        } else {
            per_cause.push(fixes);
        }
    }
    let mut candidates: Vec<Vec<Action>> = Vec::new();
    if stuck.is_empty() {
        candidates = product(&per_cause);
    }
    if s.cmk.is_some() && s.geo_restore_possible {
        candidates.push(vec![Action::GeoRestore {
            from: s.name.clone(),
            into: format!("{}-geo", s.name),
        }]);
    }
    let mut results = Vec::new();
    for c in candidates.into_iter().take(MAX_CANDIDATES) {
        results.push(evaluate(plan, opts, world.at_s, &s.name, c, runs)?);
    }
    results.sort_by_key(|r| {
        (
            r.expected_s.is_none(),
            r.expected_s,
            r.replacement.is_some(),
            r.actions.len(),
        )
    });
    if results.first().is_some_and(|r| r.expected_s.is_some()) {
        advice.best = Some(results.remove(0));
    } else {
        advice.no_path = Some(if stuck.is_empty() {
            "no documented action brings key access back from this state (every candidate was refused or left a cause)".into()
        } else {
            format!(
                "no documented action fixes {}: {}",
                stuck.join(", "),
                stuck_reason(&s.causes)
            )
        });
    }
    advice.alternatives = results;
    Ok(advice)
}

fn stuck_reason(causes: &[(Cause, String)]) -> &'static str {
    if causes.iter().any(|(c, _)| {
        matches!(
            c,
            Cause::KeyPurged | Cause::VaultPurged | Cause::KeyVersionMissing
        )
    }) {
        "the key material is purged and no key backup of it exists, so nothing can bring it back (R5, R31)"
    } else if causes
        .iter()
        .any(|(c, _)| matches!(c, Cause::KeyTypeUnsupported | Cause::KeyOpsMissing))
    {
        "the key itself is unusable; point the server at a supported RSA key that permits wrap and unwrap"
    } else {
        "the cause needs time (a key not yet active) or an action outside the documented recovery paths"
    }
}

/// The documented ways to remove one cause (MODEL.md R3–R7, R22, R39).
fn fixes_for(cause: Cause, subject: &str, s: &ServerSnapshot, w: &Snapshot) -> Vec<Vec<Action>> {
    let Some(cmk) = &s.cmk else { return Vec::new() };
    let vault = cmk.vault.clone();
    let key = cmk.key.clone();
    let identity = cmk.identity.clone().unwrap_or_else(|| s.name.clone());
    let model = w
        .vaults
        .iter()
        .find(|v| v.name == vault)
        .map_or(PermissionModel::Rbac, |v| v.permission_model);
    let grant = || grant_action(&identity, &vault, model);
    let version_of = |subj: &str| subj.rsplit('/').next().and_then(|n| n.parse::<u32>().ok());
    match cause {
        Cause::IdentityDeleted => match w
            .identities
            .iter()
            .find(|i| i.name == subject)
            .map(|i| i.state)
        {
            Some("Deleted") => vec![vec![Action::RecoverIdentity {
                identity: subject.into(),
            }]],
            _ => vec![vec![
                Action::CreateIdentity {
                    identity: subject.into(),
                    region: s.region.clone(),
                    tenant: None,
                },
                grant_action(subject, &vault, model),
                Action::UpdateServerIdentity {
                    server: s.name.clone(),
                    identity: subject.into(),
                },
            ]],
        },
        Cause::IdentityReplaced => vec![vec![
            grant(),
            Action::UpdateServerIdentity {
                server: s.name.clone(),
                identity,
            },
        ]],
        Cause::IdentityNotAssigned if cmk.identity.is_none() => vec![vec![
            Action::UpdateServerIdentity {
                server: s.name.clone(),
                identity: s.name.clone(),
            },
            grant_action(&s.name, &vault, model),
        ]],
        Cause::IdentityNotAssigned => vec![vec![Action::UpdateServerIdentity {
            server: s.name.clone(),
            identity,
        }]],
        Cause::VaultSoftDeleted => vec![vec![Action::RecoverVault { vault }]],
        Cause::VaultWrongTenant => vec![vec![Action::MoveVault {
            vault,
            tenant: s.tenant.clone(),
        }]],
        Cause::FirewallBlocked => vec![vec![Action::SetFirewall {
            vault,
            public_access: None,
            trusted_services: Some(true),
            private_endpoint: None,
        }]],
        Cause::NetworkPathBroken => vec![vec![Action::SetServerNetwork {
            server: s.name.clone(),
            vault_reachable: true,
        }]],
        Cause::GrantMissing => vec![vec![grant()]],
        Cause::KeyDisabled => vec![vec![Action::EnableKey {
            vault,
            key,
            version: version_of(subject),
        }]],
        Cause::KeyExpired => {
            let mut out = vec![vec![Action::SetKeyExpiry {
                vault: vault.clone(),
                key: key.clone(),
                version: version_of(subject),
                expires_at: None,
            }]];
            let newest = w
                .vaults
                .iter()
                .find(|v| v.name == vault)
                .and_then(|v| v.keys.iter().find(|(k, _)| *k == key))
                .and_then(|(_, ns)| ns.iter().max().copied());
            if let Some(n) = newest {
                out.push(vec![
                    Action::RotateKey {
                        vault: vault.clone(),
                        key: key.clone(),
                    },
                    Action::UpdateServerKey {
                        server: s.name.clone(),
                        key: KeyRef {
                            vault,
                            key,
                            version: Some(n + 1),
                        },
                    },
                ]);
            }
            out
        }
        Cause::KeySoftDeleted => vec![vec![Action::RecoverKey { vault, key }]],
        Cause::KeyPurged | Cause::KeyVersionMissing | Cause::VaultPurged => {
            let backed_up = w.backups.iter().any(|(v, k)| *v == vault && *k == key);
            if !backed_up {
                return Vec::new();
            }
            let vault_purged = w
                .vaults
                .iter()
                .any(|v| v.name == vault && v.life == "Purged");
            if cause == Cause::VaultPurged || vault_purged {
                // A purged vault's name is free again: re-create it, restore
                // the key backup into it and grant access anew (R4, R5).
                let spec = crate::scenario::format::VaultSpec {
                    name: vault.clone(),
                    region: s.region.clone(),
                    tenant: None,
                    kind: Default::default(),
                    soft_delete: true,
                    retention_days: 90,
                    purge_protection: true,
                    permission_model: PermissionModel::Rbac,
                    firewall: Default::default(),
                    delete_lock: false,
                    keys: Vec::new(),
                };
                vec![vec![
                    Action::CreateVault(crate::scenario::format::NewVault::Vault(spec)),
                    Action::RestoreKeyBackup {
                        vault: vault.clone(),
                        key,
                        from_vault: None,
                    },
                    grant_action(&identity, &vault, PermissionModel::Rbac),
                ]]
            } else {
                vec![vec![Action::RestoreKeyBackup {
                    vault,
                    key,
                    from_vault: None,
                }]]
            }
        }
        Cause::RevalidationRequired => vec![vec![Action::Revalidate {
            server: s.name.clone(),
        }]],
        Cause::KeyNotYetActive | Cause::KeyOpsMissing | Cause::KeyTypeUnsupported => Vec::new(),
    }
}

fn grant_action(identity: &str, vault: &str, model: PermissionModel) -> Action {
    match model {
        PermissionModel::Rbac => Action::AssignRole {
            identity: identity.into(),
            vault: vault.into(),
            key: None,
            role: RoleName::CryptoServiceEncryptionUser,
        },
        PermissionModel::AccessPolicy => Action::SetAccessPolicy {
            identity: identity.into(),
            vault: vault.into(),
            permissions: vec![
                Permission::Get,
                Permission::List,
                Permission::WrapKey,
                Permission::UnwrapKey,
            ],
        },
    }
}

/// Order within a path: identities, vaults, keys, grants, server updates,
/// revalidation last (a grant needs its identity, a server update needs the
/// grant, R37).
fn stage(a: &Action) -> u8 {
    match a {
        Action::RecoverIdentity { .. } | Action::CreateIdentity { .. } => 0,
        // A Single copy's own identity must exist before it can be granted.
        Action::UpdateServerIdentity { server, identity } if server == identity => 0,
        Action::CreateVault(_)
        | Action::RecoverVault { .. }
        | Action::MoveVault { .. }
        | Action::SetFirewall { .. } => 1,
        Action::RecoverKey { .. }
        | Action::RestoreKeyBackup { .. }
        | Action::EnableKey { .. }
        | Action::SetKeyExpiry { .. }
        | Action::RotateKey { .. } => 2,
        Action::AssignRole { .. } | Action::SetAccessPolicy { .. } => 3,
        Action::Revalidate { .. } => 5,
        _ => 4,
    }
}

/// One fix per cause, every combination, each path deduplicated and ordered.
fn product(per_cause: &[Vec<Vec<Action>>]) -> Vec<Vec<Action>> {
    let mut paths: Vec<Vec<Action>> = vec![Vec::new()];
    for fixes in per_cause {
        let mut next = Vec::new();
        for p in &paths {
            for f in fixes {
                let mut q = p.clone();
                for a in f {
                    let text = action_text(a);
                    if !q.iter().any(|x| action_text(x) == text) {
                        q.push(a.clone());
                    }
                }
                next.push(q);
                if next.len() >= MAX_CANDIDATES {
                    break;
                }
            }
        }
        paths = next;
    }
    for p in &mut paths {
        p.sort_by_key(stage);
    }
    paths.retain(|p| !p.is_empty());
    paths
}

fn evaluate(
    plan: &Plan,
    opts: &RunOptions,
    world_s: u64,
    server: &str,
    actions: Vec<Action>,
    runs: &mut Runs,
) -> Result<PathResult, AdviseError> {
    // The actions run one second after the world described (see `advise`).
    let t = world_s + 1;
    let texts: Vec<String> = actions.iter().map(action_text).collect();
    let replacement = actions.iter().find_map(|a| match a {
        Action::GeoRestore { into, .. } => Some(into.clone()),
        _ => None,
    });
    let r = runs.run(plan, opts, world_s, &actions, &texts)?;
    let refused = r
        .refused
        .iter()
        .find(|x| x.at_s == t && x.by == "advice")
        .map(|x| format!("{} {}: {}", x.action, x.reason, x.detail));
    let mut out = PathResult {
        actions: texts,
        replacement: replacement.clone(),
        expected_s: None,
        simulated_available_at_s: None,
        wait: None,
        refused,
    };
    if out.refused.is_some() {
        return Ok(out);
    }
    let target = replacement.as_deref().unwrap_or(server);
    let Some(s) = r.server(target) else {
        return Ok(out);
    };
    if replacement.is_some() {
        // A new server: back when it is created and not denying.
        if s.windows.iter().all(|w| w.denied_until_s.is_some()) {
            let back = s
                .windows
                .iter()
                .filter_map(|w| w.denied_until_s)
                .max()
                .unwrap_or(t)
                .max(t);
            out.expected_s = Some(back - t);
            out.simulated_available_at_s = Some(back);
        }
        return Ok(out);
    }
    let Some(w) = s
        .windows
        .iter()
        .find(|w| w.denied_until_s.is_none_or(|u| u > t))
    else {
        // Not denying after all (an unseen loss): back at once.
        out.expected_s = Some(0);
        out.simulated_available_at_s = Some(t);
        return Ok(out);
    };
    let (Some(t1), Some(end)) = (w.access_restored_at_s, w.denied_until_s) else {
        return Ok(out);
    };
    let wait = w
        .recovery
        .iter()
        .rev()
        .find(|x| x.kind == "wait")
        .map(|x| x.what.clone());
    let mean = match wait.as_deref() {
        Some("identity_revalidate_after") => plan.timing.identity_revalidate_after.mean_s(),
        _ => plan.timing.recover_after.mean_s(),
    };
    out.expected_s = Some(t1.saturating_sub(t) + mean.round() as u64);
    out.simulated_available_at_s = Some(end);
    out.wait = wait.map(|w| w.to_string());
    Ok(out)
}

/// An action as it would be written in a scenario file.
pub fn action_text(a: &Action) -> String {
    match a {
        Action::RecoverIdentity { identity } => format!("RecoverIdentity(identity: {identity:?})"),
        Action::CreateIdentity {
            identity, region, ..
        } => format!("CreateIdentity(identity: {identity:?}, region: {region:?})"),
        Action::RecoverVault { vault } => format!("RecoverVault(vault: {vault:?})"),
        Action::CreateVault(crate::scenario::format::NewVault::Vault(v)) => format!(
            "CreateVault(Vault(name: {:?}, region: {:?}))",
            v.name, v.region
        ),
        Action::MoveVault { vault, tenant } => {
            format!("MoveVault(vault: {vault:?}, tenant: {tenant:?})")
        }
        Action::SetFirewall { vault, .. } => {
            format!("SetFirewall(vault: {vault:?}, trusted_services: true)")
        }
        Action::RecoverKey { vault, key } => format!("RecoverKey(vault: {vault:?}, key: {key:?})"),
        Action::RestoreKeyBackup { vault, key, .. } => {
            format!("RestoreKeyBackup(vault: {vault:?}, key: {key:?})")
        }
        Action::EnableKey {
            vault,
            key,
            version,
        } => match version {
            Some(n) => format!("EnableKey(vault: {vault:?}, key: {key:?}, version: {n})"),
            None => format!("EnableKey(vault: {vault:?}, key: {key:?})"),
        },
        Action::SetKeyExpiry {
            vault,
            key,
            version,
            ..
        } => match version {
            Some(n) => format!(
                "SetKeyExpiry(vault: {vault:?}, key: {key:?}, version: {n}, expires_at: None)"
            ),
            None => format!("SetKeyExpiry(vault: {vault:?}, key: {key:?}, expires_at: None)"),
        },
        Action::RotateKey { vault, key } => format!("RotateKey(vault: {vault:?}, key: {key:?})"),
        Action::AssignRole {
            identity,
            vault,
            role,
            ..
        } => format!("AssignRole(identity: {identity:?}, vault: {vault:?}, role: {role:?})"),
        Action::SetAccessPolicy {
            identity, vault, ..
        } => {
            format!("SetAccessPolicy(identity: {identity:?}, vault: {vault:?}, permissions: [Get, List, WrapKey, UnwrapKey])")
        }
        Action::UpdateServerIdentity { server, identity } => {
            format!("UpdateServerIdentity(server: {server:?}, identity: {identity:?})")
        }
        Action::UpdateServerKey { server, key } => {
            format!("UpdateServerKey(server: {server:?}, key: \"{key}\")")
        }
        Action::SetServerNetwork { server, .. } => {
            format!("SetServerNetwork(server: {server:?}, vault_reachable: true)")
        }
        Action::Revalidate { server } => format!("Revalidate(server: {server:?})"),
        Action::GeoRestore { from, into } => format!("GeoRestore(from: {from:?}, into: {into:?})"),
        other => other.kind().to_string(),
    }
}

/// The advice as text: per server, the fastest path, its proof, the others.
pub fn render_text(a: &Advice) -> String {
    use std::fmt::Write;
    let at = crate::engine::time::format_offset;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "advice for {} from the world at {} (seed {}); the actions run one second later",
        a.scenario,
        at(a.at_s),
        a.seed
    );
    if a.servers.is_empty() {
        out.push_str("  every server has key access at that moment: nothing to recover\n");
    }
    for group in groups(&a.servers) {
        let s = group[0];
        let many = group.len() > 1;
        let who = if many {
            let shown: Vec<&str> = group.iter().take(3).map(|s| s.server.as_str()).collect();
            let more = group.len() - shown.len();
            let rest = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            format!(
                "{}{rest} ({} servers, the same advice)",
                shown.join(", "),
                group.len()
            )
        } else {
            s.server.clone()
        };
        let _ = writeln!(out, "\n  {who}: no key access ({})", s.causes.join(", "));
        match &s.best {
            Some(best) => {
                let what = match &best.replacement {
                    Some(r) => format!("replacement server {r}"),
                    None if many => "each".to_string(),
                    None => s.server.clone(),
                };
                let _ = writeln!(
                    out,
                    "    fastest way back: {what} expected Available {} after {}",
                    format_duration(best.expected_s.unwrap_or(0)),
                    at(a.at_s + 1)
                );
                for (i, act) in best.actions.iter().enumerate() {
                    let act = if many {
                        for_each(act, &s.server)
                    } else {
                        act.clone()
                    };
                    let _ = writeln!(out, "      {}. {act}", i + 1);
                }
                if let Some(w) = &best.wait {
                    let _ = writeln!(out, "      then the service waits {w} (R22)");
                }
                let ends: Vec<u64> = group
                    .iter()
                    .filter_map(|s| s.best.as_ref()?.simulated_available_at_s)
                    .collect();
                match (ends.iter().min(), ends.iter().max()) {
                    (Some(first), Some(last)) if many && first != last => {
                        let _ = writeln!(
                            out,
                            "    proof: simulated with seed {}, each is Available between {} and {}",
                            a.seed,
                            at(*first),
                            at(*last)
                        );
                    }
                    (Some(t), _) => {
                        let _ = writeln!(
                            out,
                            "    proof: simulated with seed {}, {what} is Available at {}",
                            a.seed,
                            at(*t)
                        );
                    }
                    _ => {}
                }
            }
            None => {
                let _ = writeln!(
                    out,
                    "    no way back: {}",
                    s.no_path.as_deref().unwrap_or("no candidate worked")
                );
            }
        }
        let others: Vec<&PathResult> = s.alternatives.iter().collect();
        if !others.is_empty() {
            out.push_str("    other paths tried:\n");
            for p in others {
                let verdict = match (&p.refused, p.expected_s) {
                    (Some(r), _) => format!("refused: {r}"),
                    (None, Some(e)) => format!("expected {}", format_duration(e)),
                    (None, None) => "does not bring key access back".into(),
                };
                let actions = p.actions.join("; ");
                let actions = if many {
                    for_each(&actions, &s.server)
                } else {
                    actions
                };
                let _ = writeln!(out, "      - {actions}  ({verdict})");
            }
        }
    }
    out
}

/// The servers in order of first appearance, those whose advice reads the
/// same (but for when each comes back, and for their own names in the
/// actions) told together: a fleet's members share their causes and their
/// way back. A server replaced by a new one, or named in a refusal or in
/// why there is no way back, is told alone.
fn groups(servers: &[ServerAdvice]) -> Vec<Vec<&ServerAdvice>> {
    let mut groups: Vec<Vec<&ServerAdvice>> = Vec::new();
    let mut by_advice: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for s in servers {
        let paths = s.best.iter().chain(&s.alternatives);
        let alone = paths.clone().any(|p| {
            p.replacement.is_some() || p.refused.as_ref().is_some_and(|r| r.contains(&s.server))
        }) || s.no_path.as_ref().is_some_and(|n| n.contains(&s.server));
        if alone {
            groups.push(vec![s]);
            continue;
        }
        let advice = format!(
            "{:?}",
            (
                &s.causes,
                &s.no_path,
                paths
                    .map(|p| {
                        let actions: Vec<String> =
                            p.actions.iter().map(|x| for_each(x, &s.server)).collect();
                        (actions, p.expected_s, &p.wait, &p.refused)
                    })
                    .collect::<Vec<_>>()
            )
        );
        match by_advice.get(&advice) {
            Some(&i) => groups[i].push(s),
            None => {
                by_advice.insert(advice, groups.len());
                groups.push(vec![s]);
            }
        }
    }
    groups
}

/// An action told for a group: the server's own name, as an action writes
/// it (quoted), becomes `<each server>`.
fn for_each(action: &str, server: &str) -> String {
    action.replace(&format!("{server:?}"), "<each server>")
}
