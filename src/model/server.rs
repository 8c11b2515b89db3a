//! A PostgreSQL server (R8): its key binding, TLS parameters (R40), workload
//! and the detection state of R20–R22 that turns losses into windows.

use super::access::CauseMask;
use super::world::{IdentityId, MaterialId, PrincipalId, VaultId};
use crate::engine::queue::Handle;
pub use crate::result::CauseList;
use crate::result::{
    FailedChecks, Interval, RecoveryStep, ServerReport, Text, TlsIncident, Window,
};
use crate::scenario::format::{ClientTls, KeyRef, ServerKind, Tier, WorkloadSpec};

/// A server's hold on one key version through one identity (R6, R10).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub vault: VaultId,
    pub key: Text,
    /// The version in use: fixed for a versioned reference, the newest one
    /// moved to for a versionless one (R6).
    pub version: u32,
    pub material: MaterialId,
    /// `None` for a Single copy before it gets an identity (R39).
    pub identity: Option<IdentityId>,
    pub principal: PrincipalId,
}

/// The geo-backup key (R11): a versionless reference follows the newest
/// version at once (no re-wrap delay is modelled for backups).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeoBinding {
    pub reference: KeyRef,
    /// The reference's key name, shared.
    pub key: Text,
    pub vault: VaultId,
    pub version: u32,
    pub material: MaterialId,
    pub identity: IdentityId,
    pub principal: PrincipalId,
}

/// The R38 source version a restored server needs for life.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceVersion {
    pub vault: VaultId,
    pub key: Text,
    pub version: u32,
    pub material: MaterialId,
}

#[derive(Clone, Debug)]
pub struct PendingMove {
    pub handle: Handle,
    pub version: u32,
    pub material: MaterialId,
}

/// Customer-managed encryption state.
#[derive(Clone, Debug)]
pub struct Cmk {
    pub reference: std::sync::Arc<KeyRef>,
    pub primary: Binding,
    /// R10.1: the identity is still in the server's identity list.
    pub attached: bool,
    /// Boxed, as the two below: most servers have none, and every event
    /// of a large fleet reads the servers around this one.
    pub geo: Option<Box<GeoBinding>>,
    pub restore_source: Option<Box<SourceVersion>>,
    /// R39: a Single copy must be revalidated after it gets an identity.
    pub needs_revalidation: bool,
    pub pending_move: Option<Box<PendingMove>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    NotCreated,
    Live,
    Deleted,
}

/// A server TLS version parameter (R40).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    V1_2,
    V1_3,
}

impl TlsVersion {
    pub fn parse(text: &str) -> Option<TlsVersion> {
        match text {
            "TLSv1.2" => Some(TlsVersion::V1_2),
            "TLSv1.3" => Some(TlsVersion::V1_3),
            _ => None,
        }
    }
    fn as_client(self) -> ClientTls {
        match self {
            TlsVersion::V1_2 => ClientTls::V1_2,
            TlsVersion::V1_3 => ClientTls::V1_3,
        }
    }
}

/// The control plane's turn to Inaccessible (R20), not happened yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ControlPlane {
    /// A queue event, so that a run with a timeline logs it in its place.
    Queued(Handle),
    /// Due at this second. Nothing reads it but the window's report, so a
    /// run without a timeline spares it the queue: it is applied when the
    /// window ends, if it came first (`Sim::end_control`).
    Due(u64),
}

/// A pending loss: R10 is false, the denial has not begun (R20, R21).
#[derive(Clone, Debug)]
pub struct PendingLoss {
    pub lost_at_s: u64,
    pub trigger: crate::result::Text,
    pub denial: Handle,
    pub control: ControlPlane,
    pub causes: CauseList,
    /// An identity cause held at some moment since t0 (R22).
    pub identity_seen: bool,
}

/// An open window: the server denies connections (R20–R22).
#[derive(Clone, Debug)]
pub struct OpenWindow {
    pub window: WindowRec,
    /// Pending control-plane change, if it has not happened yet.
    pub control: Option<ControlPlane>,
    /// Pending return to Available, while R10 is true again (R22).
    pub available: Option<(Handle, u64)>,
    /// An identity cause was among the window's causes at some time (R22).
    pub identity_seen: bool,
    /// Start of the current stretch with R10 false, for the failed-check
    /// count (R24).
    pub false_since_s: Option<u64>,
    pub first_alert_s: Option<u64>,
}

/// Per-server detection state and what it has produced so far.
#[derive(Clone, Debug, Default)]
pub struct Watch {
    pub dirty: bool,
    pub access: bool,
    pub mask: CauseMask,
    // Draw counters (R32): u32, as a run's event budget is below 2^32.
    pub losses: u32,
    pub windows: u32,
    /// Draws made for waits, per purpose (R32): `recover_after`, then
    /// `identity_revalidate_after`; a Revalidate draws from its wait's.
    pub waits: [u32; 2],
    pub moves: u32,
    pub connections: u32,
    /// The loss in progress, if any: pending, then an open window.
    pub loss: LossSlot,
    /// What touched this server since the last settle: the candidates for a
    /// loss's trigger and a recovery path's actions.
    /// Indices into the run's list of this second's changes (`Sim::entries`):
    /// inline, since a vault deletion touches every server that uses it.
    pub batch: smallvec::SmallVec<[u32; 4]>,
    pub connection: Option<Handle>,
    pub tls_open: Option<Box<TlsIncident>>,
    pub geo_open: Option<Box<Interval>>,
    /// R39: a Single copy denies from its creation, not from its next check.
    pub deny_at_once: bool,
}

/// A loss of key access in progress: pending until a key check sees it
/// (R20, R21), then an open window (R20–R22). One allocation serves both,
/// as a window follows nearly every loss: a vault deletion over a million
/// servers allocates a million of them, not two million.
#[derive(Clone, Debug)]
enum Loss {
    Pending(PendingLoss),
    Open(OpenWindow),
    /// Only while a pending loss becomes a window (`LossSlot::open_window`).
    Turning,
}

/// Where a server keeps its [`Loss`] in progress.
#[derive(Clone, Debug, Default)]
pub struct LossSlot(Option<Box<Loss>>);

impl LossSlot {
    pub fn pending(&self) -> Option<&PendingLoss> {
        match self.0.as_deref() {
            Some(Loss::Pending(p)) => Some(p),
            _ => None,
        }
    }

    pub fn pending_mut(&mut self) -> Option<&mut PendingLoss> {
        match self.0.as_deref_mut() {
            Some(Loss::Pending(p)) => Some(p),
            _ => None,
        }
    }

    pub fn open(&self) -> Option<&OpenWindow> {
        match self.0.as_deref() {
            Some(Loss::Open(o)) => Some(o),
            _ => None,
        }
    }

    pub fn open_mut(&mut self) -> Option<&mut OpenWindow> {
        match self.0.as_deref_mut() {
            Some(Loss::Open(o)) => Some(o),
            _ => None,
        }
    }

    /// A new pending loss; the server had none in progress.
    pub fn set_pending(&mut self, pending: PendingLoss) {
        debug_assert!(self.0.is_none(), "one loss at a time");
        self.0 = Some(Box::new(Loss::Pending(pending)));
    }

    pub fn take_pending(&mut self) -> Option<PendingLoss> {
        // Only a pending loss leaves the slot.
        self.pending()?;
        match *self.0.take()? {
            Loss::Pending(p) => Some(p),
            _ => None,
        }
    }

    pub fn take_open(&mut self) -> Option<OpenWindow> {
        // Only an open window leaves the slot.
        self.open()?;
        match *self.0.take()? {
            Loss::Open(o) => Some(o),
            _ => None,
        }
    }

    /// The pending loss becomes the window `open` makes of it, in the same
    /// allocation; false (and nothing done) when no loss is pending.
    pub fn open_window(&mut self, open: impl FnOnce(PendingLoss) -> OpenWindow) -> bool {
        let Some(loss) = self.0.as_deref_mut() else {
            return false;
        };
        if !matches!(loss, Loss::Pending(_)) {
            return false;
        }
        let Loss::Pending(pending) = std::mem::replace(loss, Loss::Turning) else {
            unreachable!("checked above");
        };
        *loss = Loss::Open(open(pending));
        true
    }
}

/// One change that touched servers. Stored once per run and second
/// (`Sim::entries`); servers hold its index.
#[derive(Clone, Debug)]
pub struct BatchEntry {
    pub at_s: u64,
    pub what: std::sync::Arc<str>,
    pub by: std::sync::Arc<str>,
    pub revalidation: bool,
}

#[derive(Clone, Debug)]
pub struct Server {
    pub name: Text,
    pub presence: Presence,
    pub kind: ServerKind,
    pub tier: Tier,
    pub region: Text,
    pub tenant: Text,
    pub backup_region: Option<Text>,
    pub double_encryption: bool,
    pub cmk: Option<Cmk>,
    /// R10.3: the server's own network path to its vaults.
    pub vault_reachable: bool,
    pub ssl_min: TlsVersion,
    pub ssl_max: Option<TlsVersion>,
    pub ssl_enforcement: bool,
    pub workload: WorkloadSpec,
    pub created_at_s: u64,
    pub phase_s: u64,
    /// The start of every stream key of the server's draws (R32), set when
    /// it is created.
    pub draws: crate::engine::random::EntityKey,
    /// The system-assigned identity of a Single server (R39).
    pub system_identity: Option<IdentityId>,
    pub watch: Watch,
    pub report: Record,
}

/// What a server has produced so far: its windows inline, the rarer
/// outcomes boxed (most members of a fleet have none). Becomes the
/// server's [`ServerReport`] when the run ends.
#[derive(Clone, Debug, Default)]
pub struct Record {
    pub created_at_s: Option<u64>,
    pub windows: Vec<WindowRec>,
    pub rare: Option<Box<Rare>>,
}

/// A second of the run as a window keeps it: a horizon is at most ten
/// years (`scenario::limits::MAX_HORIZON_S`), under 2^32 seconds.
pub type Sec = u32;

/// A run's second as a [`Sec`].
pub fn sec(t_s: u64) -> Sec {
    Sec::try_from(t_s).expect("a run's seconds fit in u32: the horizon is at most ten years")
}

/// A window as the run keeps it (R30): the public [`Window`] with its
/// seconds as [`Sec`], its first cause inline and its length left to the
/// report. A fleet holds a million of these; each becomes a `Window` when
/// the run ends ([`WindowRec::into_window`]).
#[derive(Clone, Debug)]
pub struct WindowRec {
    pub lost_at_s: Sec,
    pub denied_from_s: Sec,
    pub denied_until_s: Option<Sec>,
    pub inaccessible_from_s: Option<Sec>,
    pub inaccessible_until_s: Option<Sec>,
    pub health_from_s: Option<Sec>,
    pub health_until_s: Option<Sec>,
    pub access_restored_at_s: Option<Sec>,
    /// R24: the first and last failed check, and how many.
    pub failed_first_s: Sec,
    pub failed_last_s: Sec,
    pub failed_count: u32,
    pub trigger: Text,
    pub causes: CauseList,
    pub recovery: Vec<RecoveryStep>,
}

impl WindowRec {
    /// The window as reported; one still open at the horizon lasts until it.
    pub fn into_window(self, horizon_s: u64) -> Window {
        let wide = |t: Option<Sec>| t.map(u64::from);
        let denied_from_s = u64::from(self.denied_from_s);
        Window {
            lost_at_s: u64::from(self.lost_at_s),
            denied_from_s,
            denied_until_s: wide(self.denied_until_s),
            inaccessible_from_s: wide(self.inaccessible_from_s),
            inaccessible_until_s: wide(self.inaccessible_until_s),
            health_from_s: wide(self.health_from_s),
            health_until_s: wide(self.health_until_s),
            duration_s: wide(self.denied_until_s).unwrap_or(horizon_s) - denied_from_s,
            causes: self.causes,
            trigger: self.trigger,
            access_restored_at_s: wide(self.access_restored_at_s),
            recovery: self.recovery,
            failed_checks: FailedChecks {
                first_s: u64::from(self.failed_first_s),
                last_s: u64::from(self.failed_last_s),
                count: u64::from(self.failed_count),
            },
            metrics: None,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Rare {
    pub deleted_at_s: Option<u64>,
    pub unseen_losses: Vec<Interval>,
    pub geo_backup_unusable: Vec<Interval>,
    pub tls_incidents: Vec<TlsIncident>,
    pub data_lost_at_s: Option<u64>,
    pub data_lost_reason: Option<String>,
}

impl Record {
    /// The rarer outcomes, made on first use.
    pub fn rare(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Box::default)
    }

    pub fn data_lost_at_s(&self) -> Option<u64> {
        self.rare.as_ref().and_then(|r| r.data_lost_at_s)
    }

    pub fn into_report(self, name: Text, horizon_s: u64) -> ServerReport {
        let rare = self.rare.map(|r| *r).unwrap_or_default();
        ServerReport {
            name,
            created_at_s: self.created_at_s,
            deleted_at_s: rare.deleted_at_s,
            windows: self
                .windows
                .into_iter()
                .map(|w| w.into_window(horizon_s))
                .collect(),
            unseen_losses: rare.unseen_losses,
            geo_backup_unusable: rare.geo_backup_unusable,
            tls_incidents: rare.tls_incidents,
            data_lost_at_s: rare.data_lost_at_s,
            data_lost_reason: rare.data_lost_reason,
        }
    }
}

impl Server {
    /// A server of that name not created yet; `empty` is the run's shared
    /// empty text, its region and tenant until then.
    pub fn not_created(name: &Text, empty: &Text) -> Server {
        Server {
            name: name.clone(),
            presence: Presence::NotCreated,
            kind: ServerKind::Flexible,
            tier: Tier::GeneralPurpose,
            region: empty.clone(),
            tenant: empty.clone(),
            backup_region: None,
            double_encryption: false,
            cmk: None,
            vault_reachable: true,
            ssl_min: TlsVersion::V1_2,
            ssl_max: None,
            ssl_enforcement: true,
            workload: WorkloadSpec::default(),
            created_at_s: 0,
            phase_s: 0,
            draws: crate::engine::random::EntityKey::default(),
            system_identity: None,
            watch: Watch::default(),
            report: Record::default(),
        }
    }

    pub fn is_live(&self) -> bool {
        self.presence == Presence::Live
    }

    pub fn is_single(&self) -> bool {
        self.kind == ServerKind::Single
    }

    /// Denying connections now (R20): a window is open.
    pub fn is_denying(&self) -> bool {
        self.watch.loss.open().is_some()
    }

    /// R40: whether the workload's client gets past TLS.
    pub fn admits(&self, client: ClientTls) -> bool {
        match self.kind {
            // Single: TLS 1.2 only; without SSL enforcement a client without
            // TLS is let in too.
            ServerKind::Single => {
                client == ClientTls::V1_2 || (!self.ssl_enforcement && client == ClientTls::None)
            }
            ServerKind::Flexible => {
                let max = self.ssl_max.unwrap_or(TlsVersion::V1_3).as_client();
                client != ClientTls::None && self.ssl_min.as_client() <= client && client <= max
            }
        }
    }

    pub fn tls_mismatch(&self) -> bool {
        self.workload.every.is_some() && !self.admits(self.workload.tls)
    }

    /// R20: the first key check at or after `t_s`.
    pub fn next_check_at_or_after(&self, t_s: u64, cadence_s: u64) -> u64 {
        let first = self.created_at_s + self.phase_s;
        if t_s <= first {
            return first;
        }
        let k = (t_s - first).div_ceil(cadence_s);
        first + k * cadence_s
    }

    /// Number of key checks in [from, until).
    pub fn checks_between(&self, from_s: u64, until_s: u64, cadence_s: u64) -> u64 {
        if until_s <= from_s {
            return 0;
        }
        let a = self.next_check_at_or_after(from_s, cadence_s);
        if a >= until_s {
            return 0;
        }
        (until_s - 1 - a) / cadence_s + 1
    }
}

#[cfg(test)]
mod layout {
    /// Every event of a large fleet reads one `Server` among a million:
    /// rare parts stay boxed so that the common ones share cache lines.
    #[test]
    fn a_server_stays_small() {
        let size = std::mem::size_of::<super::Server>();
        assert!(size <= 400, "Server is {size} bytes");
    }

    /// A fleet keeps a million windows until the run ends: the kept form
    /// is well under the reported one, with its first cause inline in both.
    #[test]
    fn a_kept_window_is_small() {
        let size = std::mem::size_of::<super::WindowRec>();
        assert!(size <= 160, "WindowRec is {size} bytes");
        assert!(size + 64 <= std::mem::size_of::<crate::result::Window>());
        assert!(std::mem::size_of::<crate::result::RecoveryStep>() <= 64);
    }
}

#[cfg(test)]
mod tests {
    use super::{CauseList, WindowRec};
    use crate::result::{CauseReport, RecoveryStep, StepKind};

    fn kept(denied_until_s: Option<u32>) -> WindowRec {
        WindowRec {
            lost_at_s: 100,
            denied_from_s: 300,
            denied_until_s,
            inaccessible_from_s: Some(900),
            inaccessible_until_s: denied_until_s,
            health_from_s: None,
            health_until_s: None,
            access_restored_at_s: Some(1_000),
            failed_first_s: 300,
            failed_last_s: 900,
            failed_count: 2,
            trigger: "DeleteVault kv by script".into(),
            causes: CauseList::from_vec(vec![CauseReport {
                cause: "VaultSoftDeleted",
                subject: "kv".into(),
            }]),
            recovery: vec![
                RecoveryStep {
                    at_s: 1_000,
                    kind: StepKind::Action,
                    what: "RecoverVault kv".into(),
                    by: "script".into(),
                    wait_s: None,
                },
                RecoveryStep {
                    at_s: 1_000,
                    kind: StepKind::Wait,
                    what: "recover_after".into(),
                    by: "service".into(),
                    wait_s: Some(600),
                },
            ],
        }
    }

    #[test]
    fn a_kept_window_reports_every_field_in_seconds() {
        let w = kept(Some(1_600)).into_window(86_400);
        assert_eq!(
            (w.lost_at_s, w.denied_from_s, w.denied_until_s),
            (100, 300, Some(1_600))
        );
        assert_eq!(
            (w.inaccessible_from_s, w.inaccessible_until_s),
            (Some(900), Some(1_600))
        );
        assert_eq!(
            (w.health_from_s, w.access_restored_at_s),
            (None, Some(1_000))
        );
        assert_eq!(w.duration_s, 1_300);
        assert_eq!(
            (
                w.failed_checks.first_s,
                w.failed_checks.last_s,
                w.failed_checks.count
            ),
            (300, 900, 2)
        );
        assert_eq!(w.causes.len(), 1);
        assert_eq!(w.causes[0].cause, "VaultSoftDeleted");
        let kinds: Vec<_> = w
            .recovery
            .iter()
            .map(|s| (s.kind.name(), s.wait_s))
            .collect();
        assert_eq!(kinds, [("action", None), ("wait", Some(600))]);
        assert!(w.metrics.is_none());
    }

    #[test]
    fn a_window_open_at_the_horizon_lasts_until_it() {
        let w = kept(None).into_window(86_400);
        assert_eq!(w.denied_until_s, None);
        assert_eq!(w.duration_s, 86_400 - 300);
    }
}
