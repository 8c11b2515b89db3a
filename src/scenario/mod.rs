//! The scenario language: RON text → checked, resolved [`Plan`], with
//! located diagnostics for everything that is wrong with a file.

pub mod diagnostic;
pub mod format;
pub mod locate;
pub mod resolve;
mod syntax;

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::engine::random::Dist;
use crate::result::Text;
use format::{ScenarioFile, ServerSpec, StepSpec};

pub use diagnostic::Diagnostic;
pub use resolve::{load_file, parse_str, plan_from_file};

/// Limits: every one is a located file error (exit 2) when a scenario
/// exceeds it, except the event budget, which stops a run with a message.
/// They keep a hand-written or generated file from exhausting memory or
/// time, and are far above what a real incident needs.
pub mod limits {
    /// Bytes in a scenario file, checked before it is read or parsed.
    pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
    /// The horizon: at most 10 years (3650 days).
    pub const MAX_HORIZON_S: u64 = 10 * 365 * 86_400;
    /// Servers in a scenario: world servers, fleet members and servers that
    /// actions create, together. One fleet holds at most this many too.
    pub const MAX_SERVERS: u64 = 1_000_000;
    /// Vaults, keys, identities, grants and alerts, together.
    pub const MAX_ENTITIES: usize = 100_000;
    /// Versions declared for one key (`Key(versions: N)`).
    pub const MAX_KEY_VERSIONS: u32 = 10_000;
    /// Scripted events.
    pub const MAX_EVENTS: usize = 100_000;
    /// Runbook steps, over all runbooks.
    pub const MAX_STEPS: usize = 10_000;
    /// Queue events one run may process unless the scenario sets its own
    /// `Timing(event_budget)`; past it the run stops with a clear message.
    pub const DEFAULT_EVENT_BUDGET: u64 = 50_000_000;
    /// The largest `Timing(event_budget)` a scenario may set.
    pub const MAX_EVENT_BUDGET: u64 = 1_000_000_000;
    // Runs of one rehearsal (`--runs`): `rehearsal::rehearse::MAX_RUNS`.
}

/// Timing settings with the defaults of MODEL.md §7 applied.
#[derive(Clone, Debug)]
pub struct Timing {
    pub key_check_every_s: u64,
    /// `None`: uniform over the cadence, drawn per server (R20).
    pub key_check_phase: Option<Dist>,
    pub inaccessible_after: Dist,
    pub recover_after: Dist,
    pub identity_revalidate_after: Dist,
    pub rewrap_after: Dist,
    pub activity_log_delay: Dist,
    pub alert_delay: Dist,
    pub identity_recoverable: bool,
    pub identity_recovery_window_s: u64,
    pub event_budget: u64,
}

impl Default for Timing {
    fn default() -> Self {
        const MIN: u64 = 60;
        Timing {
            key_check_every_s: 10 * MIN,
            key_check_phase: None,
            inaccessible_after: Dist::Uniform(10 * MIN, 60 * MIN),
            recover_after: Dist::Uniform(0, 60 * MIN),
            identity_revalidate_after: Dist::Uniform(50 * MIN, 70 * MIN),
            rewrap_after: Dist::Triangular(0, 10 * MIN, 120 * MIN),
            activity_log_delay: Dist::Uniform(15 * MIN, 30 * MIN),
            alert_delay: Dist::Fixed(5 * MIN),
            identity_recoverable: true,
            identity_recovery_window_s: 30 * 86_400,
            event_budget: limits::DEFAULT_EVENT_BUDGET,
        }
    }
}

/// Names of one kind, in declaration order, with their index.
#[derive(Clone, Debug, Default)]
pub struct Names {
    /// Shared with the index and with the servers of every run, so a
    /// fleet's million names are each stored once.
    pub list: Vec<Text>,
    index: HashMap<Text, u32, BuildHasherDefault<NameHasher>>,
    /// Fleets whose members are found by their number rather than in the
    /// index: a million hash insertions were most of loading a fleet.
    fleets: Vec<NumberedNames>,
}

/// Names `prefix` + a member number from 1 to `count`, zero-padded to
/// `width` digits, with ids from `first` in member order.
#[derive(Clone, Debug)]
struct NumberedNames {
    prefix: String,
    width: usize,
    count: u64,
    first: u32,
}

impl NumberedNames {
    /// The member number `name` spells, if it is one of these names.
    fn number(&self, name: &str) -> Option<u64> {
        let digits = name.strip_prefix(self.prefix.as_str())?;
        if digits.len() != self.width || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u64 = digits.parse().ok()?;
        (1..=self.count).contains(&n).then_some(n)
    }
}

/// The multiply-rotate hash of rustc (FxHash) for name lookups: a fleet
/// adds a million names, and SipHash's resistance to chosen keys buys
/// nothing for names that the scenario's own author wrote. The index is
/// only looked up, never iterated, so the hash cannot change any output.
#[derive(Clone, Copy, Debug, Default)]
pub struct NameHasher(u64);

impl NameHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

impl Names {
    /// Adds a name if new; returns its id.
    pub fn add(&mut self, name: &str) -> u32 {
        if let Some(id) = self.get(name) {
            return id;
        }
        let id = self.list.len() as u32;
        let name = Text::from(name);
        self.list.push(name.clone());
        self.index.insert(name, id);
        id
    }

    /// Adds a fleet's members, `names[i]` being `prefix` + `i + 1`
    /// zero-padded to `width` digits; returns the first member whose name
    /// is already known, and then adds none.
    ///
    /// Members are found by their number, without an index entry each,
    /// unless the fleet's prefix and an earlier fleet's could spell the
    /// same name: then each member is checked and indexed on its own.
    pub fn add_fleet(&mut self, prefix: &str, width: usize, names: Vec<Text>) -> Result<(), Text> {
        let fleet = NumberedNames {
            prefix: prefix.to_string(),
            width,
            count: names.len() as u64,
            first: self.list.len() as u32,
        };
        let overlaps = self
            .fleets
            .iter()
            .any(|f| f.prefix.starts_with(prefix) || prefix.starts_with(f.prefix.as_str()));
        if overlaps {
            if let Some(known) = names.iter().find(|n| self.get(n).is_some()) {
                return Err(known.clone());
            }
            self.reserve(names.len());
            for name in names {
                self.add(&name);
            }
            return Ok(());
        }
        // The first member, in member order, that an indexed name spells.
        let clash = self.index.keys().filter_map(|k| fleet.number(k)).min();
        if let Some(n) = clash {
            return Err(names[(n - 1) as usize].clone());
        }
        self.list.extend(names);
        self.fleets.push(fleet);
        Ok(())
    }

    /// Room for `n` more names without growing.
    pub fn reserve(&mut self, n: usize) {
        self.list.reserve(n);
        self.index.reserve(n);
    }

    pub fn get(&self, name: &str) -> Option<u32> {
        if let Some(&id) = self.index.get(name) {
            return Some(id);
        }
        self.fleets
            .iter()
            .find_map(|f| Some(f.first + f.number(name)? as u32 - 1))
    }
    pub fn len(&self) -> usize {
        self.list.len()
    }
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// A server of the world at t = 0: its id and the declaration it comes from
/// (a single `Server` or one member of a `Fleet`).
#[derive(Clone, Copy, Debug)]
pub struct WorldServer {
    pub id: u32,
    pub decl: u32,
}

#[derive(Clone, Debug)]
pub struct Runbook {
    pub name: String,
    pub steps: Vec<StepSpec>,
}

/// A checked scenario, ready to run any number of times.
#[derive(Clone, Debug)]
pub struct Plan {
    pub file: ScenarioFile,
    /// Where it came from, for messages.
    pub origin: String,
    pub source: String,
    pub timing: Timing,
    pub start_unix_s: Option<i64>,
    pub vaults: Names,
    /// User-assigned identities only; a Single server's system identity is
    /// named after the server (R39).
    pub identities: Names,
    pub servers: Names,
    pub world_servers: Vec<WorldServer>,
    pub runbooks: Vec<Runbook>,
}

impl Plan {
    /// The server declaration a world server was made from.
    pub fn world_server_spec(&self, ws: WorldServer) -> &ServerSpec {
        match &self.file.world.servers[ws.decl as usize] {
            format::ServerDecl::Server(spec) => spec,
            format::ServerDecl::Fleet { server, .. } => server,
        }
    }

    pub fn runbook(&self, name: Option<&str>) -> Option<&Runbook> {
        match name {
            Some(n) => self.runbooks.iter().find(|r| r.name == n),
            None => self.runbooks.first(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Names, Text};

    #[test]
    fn names_get_ids_in_order_and_are_found_again() {
        let mut names = Names::default();
        for i in 0..10_000u32 {
            assert_eq!(names.add(&format!("pg-{i:05}")), i);
        }
        // Adding a known name returns its id and adds nothing.
        assert_eq!(names.add("pg-00042"), 42);
        assert_eq!(names.len(), 10_000);
        assert_eq!(names.get("pg-09999"), Some(9_999));
        assert_eq!(names.get("pg-10000"), None);
        // Names that differ only past the first eight bytes.
        assert_ne!(
            names.add("kv-prod-westeurope-a"),
            names.add("kv-prod-westeurope-b")
        );
    }

    fn fleet(prefix: &str, count: u64) -> Vec<Text> {
        let width = count.to_string().len();
        (1..=count)
            .map(|i| Text::from(format!("{prefix}{i:0width$}").as_str()))
            .collect()
    }

    #[test]
    fn fleet_members_are_found_by_number_and_clashes_are_refused() {
        let mut names = Names::default();
        names.add("db-1");
        names.add("pg-042");
        // "pg-042" is member 42: refused, naming the first clash, and
        // nothing is added.
        assert_eq!(
            names.add_fleet("pg-", 3, fleet("pg-", 500)),
            Err(Text::from("pg-042"))
        );
        assert_eq!(names.len(), 2);
        assert_eq!(names.add_fleet("pg-", 2, fleet("pg-", 40)), Ok(()));
        assert_eq!(names.len(), 42);
        assert_eq!(names.get("pg-01"), Some(2));
        assert_eq!(names.get("pg-40"), Some(41));
        assert_eq!(names.get("pg-042"), Some(1));
        for absent in [
            "pg-00", "pg-41", "pg-1", "pg-001", "pg-0a", "pg-+1", "xpg-01",
        ] {
            assert_eq!(names.get(absent), None, "{absent}");
        }
        // A name added later that a member spells is that member.
        assert_eq!(names.add("pg-07"), 8);
        assert_eq!(names.len(), 42);
        // A fleet whose prefix extends an earlier one's is checked member
        // by member: "pg-1" + "1" is "pg-11", member 11 of the first.
        assert_eq!(
            names.add_fleet("pg-1", 1, fleet("pg-1", 9)),
            Err(Text::from("pg-11"))
        );
        assert_eq!(names.len(), 42);
        assert_eq!(names.add_fleet("pg-9", 1, fleet("pg-9", 9)), Ok(()));
        assert_eq!(names.get("pg-95"), Some(46));
        assert_eq!(
            names.add_fleet("pg-", 2, fleet("pg-", 40)),
            Err(Text::from("pg-01"))
        );
        // A different prefix entirely, clashing with an indexed name.
        assert_eq!(
            names.add_fleet("db-", 1, fleet("db-", 2)),
            Err(Text::from("db-1"))
        );
        assert_eq!(names.add_fleet("mysql-", 2, fleet("mysql-", 12)), Ok(()));
        assert_eq!(names.get("mysql-12"), Some(62));
        assert_eq!(names.get("mysql-13"), None);
    }
}
