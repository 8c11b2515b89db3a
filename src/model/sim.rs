//! One run: the event loop, R33 ordering, and the detection machinery of
//! R20–R25 that turns changes of key access into windows.
//!
//! Key checks are never polled: a loss computes its first check from the
//! server's cadence and phase (R20), so a run costs in proportion to the
//! changes and the servers they touch, not to the horizon.

use super::access::{geo_causes, server_causes, subject_name, Causes};
use super::entities::EntityTracker;
use super::server::{sec, BatchEntry, CauseList, ControlPlane, OpenWindow, PendingLoss, WindowRec};
use super::texts::Texts;
use super::world::{ServerId, VaultId};
use super::State;
use crate::engine::queue::EventQueue;
use crate::engine::random::{self, Dist};
use crate::engine::time::{format_duration, format_offset as at};
use crate::result::{
    AlertReport, CauseReport, Interval, Outcome, RecoveryStep, Refusal, RunResult, ServerReport,
    StepKind, StepRun, Text, TimelineEntry, Window, WindowMetrics,
};
use crate::scenario::format::{AlertOn, Trigger};
use crate::scenario::{Plan, Runbook};

/// R33 groups: the order of things within one second.
pub(super) mod group {
    /// Expiry and activation apply at the very start of their second.
    pub const TIME_EDGE: u8 = 0;
    pub const SCRIPTED: u8 = 1;
    pub const RUNBOOK: u8 = 2;
    pub const PURGE: u8 = 3;
    pub const ROTATION: u8 = 4;
    pub const MOVE: u8 = 5;
    pub const KEY_CHECK: u8 = 6;
    pub const CONTROL_PLANE: u8 = 7;
    pub const AVAILABLE: u8 = 8;
    pub const CONNECTION: u8 = 9;
    pub const ALERT: u8 = 10;
}

#[derive(Clone, Debug)]
pub(super) enum Ev {
    /// A version's activation or expiry passes (R33: not an event of its
    /// own, but the moment servers must look again).
    TimeEdge {
        vault: VaultId,
        key: Text,
        version: u32,
        /// Expiry, else activation.
        expired: bool,
    },
    Scripted(u32),
    Step(u32),
    PurgeVault {
        vault: VaultId,
        since_s: u64,
    },
    PurgeKey {
        vault: VaultId,
        key: Text,
        since_s: u64,
    },
    ForgetIdentity {
        identity: u32,
        since_s: u64,
    },
    Rotate {
        vault: VaultId,
        key: Text,
        incarnation: u32,
    },
    Move(ServerId),
    Denial(ServerId),
    ControlPlane(ServerId),
    Available(ServerId),
    Connection(ServerId),
    ActivityEntry {
        server: ServerId,
        first_check_s: u64,
    },
    NearExpiry {
        alert: u32,
        vault: VaultId,
        key: Text,
        version: u32,
    },
    Notify {
        alert: u32,
        fired_at_s: u64,
    },
}

impl Ev {
    /// The one server the event concerns, if any.
    pub(super) fn server(&self) -> Option<ServerId> {
        match self {
            Ev::Move(id)
            | Ev::Denial(id)
            | Ev::ControlPlane(id)
            | Ev::Available(id)
            | Ev::Connection(id)
            | Ev::ActivityEntry { server: id, .. } => Some(*id),
            Ev::TimeEdge { .. }
            | Ev::Scripted(_)
            | Ev::Step(_)
            | Ev::PurgeVault { .. }
            | Ev::PurgeKey { .. }
            | Ev::ForgetIdentity { .. }
            | Ev::Rotate { .. }
            | Ev::NearExpiry { .. }
            | Ev::Notify { .. } => None,
        }
    }
}

/// How a run is asked for.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Overrides the scenario's seed.
    pub seed: Option<u64>,
    /// Which runbook to rehearse (default: the first).
    pub runbook: Option<String>,
    /// Keep the timeline and entity intervals (off for sweeps: speed).
    pub detailed: bool,
    /// Threads one run may use: a run whose servers cannot affect one
    /// another is split by servers among them (`super::shard`); the result
    /// does not depend on it. 1 (the default) runs on the calling thread.
    pub threads: usize,
    /// The fewest servers worth a thread of their own.
    pub min_servers_per_thread: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            seed: None,
            runbook: None,
            detailed: true,
            threads: 1,
            min_servers_per_thread: super::shard::MIN_SERVERS_PER_THREAD,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError {
    UnknownRunbook { name: String, known: Vec<String> },
    EventBudget { budget: u64, at_s: u64 },
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::UnknownRunbook { name, known } => write!(
                f,
                "no runbook named {name:?}; the scenario has {}",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ),
            RunError::EventBudget { budget, at_s } => write!(
                f,
                "the run stopped after {budget} events at t = {at_s} s: something keeps \
                 scheduling work (e.g. runbook steps that trigger each other with no delay); \
                 raise Timing(event_budget) if the scenario really needs more"
            ),
        }
    }
}

impl std::error::Error for RunError {}

/// Runs a plan once.
pub fn run(plan: &Plan, opts: &RunOptions) -> Result<RunResult, RunError> {
    let runbook = match &opts.runbook {
        Some(name) => Some(
            plan.runbook(Some(name))
                .ok_or_else(|| RunError::UnknownRunbook {
                    name: name.clone(),
                    known: plan.runbooks.iter().map(|r| r.name.clone()).collect(),
                })?,
        ),
        None => plan.runbook(None),
    };
    if let Some(slices) = super::shard::slices(plan, opts, runbook) {
        if let Some(result) = super::shard::run_sliced(plan, opts, runbook, &slices) {
            return Ok(result);
        }
    }
    let mut sim = Sim::new(plan, opts, runbook);
    sim.setup_world();
    sim.schedule_script();
    sim.run_loop()?;
    Ok(sim.finish())
}

pub(super) struct Sim<'p> {
    pub plan: &'p Plan,
    pub seed: u64,
    pub horizon_s: u64,
    pub detailed: bool,
    pub state: State,
    pub queue: EventQueue<Ev>,
    pub runbook: Option<&'p Runbook>,
    dirty: Vec<ServerId>,
    pub refused: Vec<Refusal>,
    pub alerts: Vec<AlertReport>,
    pub alert_counts: Vec<u64>,
    pub steps: Vec<StepRun>,
    pub timeline: Vec<TimelineEntry>,
    pub entities: EntityTracker,
    /// Pending near-expiry firings, by (alert, vault, key, version).
    pub near_expiry: std::collections::BTreeMap<
        (u32, VaultId, String, u32),
        Option<crate::engine::queue::Handle>,
    >,
    events_processed: u64,
    last_data_check_epoch: u64,
    /// The changes that touched servers since the last settle; a server's
    /// batch holds indices into it. Emptied once every server is settled.
    entries: Vec<BatchEntry>,
    /// Texts shared between reports.
    pub texts: Texts,
    /// The trigger text made from the last batch entry that started a loss.
    last_trigger: Option<(BatchEntry, Text)>,
    /// The servers this run keeps, as plan ids: all of them, or one
    /// shard's (`super::shard`). A server's `ServerId` is its plan id less
    /// `servers.start`.
    pub servers: std::ops::Range<u32>,
    /// Events processed that concern no one server (see `Ev::server`).
    pub world_events: u64,
    /// Whether an activity-log entry has a reader: the timeline or a
    /// KeyAccessFailure alert (R24, R25).
    activity_watched: bool,
    /// Control-plane changes kept out of the queue (`ControlPlane::Due`)
    /// that are due before the horizon and not yet applied or withdrawn:
    /// events the run will have processed, for the event budget.
    due_controls: u64,
}

impl<'p> Sim<'p> {
    pub(super) fn new(plan: &'p Plan, opts: &RunOptions, runbook: Option<&'p Runbook>) -> Self {
        Sim {
            plan,
            seed: opts.seed.unwrap_or(plan.file.seed),
            horizon_s: plan.file.horizon.0,
            detailed: opts.detailed,
            state: State::default(),
            queue: EventQueue::with_capacity(64),
            runbook,
            dirty: Vec::new(),
            refused: Vec::new(),
            alerts: Vec::new(),
            alert_counts: vec![0; plan.file.alerts.len()],
            steps: Vec::new(),
            timeline: Vec::new(),
            entities: EntityTracker::default(),
            near_expiry: Default::default(),
            events_processed: 0,
            last_data_check_epoch: 0,
            entries: Vec::new(),
            texts: Texts::default(),
            last_trigger: None,
            servers: 0..plan.servers.len() as u32,
            world_events: 0,
            activity_watched: opts.detailed
                || plan
                    .file
                    .alerts
                    .iter()
                    .any(|a| matches!(a.on, AlertOn::KeyAccessFailure { .. })),
            due_controls: 0,
        }
    }

    /// The id of the server of that name in this run, if it keeps it.
    pub fn server_id(&self, name: &str) -> Option<ServerId> {
        let id = self.plan.servers.get(name)?;
        self.servers.contains(&id).then(|| id - self.servers.start)
    }

    pub fn now(&self) -> u64 {
        self.state.now_s
    }

    /// A delay drawn from the stream of (seed, kind, name, purpose, index) (R32).
    pub fn draw(&self, kind: &str, name: &str, purpose: &str, index: u64, dist: Dist) -> u64 {
        random::draw(self.seed, kind, name, purpose, index, dist)
    }

    /// A delay drawn from the stream of a server's own (R32), continuing
    /// its key from the hash of its name made at its creation.
    pub fn draw_for(&self, id: ServerId, purpose: &str, index: u32, dist: Dist) -> u64 {
        let server = &self.state.servers[id as usize];
        debug_assert_eq!(
            server.draws,
            random::EntityKey::new(self.seed, "server", &server.name)
        );
        server.draws.draw(purpose, u64::from(index), dist)
    }

    pub fn schedule(
        &mut self,
        at_s: u64,
        group: u8,
        rank: u32,
        ev: Ev,
    ) -> Option<crate::engine::queue::Handle> {
        if at_s >= self.horizon_s {
            return None; // A run covers [0, horizon).
        }
        Some(self.queue.schedule(at_s, group, rank, ev))
    }

    pub fn log(
        &mut self,
        kind: &str,
        entity: &str,
        actor: &str,
        detail: String,
        result: Option<Outcome>,
    ) {
        if self.detailed {
            self.timeline.push(TimelineEntry {
                at_s: self.state.now_s,
                kind: kind.to_string(),
                entity: entity.to_string(),
                actor: actor.to_string(),
                detail,
                result,
            });
        }
    }

    pub(super) fn schedule_script(&mut self) {
        for (i, ev) in self.plan.file.events.iter().enumerate() {
            self.schedule(ev.at.0, group::SCRIPTED, i as u32, Ev::Scripted(i as u32));
        }
        if let Some(rb) = self.runbook {
            for (i, step) in rb.steps.iter().enumerate() {
                if let Trigger::At(t) = &step.on {
                    self.schedule(
                        t.0 + step.after.0,
                        group::RUNBOOK,
                        i as u32,
                        Ev::Step(i as u32),
                    );
                }
            }
        }
    }

    pub(super) fn run_loop(&mut self) -> Result<(), RunError> {
        let budget = self.plan.timing.event_budget;
        let result = self.event_loop(budget);
        // Control-plane changes kept out of the queue and still due are
        // counted when their windows are reported; the budget counts them
        // now (a run with a timeline would have stopped in the loop).
        if result.is_ok() && self.events_processed + self.due_controls > budget {
            return Err(RunError::EventBudget {
                budget,
                at_s: self.state.now_s,
            });
        }
        result
    }

    fn event_loop(&mut self, budget: u64) -> Result<(), RunError> {
        loop {
            let next = self.queue.peek_time().filter(|&t| t < self.horizon_s);
            if next != Some(self.state.now_s) {
                // The current second is over. Ending it may schedule work
                // (a loss's first check, a wait's end), even in this second.
                let had_work = !self.dirty.is_empty();
                self.end_second();
                if had_work {
                    continue;
                }
                match next {
                    Some(t) => self.state.now_s = t,
                    None => return Ok(()),
                }
                continue;
            }
            let Some((_, ev)) = self.queue.pop() else {
                return Ok(());
            };
            if ev_group(&ev) >= group::PURGE && !self.dirty.is_empty() {
                self.settle();
            }
            self.world_events += u64::from(ev.server().is_none());
            self.dispatch(ev);
            self.events_processed += 1;
            if self.events_processed > budget {
                return Err(RunError::EventBudget {
                    budget,
                    at_s: self.state.now_s,
                });
            }
        }
    }

    fn dispatch(&mut self, ev: Ev) {
        match ev {
            Ev::TimeEdge {
                vault,
                key,
                version,
                expired,
            } => self.time_edge(
                vault,
                &key,
                version,
                if expired { "expired" } else { "activated" },
            ),
            Ev::Scripted(i) => self.run_scripted(i as usize),
            Ev::Step(i) => self.run_step(i as usize),
            Ev::PurgeVault { vault, since_s } => self.service_purge_vault(vault, since_s),
            Ev::PurgeKey {
                vault,
                key,
                since_s,
            } => self.service_purge_key(vault, &key, since_s),
            Ev::ForgetIdentity { identity, since_s } => self.forget_identity(identity, since_s),
            Ev::Rotate {
                vault,
                key,
                incarnation,
            } => self.policy_rotation(vault, &key, incarnation),
            Ev::Move(s) => self.complete_move(s),
            Ev::Denial(s) => self.begin_denial(s),
            Ev::ControlPlane(s) => self.control_plane_inaccessible(s),
            Ev::Available(s) => self.return_to_available(s),
            Ev::Connection(s) => self.connection_attempt(s),
            Ev::ActivityEntry {
                server,
                first_check_s,
            } => self.activity_entry(server, first_check_s),
            Ev::NearExpiry {
                alert,
                vault,
                key,
                version,
            } => self.near_expiry_fires(alert, vault, &key, version),
            Ev::Notify { alert, fired_at_s } => self.notify(alert, fired_at_s),
        }
    }

    // ---- dirtiness and settling -------------------------------------------

    /// Marks a server for re-evaluation of R10, noting what touched it.
    pub fn touch(&mut self, id: ServerId, entry: Option<u32>) {
        let server = &mut self.state.servers[id as usize];
        if !server.is_live() {
            return;
        }
        if let Some(e) = entry {
            server.watch.batch.push(e);
        }
        if !server.watch.dirty {
            server.watch.dirty = true;
            self.dirty.push(id);
        }
    }

    pub fn touch_vault(&mut self, vault: VaultId, what: &str, by: &str, key: Option<&str>) {
        let list = std::mem::take(&mut self.state.vault_dependents[vault as usize]);
        // One entry, shared: a vault can serve a million servers.
        let entry = self.batch_entry(what, by, false);
        for &s in &list {
            let relevant = key.is_none_or(|k| self.server_uses_key(s, vault, k));
            if relevant {
                self.touch(s, Some(entry));
            }
        }
        self.state.vault_dependents[vault as usize] = list;
        self.entities.changed = true;
    }

    /// A grant change (R7) concerns only the servers whose primary or
    /// geo-backup binding on this vault uses the principal: another
    /// identity's role is neither a loss's trigger nor a step of its way
    /// back (R30).
    pub fn touch_grantee(&mut self, vault: VaultId, what: &str, by: &str, principal: u64) {
        let list = std::mem::take(&mut self.state.vault_dependents[vault as usize]);
        let entry = self.batch_entry(what, by, false);
        for &s in &list {
            let uses = self.state.servers[s as usize]
                .cmk
                .as_ref()
                .is_some_and(|c| {
                    (c.primary.vault == vault && c.primary.principal == principal)
                        || c.geo
                            .as_ref()
                            .is_some_and(|g| g.vault == vault && g.principal == principal)
                });
            if uses {
                self.touch(s, Some(entry));
            }
        }
        self.state.vault_dependents[vault as usize] = list;
        self.entities.changed = true;
    }

    pub fn touch_identity(&mut self, identity: u32, what: &str, by: &str) {
        let list = std::mem::take(&mut self.state.identity_dependents[identity as usize]);
        let entry = self.batch_entry(what, by, false);
        for &s in &list {
            self.touch(s, Some(entry));
        }
        self.state.identity_dependents[identity as usize] = list;
        self.entities.changed = true;
    }

    /// What touched a server, as an index into this second's changes; the
    /// previous entry when it is the same (creating a fleet touches each
    /// member with one entry).
    pub fn batch_entry(&mut self, what: &str, by: &str, revalidation: bool) -> u32 {
        let now = self.state.now_s;
        if let Some(last) = self.entries.last() {
            if last.at_s == now
                && *last.what == *what
                && *last.by == *by
                && last.revalidation == revalidation
            {
                return (self.entries.len() - 1) as u32;
            }
        }
        self.entries.push(BatchEntry {
            at_s: now,
            what: self.texts.get(what),
            by: self.texts.get(by),
            revalidation,
        });
        (self.entries.len() - 1) as u32
    }

    fn server_uses_key(&self, s: ServerId, vault: VaultId, key: &str) -> bool {
        let Some(cmk) = &self.state.servers[s as usize].cmk else {
            return false;
        };
        let primary = cmk.primary.vault == vault && *cmk.primary.key == *key;
        let source = cmk
            .restore_source
            .as_ref()
            .is_some_and(|x| x.vault == vault && *x.key == *key);
        let geo = cmk
            .geo
            .as_ref()
            .is_some_and(|g| g.vault == vault && g.reference.key == key);
        primary || source || geo
    }

    /// Re-evaluates R10 for every touched server (R20–R22 transitions).
    fn settle(&mut self) {
        let mut dirty = std::mem::take(&mut self.dirty);
        for &id in &dirty {
            self.settle_server(id);
        }
        // The list's memory serves the next settle.
        dirty.clear();
        if self.dirty.is_empty() {
            self.dirty = dirty;
        }
        if self.dirty.is_empty() {
            // No server holds an index into this second's changes any more.
            self.entries.clear();
        }
    }

    fn settle_server(&mut self, id: ServerId) {
        let now = self.state.now_s;
        let idx = id as usize;
        self.state.servers[idx].watch.dirty = false;
        if !self.state.servers[idx].is_live() {
            self.state.servers[idx].watch.batch.clear();
            return;
        }
        let causes = server_causes(&self.state, id, &self.state.servers[idx]);
        let access = causes.is_empty();
        let batch = std::mem::take(&mut self.state.servers[idx].watch.batch);
        let (was_access, old_mask) = {
            let w = &self.state.servers[idx].watch;
            (w.access, w.mask)
        };
        // R30: the actions that removed a cause belong to the recovery path.
        if let Some(open) = self.state.servers[idx].watch.loss.open_mut() {
            // R30: an action belongs to the recovery path when it removed a
            // cause and added none but those the removed one had hidden (a
            // purge replaces causes; it heals nothing).
            if old_mask.removed_in(causes.mask) && !old_mask.adds_new_harm(causes.mask) {
                let entries = batch.iter().map(|&i| &self.entries[i as usize]);
                for b in entries.filter(|b| !b.revalidation) {
                    open.window.recovery.reserve_exact(1);
                    open.window.recovery.push(RecoveryStep {
                        at_s: b.at_s,
                        kind: StepKind::Action,
                        what: b.what.clone(),
                        by: b.by.clone(),
                        wait_s: None,
                    });
                }
            }
            if causes.mask.has_identity_cause() {
                open.identity_seen = true;
            }
        }
        match (was_access, access) {
            (true, false) => {
                if self.state.servers[idx].watch.loss.open().is_some() {
                    self.access_lost_during_wait(id);
                } else {
                    // Built by hand: no formatting machinery for a
                    // deletion that touches a million servers.
                    let first = batch.first().map(|&i| self.entries[i as usize].clone());
                    let trigger = self.trigger(first.as_ref());
                    let at_once = std::mem::take(&mut self.state.servers[idx].watch.deny_at_once);
                    self.start_loss(id, trigger, at_once);
                }
            }
            (false, true) => {
                if self.state.servers[idx].watch.loss.pending().is_some() {
                    self.unseen_loss_ends(id);
                } else if self.state.servers[idx].watch.loss.open().is_some() {
                    self.start_wait(id);
                }
            }
            _ => {}
        }
        let w = &mut self.state.servers[idx].watch;
        w.access = access;
        w.mask = causes.mask;
        if let Some(p) = w.loss.pending_mut() {
            p.identity_seen |= causes.mask.has_identity_cause();
        }
        self.note_loss_causes(id, &causes);
        self.track_geo(id);
        if self.state.purge_epoch != self.last_data_check_epoch || now == 0 {
            self.check_data_loss(id);
        }
    }

    /// End of a second: settle what is left.
    fn end_second(&mut self) {
        self.settle();
        self.last_data_check_epoch = self.state.purge_epoch;
        if self.detailed && self.entities.changed {
            self.entities.snapshot(&self.state);
        }
    }

    /// R30: a loss's causes are those at the end of its second. Whatever
    /// changes a server's causes touches it, so a server changed again
    /// later in the second is settled again: the causes of its last settle
    /// in the second are the ones at its end.
    fn note_loss_causes(&mut self, id: ServerId, causes: &Causes) {
        let now = self.state.now_s;
        let server = &self.state.servers[id as usize];
        let w = &server.watch;
        let pending = w.loss.pending().is_some_and(|p| p.lost_at_s == now);
        let open = w
            .loss
            .open()
            .is_some_and(|o| u64::from(o.window.lost_at_s) == now);
        let unseen = || {
            server
                .report
                .rare
                .as_ref()
                .and_then(|r| r.unseen_losses.last())
                .is_some_and(|u| u.from_s == now)
        };
        if !pending && !open && !unseen() {
            return;
        }
        let reports = render_causes(&self.texts, &self.state, causes);
        let server = &mut self.state.servers[id as usize];
        if pending {
            if let Some(p) = server.watch.loss.pending_mut() {
                p.causes = reports;
            }
        } else if open {
            if let Some(o) = server.watch.loss.open_mut() {
                o.window.causes = reports;
            }
        } else if let Some(u) = server
            .report
            .rare
            .as_mut()
            .and_then(|r| r.unseen_losses.last_mut())
        {
            u.causes = reports.into_vec();
        }
    }

    /// R30: a loss's trigger, "what by whom", from the first thing that
    /// touched the server this second. A change that touches many servers
    /// gives them all one shared text.
    fn trigger(&mut self, first: Option<&BatchEntry>) -> Text {
        let Some(b) = first else {
            return self.texts.get("a change of stored state");
        };
        if let Some((last, text)) = &self.last_trigger {
            if std::sync::Arc::ptr_eq(&last.what, &b.what)
                && std::sync::Arc::ptr_eq(&last.by, &b.by)
            {
                return text.clone();
            }
        }
        let text: Text = [&*b.what, " by ", &*b.by].concat().into();
        self.last_trigger = Some((b.clone(), text.clone()));
        text
    }

    // ---- R20–R22: loss, denial, control plane, wait, Available -------------

    /// R20: a loss at now. `at_once`: a Single copy denies from creation (R39).
    pub fn start_loss(&mut self, id: ServerId, trigger: Text, at_once: bool) {
        let now = self.state.now_s;
        let cadence = self.plan.timing.key_check_every_s;
        let dist = self.plan.timing.inaccessible_after;
        let server = &mut self.state.servers[id as usize];
        let k = server.watch.losses;
        server.watch.losses += 1;
        let denial_s = if at_once {
            now
        } else {
            server.next_check_at_or_after(now, cadence)
        };
        let inaccessible_after = self.draw_for(id, "inaccessible_after", k, dist);
        let control_s = (now + inaccessible_after).max(denial_s);
        let denial = self
            .queue
            .schedule(denial_s, group::KEY_CHECK, id, Ev::Denial(id));
        let control = if self.detailed {
            ControlPlane::Queued(self.queue.schedule(
                control_s,
                group::CONTROL_PLANE,
                id,
                Ev::ControlPlane(id),
            ))
        } else {
            self.due_controls += u64::from(control_s < self.horizon_s);
            ControlPlane::Due(control_s)
        };
        let server = &mut self.state.servers[id as usize];
        server.watch.access = false;
        // The log line is formatted before the trigger moves into the
        // pending loss, and only when a timeline is kept.
        let detail = self.detailed.then(|| {
            format!(
                "key access lost ({trigger}); the next key check is at {}",
                at(denial_s)
            )
        });
        server.watch.loss.set_pending(PendingLoss {
            lost_at_s: now,
            trigger,
            denial,
            control,
            causes: CauseList::new(),
            identity_seen: false,
        });
        if let Some(detail) = detail {
            let name = self.state.servers[id as usize].name.clone();
            self.log("KeyAccessLost", &name, "service", detail, None);
        }
    }

    /// R21: access came back before the denial began.
    fn unseen_loss_ends(&mut self, id: ServerId) {
        let now = self.state.now_s;
        let server = &mut self.state.servers[id as usize];
        let Some(p) = server.watch.loss.take_pending() else {
            return;
        };
        let name = server.name.clone();
        self.queue.cancel(p.denial);
        self.end_control(Some(p.control), now);
        let server = &mut self.state.servers[id as usize];
        server.report.rare().unseen_losses.reserve_exact(1);
        server.report.rare().unseen_losses.push(Interval {
            from_s: p.lost_at_s,
            until_s: Some(now),
            causes: p.causes.into_vec(),
        });
        self.log(
            "UnseenLoss",
            &name,
            "service",
            format!(
                "key access back before any key check saw the loss at {}",
                p.lost_at_s
            ),
            None,
        );
    }

    /// R20: the first key check at or after the loss fails: denial begins.
    fn begin_denial(&mut self, id: ServerId) {
        let now = self.state.now_s;
        let server = &mut self.state.servers[id as usize];
        let identity_cause = server.watch.mask.has_identity_cause();
        let opened = server.watch.loss.open_window(|p| OpenWindow {
            window: WindowRec {
                lost_at_s: sec(p.lost_at_s),
                denied_from_s: sec(now),
                denied_until_s: None,
                inaccessible_from_s: None,
                inaccessible_until_s: None,
                health_from_s: None,
                health_until_s: None,
                access_restored_at_s: None,
                failed_first_s: sec(now),
                failed_last_s: sec(now),
                failed_count: 0,
                trigger: p.trigger,
                causes: p.causes,
                recovery: Vec::new(),
            },
            control: Some(p.control),
            available: None,
            identity_seen: p.identity_seen || identity_cause,
            false_since_s: Some(now),
            first_alert_s: None,
        });
        if !opened {
            return;
        }
        server.watch.windows += 1;
        let k = server.watch.windows - 1;
        // R24: the window's failed checks are one activity-log record; it
        // appears a delay after the first.
        let dist = self.plan.timing.activity_log_delay;
        if self.activity_watched {
            let delay = self.draw_for(id, "activity_log_delay", k, dist);
            let entry = Ev::ActivityEntry {
                server: id,
                first_check_s: now,
            };
            self.schedule(now + delay, group::ALERT, id, entry);
        } else if now + dist.max_s() < self.horizon_s
            || now + self.draw_for(id, "activity_log_delay", k, dist) < self.horizon_s
        {
            // Nobody reads the entry (no timeline, no KeyAccessFailure
            // alert): it is counted as processed without a trip through the
            // queue, and drawn only when the horizon may come first (each
            // draw has a stream of its own, R32), so the run's event count
            // is the same either way.
            self.events_processed += 1;
        }
        if self.detailed {
            let name = self.state.servers[id as usize].name.clone();
            self.log(
                "DenyingConnections",
                &name,
                "service",
                "key check failed: the server starts denying connections".into(),
                None,
            );
        }
        self.ensure_traffic(id);
    }

    /// A window or pending loss ends: its control-plane change is
    /// withdrawn, or, when it was kept out of the queue and due before
    /// `before_s`, it has happened. Returns the second it happened, which
    /// counts as the event it stands for.
    fn end_control(&mut self, control: Option<ControlPlane>, before_s: u64) -> Option<u64> {
        match control? {
            ControlPlane::Queued(h) => {
                self.queue.cancel(h);
                None
            }
            ControlPlane::Due(t) => {
                if t >= self.horizon_s {
                    return None;
                }
                self.due_controls -= 1;
                if t >= before_s {
                    return None;
                }
                self.events_processed += 1;
                Some(t)
            }
        }
    }

    fn control_plane_inaccessible(&mut self, id: ServerId) {
        let now = self.state.now_s;
        let server = &mut self.state.servers[id as usize];
        let Some(open) = server.watch.loss.open_mut() else {
            return;
        };
        open.control = None;
        open.window.inaccessible_from_s = Some(sec(now));
        if !self.detailed {
            return;
        }
        let name = server.name.clone();
        self.log(
            "ControlPlaneInaccessible",
            &name,
            "service",
            "the control plane shows the server Inaccessible".into(),
            None,
        );
    }

    /// R22: access is back during a window; the wait begins.
    fn start_wait(&mut self, id: ServerId) {
        let now = self.state.now_s;
        let cadence = self.plan.timing.key_check_every_s;
        let server = &mut self.state.servers[id as usize];
        let Some(open) = server.watch.loss.open_mut() else {
            return;
        };
        close_false_stretch(open, now, server.created_at_s + server.phase_s, cadence);
        open.window.access_restored_at_s = Some(sec(now));
        let (dist, purpose) = wait_setting(&self.plan.timing, open.identity_seen);
        let k = server.watch.waits[usize::from(open.identity_seen)];
        server.watch.waits[usize::from(open.identity_seen)] += 1;
        let wait_s = self.draw_for(id, purpose, k, dist);
        let h = self
            .queue
            .schedule(now + wait_s, group::AVAILABLE, id, Ev::Available(id));
        if let Some(open) = self.state.servers[id as usize].watch.loss.open_mut() {
            open.available = Some((h, now + wait_s));
        }
        if !self.detailed {
            return;
        }
        let name = self.state.servers[id as usize].name.clone();
        self.log(
            "KeyAccessRestored",
            &name,
            "service",
            format!(
                "key access is back; the server waits {purpose} ({})",
                format_duration(wait_s)
            ),
            None,
        );
    }

    /// R22: R10 turned false again during the wait: the window goes on.
    fn access_lost_during_wait(&mut self, id: ServerId) {
        let now = self.state.now_s;
        let server = &mut self.state.servers[id as usize];
        let name = server.name.clone();
        let Some(open) = server.watch.loss.open_mut() else {
            return;
        };
        if let Some((h, _)) = open.available.take() {
            self.queue.cancel(h);
        }
        open.false_since_s = Some(now);
        open.window.access_restored_at_s = None;
        self.log(
            "KeyAccessLost",
            &name,
            "service",
            "key access lost again during the wait: the window goes on".into(),
            None,
        );
    }

    /// R22: `Revalidate` during the wait ends it at min(end, now + fresh draw).
    pub fn revalidate(&mut self, id: ServerId, by: &str) -> bool {
        let now = self.state.now_s;
        let server = &mut self.state.servers[id as usize];
        let Some(open) = server.watch.loss.open_mut() else {
            return false;
        };
        let Some((h, end)) = open.available else {
            return false;
        };
        let (dist, purpose) = wait_setting(&self.plan.timing, open.identity_seen);
        let k = server.watch.waits[usize::from(open.identity_seen)];
        server.watch.waits[usize::from(open.identity_seen)] += 1;
        let fresh = self.draw_for(id, purpose, k, dist);
        if now + fresh < end {
            self.queue.cancel(h);
            let h2 = self
                .queue
                .schedule(now + fresh, group::AVAILABLE, id, Ev::Available(id));
            let open = self.state.servers[id as usize]
                .watch
                .loss
                .open_mut()
                .expect("open window");
            open.available = Some((h2, now + fresh));
            open.window.recovery.push(RecoveryStep {
                at_s: now,
                kind: StepKind::Revalidate,
                what: format!(
                    "revalidation brings Available forward to {}",
                    at(now + fresh)
                )
                .into(),
                by: self.texts.get(by),
                wait_s: Some(fresh),
            });
            return true;
        }
        false
    }

    fn return_to_available(&mut self, id: ServerId) {
        let now = self.state.now_s;
        let server = &mut self.state.servers[id as usize];
        // The event may have left the queue just before this second's
        // changes were settled: a relapse in this very second cancels the
        // wait (R22), and then the window goes on.
        if server
            .watch
            .loss
            .open()
            .and_then(|o| o.available)
            .is_none_or(|(_, end)| end != now)
        {
            return;
        }
        let Some(mut open) = server.watch.loss.take_open() else {
            return;
        };
        // R33: the control plane's change comes before Available in a second.
        if let Some(t) = self.end_control(open.control.take(), now + 1) {
            open.window.inaccessible_from_s = Some(sec(t));
        }
        let server = &mut self.state.servers[id as usize];
        let w = &mut open.window;
        let now32 = sec(now);
        w.denied_until_s = Some(now32);
        if w.inaccessible_from_s.is_some() {
            w.inaccessible_until_s = Some(now32);
        }
        if w.health_from_s.is_some() {
            w.health_until_s = Some(now32);
        }
        if let Some(t1) = w.access_restored_at_s {
            let (_, purpose) = wait_setting(&self.plan.timing, open.identity_seen);
            w.recovery.reserve_exact(1);
            w.recovery.push(RecoveryStep {
                at_s: u64::from(t1),
                kind: StepKind::Wait,
                what: self.texts.get(purpose),
                by: self.texts.get("service"),
                wait_s: Some(u64::from(now32 - t1)),
            });
        }
        // Most servers have one window: no room for four.
        server.report.windows.reserve_exact(1);
        server.report.windows.push(open.window);
        if !server.tls_mismatch() {
            if let Some(h) = server.watch.connection.take() {
                self.queue.cancel(h);
            }
        }
        if !self.detailed {
            return;
        }
        let name = self.state.servers[id as usize].name.clone();
        self.log(
            "Available",
            &name,
            "service",
            "the server is Available again".into(),
            None,
        );
    }

    /// `DeleteServer`: whatever is pending for the server ends now.
    pub fn delete_server(&mut self, id: ServerId) {
        let now = self.state.now_s;
        let server = &mut self.state.servers[id as usize];
        server.presence = super::server::Presence::Deleted;
        server.report.rare().deleted_at_s = Some(now);
        let w = &mut server.watch;
        let mut handles: Vec<crate::engine::queue::Handle> =
            w.connection.take().into_iter().collect();
        // A loss is either pending or open, never both.
        let pending = w.loss.take_pending();
        let mut open = w.loss.take_open();
        if let Some(p) = pending {
            // R21: unseen means access came back before the check; here
            // the server is gone first, so there is nothing to report.
            handles.push(p.denial);
            self.end_control(Some(p.control), now);
        }
        if let Some(open) = open.as_mut() {
            // A deletion is a scripted event or a runbook step: it comes
            // before the control plane's change in its second (R33).
            if let Some(t) = self.end_control(open.control.take(), now) {
                open.window.inaccessible_from_s = Some(sec(t));
            }
        }
        let server = &mut self.state.servers[id as usize];
        if let Some(mut open) = open {
            handles.extend(open.available.take().map(|(h, _)| h));
            let cadence = self.plan.timing.key_check_every_s;
            close_false_stretch(
                &mut open,
                now,
                server.created_at_s + server.phase_s,
                cadence,
            );
            let win = &mut open.window;
            let now32 = sec(now);
            win.denied_until_s = Some(now32);
            win.inaccessible_until_s = win.inaccessible_from_s.map(|_| now32);
            win.health_until_s = win.health_from_s.map(|_| now32);
            server.report.windows.push(open.window);
        }
        if let Some(mut inc) = server.watch.tls_open.take() {
            inc.until_s = Some(now);
            server.report.rare().tls_incidents.push(*inc);
        }
        if let Some(m) = server.cmk.as_mut().and_then(|c| c.pending_move.take()) {
            handles.push(m.handle);
        }
        for h in handles {
            self.queue.cancel(h);
        }
    }

    // ---- R23: connection attempts and resource health; R40 TLS -------------

    /// Schedules the next connection attempt when one could change anything:
    /// while denying before resource health noticed, or while TLS refuses.
    pub fn ensure_traffic(&mut self, id: ServerId) {
        let now = self.state.now_s;
        let server = &self.state.servers[id as usize];
        if server.watch.connection.is_some() || !server.is_live() {
            return;
        }
        let Some(every) = server.workload.every else {
            return;
        };
        let health_pending = server
            .watch
            .loss
            .open()
            .is_some_and(|o| o.window.health_from_s.is_none());
        if !(health_pending || server.tls_mismatch()) {
            return;
        }
        let k = server.watch.connections;
        let mut rng = server.draws.stream("connection", u64::from(k));
        let gap = random::exponential_s(&mut rng, every.0.max(1));
        self.state.servers[id as usize].watch.connections += 1;
        let h = self.schedule(now + gap, group::CONNECTION, id, Ev::Connection(id));
        self.state.servers[id as usize].watch.connection = h;
    }

    fn connection_attempt(&mut self, id: ServerId) {
        let now = self.state.now_s;
        let server = &mut self.state.servers[id as usize];
        server.watch.connection = None;
        if !server.is_live() {
            return;
        }
        let name = server.name.clone();
        if server.tls_mismatch() {
            let client = server.workload.tls;
            match server.watch.tls_open.as_mut() {
                Some(inc) => inc.attempts += 1,
                None => {
                    server.watch.tls_open = Some(Box::new(crate::result::TlsIncident {
                        from_s: now,
                        until_s: None,
                        attempts: 1,
                        client_tls: client.as_str().to_string(),
                    }));
                    self.log(
                        "TlsRefused",
                        &name,
                        "client",
                        format!("a client with TLS {} is refused (R40)", client.as_str()),
                        None,
                    );
                }
            }
        } else if let Some(open) = server.watch.loss.open_mut() {
            if open.window.health_from_s.is_none() {
                open.window.health_from_s = Some(sec(now));
                self.log(
                    "ResourceHealthInaccessible",
                    &name,
                    "client",
                    "a connection is refused for key loss: resource health shows Inaccessible"
                        .into(),
                    None,
                );
                self.fire_server_alerts(id, |on| matches!(on, AlertOn::ResourceHealth { .. }));
            }
        }
        self.ensure_traffic(id);
    }

    /// R40: TLS acceptance may have changed; close an incident that ended.
    pub fn tls_changed(&mut self, id: ServerId) {
        let now = self.state.now_s;
        let server = &mut self.state.servers[id as usize];
        if !server.tls_mismatch() {
            if let Some(mut inc) = server.watch.tls_open.take() {
                inc.until_s = Some(now);
                server.report.rare().tls_incidents.push(*inc);
            }
        }
        self.ensure_traffic(id);
    }

    // ---- R24–R27: activity log, alerts, runbook ---------------------------

    fn activity_entry(&mut self, id: ServerId, first_check_s: u64) {
        if self.detailed {
            let name = self.state.servers[id as usize].name.clone();
            self.log(
                "ActivityLog",
                &name,
                "service",
                format!("activity log: key check failed at {}", at(first_check_s)),
                None,
            );
        }
        self.fire_server_alerts(id, |on| matches!(on, AlertOn::KeyAccessFailure { .. }));
    }

    fn fire_server_alerts(&mut self, id: ServerId, kind: impl Fn(&AlertOn) -> bool) {
        let name = &self.state.servers[id as usize].name;
        let matching: Vec<u32> = self
            .plan
            .file
            .alerts
            .iter()
            .enumerate()
            .filter(|(_, a)| kind(&a.on) && alert_server(&a.on) == Some(&**name))
            .map(|(i, _)| i as u32)
            .collect();
        for a in matching {
            self.fire_alert(a);
        }
    }

    /// R25: an alert fires now; its notification arrives `alert_delay` later.
    pub fn fire_alert(&mut self, alert: u32) {
        let now = self.state.now_s;
        let name = self.plan.file.alerts[alert as usize].name.clone();
        let k = self.alert_counts[alert as usize];
        self.alert_counts[alert as usize] += 1;
        let delay = self.draw(
            "alert",
            &name,
            "alert_delay",
            k,
            self.plan.timing.alert_delay,
        );
        self.log("AlertFired", &name, "monitor", "alert fired".into(), None);
        self.schedule(
            now + delay,
            group::ALERT,
            alert,
            Ev::Notify {
                alert,
                fired_at_s: now,
            },
        );
    }

    fn near_expiry_fires(&mut self, alert: u32, vault: VaultId, key: &str, version: u32) {
        let slot = self
            .near_expiry
            .get_mut(&(alert, vault, key.to_string(), version));
        if let Some(slot) = slot {
            *slot = None; // Fired: once per version (R25).
        }
        self.fire_alert(alert);
    }

    fn notify(&mut self, alert: u32, fired_at_s: u64) {
        let now = self.state.now_s;
        let name = self.plan.file.alerts[alert as usize].name.clone();
        self.alerts.push(AlertReport {
            name: name.clone(),
            fired_at_s,
            notified_at_s: now,
        });
        self.log(
            "AlertNotified",
            &name,
            "monitor",
            "notification delivered".into(),
            None,
        );
        let Some(rb) = self.runbook else { return };
        for (i, step) in rb.steps.iter().enumerate() {
            if matches!(&step.on, Trigger::Alert(a) if *a == name) {
                self.schedule(
                    now + step.after.0,
                    group::RUNBOOK,
                    i as u32,
                    Ev::Step(i as u32),
                );
            }
        }
    }

    fn run_scripted(&mut self, i: usize) {
        let ev = &self.plan.file.events[i];
        let by = ev.by.clone().unwrap_or_else(|| "script".to_string());
        let step = ev.name.clone();
        let outcome = self.act(&ev.action, &by, step.as_deref());
        self.record_step(
            step.unwrap_or_else(|| format!("event {}", i + 1)),
            None,
            &ev.action,
            outcome,
        );
    }

    fn run_step(&mut self, i: usize) {
        let Some(rb) = self.runbook else { return };
        let step = &rb.steps[i];
        let outcome = self.act(&step.action, &rb.name, Some(&step.name));
        self.record_step(
            step.name.clone(),
            Some(rb.name.clone()),
            &step.action,
            outcome,
        );
        // R27: After(step) follows every run, succeeded or refused.
        let now = self.state.now_s;
        for (j, next) in rb.steps.iter().enumerate() {
            if matches!(&next.on, Trigger::After(s) if *s == step.name) {
                self.schedule(
                    now + next.after.0,
                    group::RUNBOOK,
                    j as u32,
                    Ev::Step(j as u32),
                );
            }
        }
    }

    fn record_step(
        &mut self,
        step: String,
        runbook: Option<String>,
        action: &crate::scenario::format::Action,
        outcome: (Outcome, Option<String>),
    ) {
        self.steps.push(StepRun {
            step,
            runbook,
            at_s: self.state.now_s,
            action: action.kind().to_string(),
            result: outcome.0,
            reason: outcome.1,
        });
    }

    // ---- R11 and R31 -------------------------------------------------------

    fn track_geo(&mut self, id: ServerId) {
        let now = self.state.now_s;
        let server = &self.state.servers[id as usize];
        let Some(causes) = geo_causes(&self.state, id, server) else {
            return;
        };
        match (server.watch.geo_open.is_some(), causes.is_empty()) {
            (false, false) => {
                let reports = render_causes(&self.texts, &self.state, &causes);
                self.state.servers[id as usize].watch.geo_open = Some(Box::new(Interval {
                    from_s: now,
                    until_s: None,
                    causes: reports.into_vec(),
                }));
            }
            (true, true) => {
                let server = &mut self.state.servers[id as usize];
                let mut iv = server.watch.geo_open.take().expect("open geo interval");
                iv.until_s = Some(now);
                server.report.rare().geo_backup_unusable.push(*iv);
            }
            _ => {}
        }
    }

    /// R31: lost when every version the data depends on is purged with no
    /// backup, and no geo-backup with a living key remains.
    fn check_data_loss(&mut self, id: ServerId) {
        let server = &self.state.servers[id as usize];
        if server.report.data_lost_at_s().is_some() {
            return;
        }
        let Some(cmk) = &server.cmk else { return };
        // Checked before any name is formatted: at t = 0 every server is
        // checked, and almost always its material is alive.
        let materials = [
            Some(cmk.primary.material),
            cmk.pending_move.as_ref().map(|m| m.material),
            cmk.restore_source.as_ref().map(|src| src.material),
        ];
        if materials
            .into_iter()
            .flatten()
            .any(|m| self.state.material_alive(m))
        {
            return;
        }
        let mut deps = vec![(
            cmk.primary.material,
            cmk.reference.to_string(),
            cmk.primary.version,
        )];
        if let Some(m) = &cmk.pending_move {
            deps.push((m.material, cmk.reference.to_string(), m.version));
        }
        if let Some(src) = &cmk.restore_source {
            let vault = &self.state.vaults[src.vault as usize].name;
            deps.push((src.material, format!("{}/{}", vault, src.key), src.version));
        }
        if let Some(geo) = &cmk.geo {
            let b = self.state.resolve_geo(geo);
            if self.state.material_alive(b.material) {
                return;
            }
        }
        let versions: Vec<String> = deps
            .iter()
            .map(|(_, r, n)| {
                let base = r.rsplitn(2, '/').last().unwrap_or(r);
                if r.matches('/').count() == 2 {
                    format!("{base}/{n}")
                } else {
                    format!("{r}/{n}")
                }
            })
            .collect();
        let reason = format!(
            "every key version the data depends on ({}) is purged and held by no key backup{}",
            versions.join(", "),
            if cmk.geo.is_some() {
                ", and the geo-backup key is gone too"
            } else {
                "; there is no geo-backup"
            }
        );
        let name = server.name.clone();
        let now = self.state.now_s;
        let server = &mut self.state.servers[id as usize];
        server.report.rare().data_lost_at_s = Some(now);
        server.report.rare().data_lost_reason = Some(reason.clone());
        self.log("DataLost", &name, "service", reason, None);
    }

    /// The alerts that speak of this server: its resource health and
    /// activity log, and the near-expiry of the key it uses.
    fn alerts_about(&self, s: &super::server::Server) -> Vec<String> {
        let key = s.cmk.as_ref().map(|c| {
            (
                self.state.vaults[c.primary.vault as usize].name.as_str(),
                &*c.primary.key,
            )
        });
        self.plan
            .file
            .alerts
            .iter()
            .filter(|a| match &a.on {
                AlertOn::ResourceHealth { server } | AlertOn::KeyAccessFailure { server } => {
                    **server == *s.name
                }
                AlertOn::NearExpiry { vault, key: k, .. } => {
                    key == Some((vault.as_str(), k.as_str()))
                }
            })
            .map(|a| a.name.clone())
            .collect()
    }

    fn finish(self) -> RunResult {
        let plan = self.plan;
        let mut result = self.report();
        result.expectations = crate::result::expect::evaluate(&plan.file.expect, &result);
        result
    }

    /// The result of one slice of servers (`super::shard`), without
    /// expectations (they are judged once the slices are joined) and
    /// without servers, and the number of events that concerned no one
    /// server. The slice's server reports are written to `out`, one for
    /// each of its servers in order; `None` (and nothing left in `out`)
    /// when a server was never created, which the join cannot place.
    pub(super) fn finish_slice_into(
        mut self,
        out: &mut [std::mem::MaybeUninit<ServerReport>],
    ) -> Option<(RunResult, u64)> {
        assert_eq!(out.len(), self.state.servers.len(), "one place a server");
        let world_events = self.world_events;
        // Reports come from the last server back: `written..` is filled.
        let mut written = out.len();
        let complete = self.report_servers(|i, report| {
            if i + 1 != written {
                return false;
            }
            out[i].write(report);
            written = i;
            true
        });
        if !complete || written != 0 {
            for place in &mut out[written..] {
                // SAFETY: `written..` holds the reports written above, each
                // once, and nothing else reads them.
                unsafe { place.assume_init_drop() };
            }
            return None;
        }
        Some((self.into_result(Vec::new()), world_events))
    }

    /// Everything the run recorded, expectations aside.
    fn report(mut self) -> RunResult {
        let mut servers = Vec::with_capacity(self.state.servers.len());
        self.report_servers(|_, report| {
            servers.push(report);
            true
        });
        // Built from the last server back.
        servers.reverse();
        self.into_result(servers)
    }

    /// Makes each created server's report, from the last server back, and
    /// hands it to `emit` with the server's position. Stops when `emit`
    /// returns false; returns whether every server was created and
    /// reported.
    fn report_servers(&mut self, mut emit: impl FnMut(usize, ServerReport) -> bool) -> bool {
        // Servers handed back at a time while their reports are built: a
        // large block shrinks in place, so the state's memory goes back
        // about as fast as the reports take it.
        const SHRINK_STEP: usize = 1 << 16;
        let horizon = self.horizon_s;
        let cadence = self.plan.timing.key_check_every_s;
        let with_metrics = !self.plan.file.alerts.is_empty() || self.runbook.is_some();
        // Nothing is pending any more: the queue's memory goes back before
        // the reports are built.
        drop(std::mem::take(&mut self.queue));
        drop(std::mem::take(&mut self.entries));
        let mut state_servers = std::mem::take(&mut self.state.servers);
        let mut every = true;
        // From the last server back, handing the state's memory back as it
        // empties, so that a large fleet does not hold its state and its
        // reports at once.
        while let Some(mut s) = state_servers.pop() {
            if state_servers.len() + SHRINK_STEP < state_servers.capacity() {
                state_servers.shrink_to_fit();
            }
            // A loss still waiting for its first check at the horizon is
            // neither a window (no check saw it) nor unseen (R21: access
            // never came back): the run ended first.
            drop(s.watch.loss.take_pending());
            if let Some(mut open) = s.watch.loss.take_open() {
                // Still Inaccessible at the horizon, if its turn came.
                if let Some(t) = self.end_control(open.control.take(), horizon) {
                    open.window.inaccessible_from_s = Some(sec(t));
                }
                close_false_stretch(&mut open, horizon, s.created_at_s + s.phase_s, cadence);
                s.report.windows.push(open.window);
            }
            if let Some(inc) = s.watch.tls_open.take() {
                s.report.rare().tls_incidents.push(*inc);
            }
            if let Some(iv) = s.watch.geo_open.take() {
                s.report.rare().geo_backup_unusable.push(*iv);
            }
            if s.presence == super::server::Presence::NotCreated && s.report.created_at_s.is_none()
            {
                every = false;
                continue;
            }
            let alerts: Vec<&AlertReport> = if with_metrics {
                let mine = self.alerts_about(&s);
                self.alerts
                    .iter()
                    .filter(|a| mine.contains(&a.name))
                    .collect()
            } else {
                Vec::new()
            };
            let mut report = s.report.into_report(s.name, horizon);
            if with_metrics {
                for w in &mut report.windows {
                    add_metrics(w, &alerts, &self.steps, horizon);
                }
            }
            if !emit(state_servers.len(), report) {
                return false;
            }
        }
        every
    }

    /// The run's result around these server reports.
    fn into_result(mut self, servers: Vec<ServerReport>) -> RunResult {
        let horizon = self.horizon_s;
        let entities = if self.detailed {
            std::mem::take(&mut self.entities).finish(&self.state)
        } else {
            Vec::new()
        };
        RunResult {
            scenario: self.plan.file.name.clone(),
            summary: self.plan.file.summary.clone(),
            seed: self.seed,
            horizon_s: horizon,
            start: self.plan.file.start.clone(),
            runbook: self.runbook.map(|r| r.name.clone()),
            servers,
            refused: self.refused,
            alerts: self.alerts,
            steps: self.steps,
            timeline: self.timeline,
            entities,
            expectations: Vec::new(),
            events_processed: self.events_processed,
            lookup: Default::default(),
        }
    }
}

fn ev_group(ev: &Ev) -> u8 {
    match ev {
        Ev::TimeEdge { .. } => group::TIME_EDGE,
        Ev::Scripted(_) => group::SCRIPTED,
        Ev::Step(_) => group::RUNBOOK,
        Ev::PurgeVault { .. } | Ev::PurgeKey { .. } | Ev::ForgetIdentity { .. } => group::PURGE,
        Ev::Rotate { .. } => group::ROTATION,
        Ev::Move(_) => group::MOVE,
        Ev::Denial(_) => group::KEY_CHECK,
        Ev::ControlPlane(_) => group::CONTROL_PLANE,
        Ev::Available(_) => group::AVAILABLE,
        Ev::Connection(_) => group::CONNECTION,
        Ev::ActivityEntry { .. } | Ev::NearExpiry { .. } | Ev::Notify { .. } => group::ALERT,
    }
}

/// R22: which wait applies, and its setting's name.
fn wait_setting(t: &crate::scenario::Timing, identity_seen: bool) -> (Dist, &'static str) {
    if identity_seen {
        (t.identity_revalidate_after, "identity_revalidate_after")
    } else {
        (t.recover_after, "recover_after")
    }
}

/// R24: counts the failed checks of a stretch with R10 false, [since, until).
fn close_false_stretch(open: &mut OpenWindow, until_s: u64, first_check_s: u64, cadence_s: u64) {
    let Some(since) = open.false_since_s.take() else {
        return;
    };
    if until_s <= since {
        return;
    }
    let first = if since <= first_check_s {
        first_check_s
    } else {
        first_check_s + (since - first_check_s).div_ceil(cadence_s) * cadence_s
    };
    if first >= until_s {
        return;
    }
    let n = (until_s - 1 - first) / cadence_s + 1;
    let w = &mut open.window;
    if w.failed_count == 0 {
        w.failed_first_s = sec(first);
    }
    w.failed_count += u32::try_from(n).expect("checks within the horizon fit in u32");
    w.failed_last_s = sec(first + (n - 1) * cadence_s);
}

fn alert_server(on: &AlertOn) -> Option<&str> {
    match on {
        AlertOn::ResourceHealth { server } | AlertOn::KeyAccessFailure { server } => Some(server),
        AlertOn::NearExpiry { .. } => None,
    }
}

pub(super) fn render_causes(texts: &Texts, state: &State, causes: &Causes) -> CauseList {
    causes
        .list
        .iter()
        .map(|(c, s)| CauseReport {
            cause: c.name(),
            subject: texts.get(&subject_name(state, s)),
        })
        .collect()
}

/// Rehearsal metrics of a window (R30): detect, engage, mitigate, recover.
fn add_metrics(w: &mut Window, alerts: &[&AlertReport], steps: &[StepRun], horizon_s: u64) {
    let end = w.denied_until_s.unwrap_or(horizon_s);
    let first_alert = alerts
        .iter()
        .map(|a| a.notified_at_s)
        .filter(|&t| t >= w.lost_at_s && t < end)
        .min();
    let first_step = first_alert.and_then(|fa| {
        steps
            .iter()
            .filter(|s| s.runbook.is_some() && s.at_s >= fa && s.at_s < end)
            .map(|s| s.at_s)
            .min()
            .map(|t| t - fa)
    });
    w.metrics = Some(Box::new(WindowMetrics {
        detect_s: first_alert.map(|t| t - w.lost_at_s),
        engage_s: first_step,
        mitigate_s: w.access_restored_at_s.map(|t| t - w.lost_at_s),
        recover_s: w.denied_until_s.map(|t| t - w.lost_at_s),
        steps_not_helping: steps
            .iter()
            .filter(|s| {
                s.runbook.is_some()
                    && s.at_s >= w.lost_at_s
                    && s.at_s < end
                    && s.result != Outcome::Ok
            })
            .cloned()
            .collect(),
    }));
}

#[cfg(test)]
mod layout {
    /// A queue slot holds an `Ev`, and a million-server fleet keeps
    /// several slots a server: rare events carry shared texts, not
    /// owned strings, to keep every slot small.
    #[test]
    fn an_event_fits_in_four_words() {
        let size = std::mem::size_of::<super::Ev>();
        assert!(size <= 32, "Ev is {size} bytes");
    }
}
