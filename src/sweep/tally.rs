//! What a sweep keeps from its runs: exact counts that merge by adding.
//!
//! A [`Tally`] holds, for each population of servers (each tracked server,
//! each fleet, all servers together), the distributions of the per-run
//! metrics as exact [`Counts`], and the handful of worst runs. Two tallies
//! of disjoint run indices merge into the tally of their union, whatever
//! the order, so a sweep gives the same numbers on one thread or many, and
//! in one piece or in shards.

use serde::{Deserialize, Serialize};

use super::counts::Counts;
use crate::result::{RunResult, ServerReport};
use crate::scenario::format::{ExpectSpec, ServerDecl};
use crate::scenario::Plan;

/// How many of the worst runs a sweep remembers.
pub const WORST_RUNS: usize = 10;

/// A scenario with at most this many servers has every server tracked on
/// its own; a larger one tracks single servers and those named by an
/// expectation, and summarises fleet members per fleet.
pub const SERVER_DETAIL_LIMIT: usize = 20;

const NONE: u32 = u32::MAX;

/// Where one server's values go.
#[derive(Clone, Copy, Debug)]
struct Slot {
    /// Index into [`Layout::tracked`], or `NONE`.
    tracked: u32,
    /// Index into [`Layout::fleets`], or `NONE`.
    fleet: u32,
}

/// Which populations a sweep reports, decided once from the plan.
#[derive(Clone, Debug)]
pub struct Layout {
    /// By server id (the plan's server index).
    slots: Vec<Slot>,
    /// Servers reported one by one, in the plan's order.
    pub tracked: Vec<String>,
    /// Fleets: prefix and member count, in declaration order.
    pub fleets: Vec<(String, u64)>,
}

impl Layout {
    pub fn new(plan: &Plan) -> Layout {
        let mut slots = vec![
            Slot {
                tracked: NONE,
                fleet: NONE,
            };
            plan.servers.len()
        ];
        let mut fleets = Vec::new();
        let mut fleet_of_decl = vec![NONE; plan.file.world.servers.len()];
        for (decl, d) in plan.file.world.servers.iter().enumerate() {
            if let ServerDecl::Fleet { prefix, count, .. } = d {
                fleet_of_decl[decl] = fleets.len() as u32;
                fleets.push((prefix.clone(), *count));
            }
        }
        for ws in &plan.world_servers {
            slots[ws.id as usize].fleet = fleet_of_decl[ws.decl as usize];
        }
        let all_tracked = plan.servers.len() <= SERVER_DETAIL_LIMIT;
        let mut wanted = vec![false; plan.servers.len()];
        for (id, slot) in slots.iter().enumerate() {
            wanted[id] = all_tracked || slot.fleet == NONE;
        }
        for e in &plan.file.expect {
            if let Some(id) = expectation_server(e).and_then(|s| plan.servers.get(s)) {
                wanted[id as usize] = true;
            }
        }
        let mut tracked = Vec::new();
        for (id, want) in wanted.into_iter().enumerate() {
            if want {
                slots[id].tracked = tracked.len() as u32;
                tracked.push(plan.servers.list[id].to_string());
            }
        }
        Layout {
            slots,
            tracked,
            fleets,
        }
    }

    /// The fleet a server (by id) belongs to, as an index into
    /// [`fleets`](Self::fleets).
    pub fn fleet_of(&self, id: u32) -> Option<usize> {
        self.slots
            .get(id as usize)
            .filter(|s| s.fleet != NONE)
            .map(|s| s.fleet as usize)
    }
}

/// The server an expectation is about, if it names one.
pub fn expectation_server(e: &ExpectSpec) -> Option<&str> {
    match e {
        ExpectSpec::Inaccessible { server, .. }
        | ExpectSpec::NeverInaccessible { server }
        | ExpectSpec::AvailableAt { server, .. }
        | ExpectSpec::InaccessibleAt { server, .. }
        | ExpectSpec::UnseenLoss { server }
        | ExpectSpec::DataLost { server }
        | ExpectSpec::TlsRefused { server }
        | ExpectSpec::OutageQuantile { server, .. }
        | ExpectSpec::OutageProbability { server, .. } => Some(server),
        ExpectSpec::NoDataLoss
        | ExpectSpec::StepRefused { .. }
        | ExpectSpec::StepSucceeded { .. }
        | ExpectSpec::AlertFired { .. } => None,
    }
}

/// The metrics of one population (a server, a fleet, or all servers) over
/// the runs of a sweep. Per-run values add up the population's members.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PopTally {
    /// Runs in which at least one member denied connections (a window).
    pub runs_with_outage: u64,
    /// Runs in which at least one member lost its data (R31).
    pub runs_with_data_loss: u64,
    /// Per run: members with at least one window.
    pub denied_members: Counts,
    /// Per run: connection-denied seconds, summed over members and windows.
    pub outage: Counts,
    /// Per run: control-plane Inaccessible seconds, summed likewise.
    pub inaccessible: Counts,
    /// Per member and run: connection-denied seconds (a fleet's spread).
    pub member_outage: Counts,
    /// Per window: seconds from the loss to the first alert notification
    /// within the window (the window's `detect_s`).
    pub detect: Counts,
    /// Windows with no alert notification before they ended.
    pub undetected: u64,
    /// Per window: seconds from the loss to Available.
    pub recover: Counts,
    /// Windows still open at the horizon.
    pub unrecovered: u64,
}

impl PopTally {
    pub fn merge(&mut self, other: &PopTally) {
        self.runs_with_outage += other.runs_with_outage;
        self.runs_with_data_loss += other.runs_with_data_loss;
        self.denied_members.merge(&other.denied_members);
        self.outage.merge(&other.outage);
        self.inaccessible.merge(&other.inaccessible);
        self.member_outage.merge(&other.member_outage);
        self.detect.merge(&other.detect);
        self.undetected += other.undetected;
        self.recover.merge(&other.recover);
        self.unrecovered += other.unrecovered;
    }
}

/// One run's totals for a population, before they enter the counts.
#[derive(Clone, Copy, Debug, Default)]
struct RunTotals {
    denied_members: u64,
    data_lost: bool,
    outage_s: u64,
    inaccessible_s: u64,
}

impl RunTotals {
    fn add(&mut self, m: &MemberRun) {
        self.denied_members += u64::from(m.windows > 0);
        self.data_lost |= m.data_lost;
        self.outage_s += m.outage_s;
        self.inaccessible_s += m.inaccessible_s;
    }

    fn commit(&self, pop: &mut PopTally) {
        pop.runs_with_outage += u64::from(self.denied_members > 0);
        pop.runs_with_data_loss += u64::from(self.data_lost);
        pop.denied_members.add(self.denied_members);
        pop.outage.add(self.outage_s);
        pop.inaccessible.add(self.inaccessible_s);
    }
}

/// One server in one run.
#[derive(Clone, Copy, Debug, Default)]
struct MemberRun {
    windows: usize,
    data_lost: bool,
    outage_s: u64,
    inaccessible_s: u64,
}

fn member_run(s: &ServerReport, horizon_s: u64) -> MemberRun {
    let mut m = MemberRun {
        windows: s.windows.len(),
        data_lost: s.data_lost_at_s.is_some(),
        ..MemberRun::default()
    };
    for w in &s.windows {
        m.outage_s += w.duration_s;
        if let Some(from) = w.inaccessible_from_s {
            m.inaccessible_s += w.inaccessible_until_s.unwrap_or(horizon_s) - from;
        }
    }
    m
}

/// A run remembered for its outage, so that `keyloss run --seed` replays it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorstRun {
    pub index: u64,
    pub seed: u64,
    /// Connection-denied seconds summed over every server.
    pub outage_s: u64,
}

/// Single-run expectations: in how many runs each passed and failed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdicts {
    pub passed: u64,
    pub failed: u64,
}

/// Everything a sweep keeps from its runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    pub runs: u64,
    /// One per [`Layout::tracked`] server.
    pub servers: Vec<PopTally>,
    /// One per [`Layout::fleets`] fleet.
    pub fleets: Vec<PopTally>,
    /// Every server of the scenario together.
    pub all: PopTally,
    /// One per expectation of the scenario, in file order; sweep-level
    /// expectations stay at zero (they are decided from the counts).
    pub expectations: Vec<Verdicts>,
    /// The runs with the most connection-denied time, worst first; ties go
    /// to the lower index.
    pub worst: Vec<WorstRun>,
}

impl Tally {
    pub fn new(layout: &Layout, expectations: usize) -> Tally {
        Tally {
            runs: 0,
            servers: vec![PopTally::default(); layout.tracked.len()],
            fleets: vec![PopTally::default(); layout.fleets.len()],
            all: PopTally::default(),
            expectations: vec![Verdicts::default(); expectations],
            worst: Vec::new(),
        }
    }

    /// Adds run `index` (seed `seed`) to the tally.
    pub fn add_run(
        &mut self,
        plan: &Plan,
        layout: &Layout,
        index: u64,
        seed: u64,
        r: &RunResult,
        scratch: &mut Scratch,
    ) {
        self.runs += 1;
        let horizon = r.horizon_s;
        scratch.reset(layout);
        let mut all = RunTotals::default();
        let mut next_id = 0;
        for s in &r.servers {
            let m = member_run(s, horizon);
            let id = server_id(plan, &s.name, next_id);
            next_id = id.map_or(next_id, |id| id as usize + 1);
            let slot = id.map_or(
                Slot {
                    tracked: NONE,
                    fleet: NONE,
                },
                |id| layout.slots[id as usize],
            );
            all.add(&m);
            self.all.member_outage.add(m.outage_s);
            add_windows(&mut self.all, s);
            if slot.tracked != NONE {
                let t = slot.tracked as usize;
                scratch.tracked[t].add(&m);
                add_windows(&mut self.servers[t], s);
            }
            if slot.fleet != NONE {
                let f = slot.fleet as usize;
                scratch.fleets[f].add(&m);
                self.fleets[f].member_outage.add(m.outage_s);
                add_windows(&mut self.fleets[f], s);
            }
        }
        all.commit(&mut self.all);
        for (t, totals) in scratch.tracked.iter().enumerate() {
            totals.commit(&mut self.servers[t]);
            // One member, and one value per run even when the server did
            // not exist in this run (no outage then).
            self.servers[t].member_outage.add(totals.outage_s);
        }
        for (f, totals) in scratch.fleets.iter().enumerate() {
            totals.commit(&mut self.fleets[f]);
        }
        for (v, e) in self.expectations.iter_mut().zip(&r.expectations) {
            match e.passed {
                Some(true) => v.passed += 1,
                Some(false) => v.failed += 1,
                None => {}
            }
        }
        self.offer_worst(WorstRun {
            index,
            seed,
            outage_s: all.outage_s,
        });
    }

    /// Adds a run to the worst list if it belongs there.
    fn offer_worst(&mut self, run: WorstRun) {
        let key = |w: &WorstRun| (std::cmp::Reverse(w.outage_s), w.index);
        if self.worst.len() == WORST_RUNS
            && key(&run) >= key(self.worst.last().expect("a full list"))
        {
            return;
        }
        let at = self.worst.partition_point(|w| key(w) < key(&run));
        self.worst.insert(at, run);
        self.worst.truncate(WORST_RUNS);
    }

    /// Adds the runs of `other`, which must come from the same sweep and
    /// disjoint run indices.
    pub fn merge(&mut self, other: &Tally) {
        assert_eq!(self.servers.len(), other.servers.len());
        assert_eq!(self.fleets.len(), other.fleets.len());
        assert_eq!(self.expectations.len(), other.expectations.len());
        self.runs += other.runs;
        for (a, b) in self.servers.iter_mut().zip(&other.servers) {
            a.merge(b);
        }
        for (a, b) in self.fleets.iter_mut().zip(&other.fleets) {
            a.merge(b);
        }
        self.all.merge(&other.all);
        for (a, b) in self.expectations.iter_mut().zip(&other.expectations) {
            a.passed += b.passed;
            a.failed += b.failed;
        }
        for w in &other.worst {
            self.offer_worst(w.clone());
        }
    }
}

/// A server's id from its name. Reports come in the plan's order, so the
/// next id is tried first: a million hash lookups a run would cost more
/// than the run's own bookkeeping.
pub(crate) fn server_id(plan: &Plan, name: &str, next_id: usize) -> Option<u32> {
    match plan.servers.list.get(next_id) {
        Some(n) if **n == *name => Some(next_id as u32),
        _ => plan.servers.get(name),
    }
}

/// Time to detect and time to recover of each window of one server. Time
/// to detect is the window's own rehearsal metric `detect_s` (R30: the
/// first alert notification within the window, as the model counts it);
/// a scenario without alerts detects nothing.
fn add_windows(pop: &mut PopTally, s: &ServerReport) {
    for w in &s.windows {
        match w.metrics.as_ref().and_then(|x| x.detect_s) {
            Some(t) => pop.detect.add(t),
            None => pop.undetected += 1,
        }
        match w.denied_until_s {
            Some(until) => pop.recover.add(until - w.lost_at_s),
            None => pop.unrecovered += 1,
        }
    }
}

/// Per-run working space, reused from run to run.
#[derive(Debug, Default)]
pub struct Scratch {
    tracked: Vec<RunTotals>,
    fleets: Vec<RunTotals>,
}

impl Scratch {
    fn reset(&mut self, layout: &Layout) {
        self.tracked.clear();
        self.tracked
            .resize(layout.tracked.len(), RunTotals::default());
        self.fleets.clear();
        self.fleets
            .resize(layout.fleets.len(), RunTotals::default());
    }
}
