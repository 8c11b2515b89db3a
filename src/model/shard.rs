//! One run on several threads, split by servers.
//!
//! A server's windows depend on the world (vaults, keys, identities,
//! grants) and on its own draws (R32), never on another server's, unless
//! something links them: an alert or a runbook that acts on what servers
//! do (R25, R27), an action on a server (a restore reads its source, R38),
//! or a Single server's system identity, which the world's grants name
//! (R39). A run with none of these is split into slices of servers in
//! declaration order. Each slice is a whole run of the whole world with
//! only its servers, on a thread of its own; the slices' reports are joined
//! in declaration order.
//!
//! Why the join gives exactly the unsplit run: within a second, service
//! steps of different servers never depend on each other's order (R33
//! orders them by declaration, which a slice keeps); every draw comes from
//! the server's own streams (R32); and the world's own events (scripted
//! actions, purges, rotations, expiries) happen alike in every slice. The
//! join checks that last point instead of assuming it: if the slices
//! disagree on anything of the world's (its events, refusals, scripted
//! steps, alerts, timeline), or if any slice fails, the run is done again
//! unsplit, so a split can only ever save time.

use std::ops::Range;

use super::sim::{RunOptions, Sim};
use crate::result::{RunResult, ServerReport};
use crate::scenario::format::{Action, ServerKind};
use crate::scenario::{Plan, Runbook};

/// Fewer servers than this are not worth a thread of their own.
pub const MIN_SERVERS_PER_THREAD: usize = 65_536;

/// The slices of servers (plan ids) to run apart, or `None` when the run
/// is not split: one thread, too few servers, or servers that can affect
/// one another (module documentation).
pub(super) fn slices(
    plan: &Plan,
    opts: &RunOptions,
    runbook: Option<&Runbook>,
) -> Option<Vec<Range<u32>>> {
    let servers = plan.servers.len();
    let count = opts
        .threads
        .min(servers / opts.min_servers_per_thread.max(1));
    if count < 2 || !independent(plan, opts, runbook) {
        return None;
    }
    let servers = servers as u64;
    let count = count as u64;
    let bound = |i: u64| (servers * i / count) as u32;
    Some((0..count).map(|i| bound(i)..bound(i + 1)).collect())
}

/// How many slices of servers a run with these options is split into: 1
/// when it is not (it may still be run whole if the slices disagree).
pub fn slice_count(plan: &Plan, opts: &RunOptions) -> usize {
    let runbook = opts
        .runbook
        .as_deref()
        .map_or_else(|| plan.runbook(None), |name| plan.runbook(Some(name)));
    slices(plan, opts, runbook).map_or(1, |s| s.len())
}

/// The run split into slices and joined, or `None` when it is not split
/// or its slices disagree on the world ([`crate::model::run`] then runs it
/// whole). For tests and benchmarks of the split itself.
pub fn run_in_slices(plan: &Plan, opts: &RunOptions) -> Option<RunResult> {
    let runbook = opts
        .runbook
        .as_deref()
        .map_or_else(|| plan.runbook(None), |name| plan.runbook(Some(name)));
    run_sliced(plan, opts, runbook, &slices(plan, opts, runbook)?)
}

/// Whether no server of the run can affect another (module documentation).
/// A timeline interleaves every server's entries by time, so a detailed
/// run is never split either.
fn independent(plan: &Plan, opts: &RunOptions, runbook: Option<&Runbook>) -> bool {
    !opts.detailed
        && runbook.is_none()
        && plan.file.alerts.is_empty()
        // Every server is the world's: no action creates one.
        && plan.world_servers.len() == plan.servers.len()
        && plan
            .world_servers
            .iter()
            .all(|ws| plan.world_server_spec(*ws).kind == ServerKind::Flexible)
        && plan.file.events.iter().all(|e| world_only(&e.action))
}

/// Whether an action acts on the world alone, never on a server.
fn world_only(action: &Action) -> bool {
    match action {
        Action::CreateKey { .. }
        | Action::RotateKey { .. }
        | Action::DisableKey { .. }
        | Action::EnableKey { .. }
        | Action::SetKeyExpiry { .. }
        | Action::DeleteKey { .. }
        | Action::RecoverKey { .. }
        | Action::PurgeKey { .. }
        | Action::BackupKey { .. }
        | Action::RestoreKeyBackup { .. }
        | Action::CreateVault(_)
        | Action::DeleteVault { .. }
        | Action::RecoverVault { .. }
        | Action::PurgeVault { .. }
        | Action::SetFirewall { .. }
        | Action::SetPermissionModel { .. }
        | Action::SetDeleteLock { .. }
        | Action::MoveVault { .. }
        | Action::CreateIdentity { .. }
        | Action::DeleteIdentity { .. }
        | Action::RecoverIdentity { .. }
        | Action::AssignRole { .. }
        | Action::RemoveRole { .. }
        | Action::SetAccessPolicy { .. }
        | Action::RemoveAccessPolicy { .. } => true,
        Action::CreateServer(_)
        | Action::UpdateServerKey { .. }
        | Action::UpdateServerIdentity { .. }
        | Action::DetachIdentity { .. }
        | Action::SetEncryption { .. }
        | Action::Revalidate { .. }
        | Action::RestoreServer { .. }
        | Action::CreateReplica { .. }
        | Action::GeoRestore { .. }
        | Action::SetServerParameter { .. }
        | Action::SetServerNetwork { .. }
        | Action::DeleteServer { .. }
        | Action::SetWorkload { .. } => false,
    }
}

/// Runs each slice on a thread of its own and joins the results, or
/// returns `None` when the slices disagree on the world or one of them
/// fails: the caller then runs the whole (module documentation).
///
/// Each slice writes its servers' reports straight into its own stretch of
/// the joined list, so a million reports are never copied to be joined.
pub(super) fn run_sliced(
    plan: &Plan,
    opts: &RunOptions,
    runbook: Option<&Runbook>,
    slices: &[Range<u32>],
) -> Option<RunResult> {
    let total: usize = slices.iter().map(|s| s.len()).sum();
    let mut servers: Vec<ServerReport> = Vec::with_capacity(total);
    let parts: Vec<Option<(RunResult, u64)>> = std::thread::scope(|scope| {
        let mut places = &mut servers.spare_capacity_mut()[..total];
        let mut handles = Vec::with_capacity(slices.len());
        for range in slices {
            let (mine, rest) = places.split_at_mut(range.len());
            places = rest;
            handles.push(scope.spawn(move || {
                let mut sim = Sim::new(plan, opts, runbook);
                sim.servers = range.clone();
                sim.setup_world();
                sim.schedule_script();
                sim.run_loop().ok()?;
                sim.finish_slice_into(mine)
            }));
        }
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    if parts.iter().all(Option::is_some) {
        // SAFETY: every slice returned `Some`, so every place of its
        // stretch holds a report (`Sim::finish_slice_into`), and the
        // stretches cover `..total` without overlap.
        unsafe { servers.set_len(total) };
    } else {
        let mut first = 0;
        for (range, part) in slices.iter().zip(&parts) {
            let places = &mut servers.spare_capacity_mut()[first..first + range.len()];
            first += range.len();
            if part.is_some() {
                for place in places {
                    // SAFETY: as above, this slice filled its stretch; the
                    // vector's length is 0, so nothing else drops them.
                    unsafe { place.assume_init_drop() };
                }
            }
        }
        return None;
    }
    let parts: Vec<(RunResult, u64)> = parts.into_iter().collect::<Option<_>>()?;
    join(plan, parts, servers)
}

/// Joins the slices' results in declaration order, if they agree on
/// everything of the world's.
fn join(
    plan: &Plan,
    parts: Vec<(RunResult, u64)>,
    servers: Vec<ServerReport>,
) -> Option<RunResult> {
    let mut parts = parts.into_iter();
    let (mut whole, world_events) = parts.next()?;
    let mut server_events = whole.events_processed - world_events;
    let rest: Vec<(RunResult, u64)> = parts.collect();
    for (part, part_world_events) in &rest {
        let agree = *part_world_events == world_events
            && part.refused == whole.refused
            && part.steps == whole.steps
            && part.alerts == whole.alerts
            && part.timeline == whole.timeline
            && part.entities == whole.entities;
        if !agree {
            return None;
        }
        server_events += part.events_processed - part_world_events;
    }
    whole.events_processed = world_events + server_events;
    // The whole run would have stopped at its event budget.
    if whole.events_processed > plan.timing.event_budget {
        return None;
    }
    whole.servers = servers;
    whole.expectations = crate::result::expect::evaluate(&plan.file.expect, &whole);
    Some(whole)
}
