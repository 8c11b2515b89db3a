//! R10: when a server can use its key, and every reason it cannot.
//!
//! Each condition is evaluated on its own, on stored state, so a report names
//! all the causes that hold, in the order of [`Cause`] (the report order).

use super::server::{Binding, Server};
use super::world::{
    needed_permissions, role_counts, IdentityId, IdentityState, Life, ServerId, Vault, VaultId,
};
use super::State;
use crate::result::Text;
use crate::scenario::format::PermissionModel;
use smallvec::SmallVec;

/// The stable cause names of R10, in report order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cause {
    IdentityDeleted,
    IdentityReplaced,
    IdentityNotAssigned,
    VaultSoftDeleted,
    VaultPurged,
    VaultWrongTenant,
    FirewallBlocked,
    NetworkPathBroken,
    GrantMissing,
    KeyDisabled,
    KeyExpired,
    KeyNotYetActive,
    KeySoftDeleted,
    KeyPurged,
    KeyVersionMissing,
    KeyOpsMissing,
    KeyTypeUnsupported,
    RevalidationRequired,
}

impl Cause {
    pub fn name(self) -> &'static str {
        match self {
            Cause::IdentityDeleted => "IdentityDeleted",
            Cause::IdentityReplaced => "IdentityReplaced",
            Cause::IdentityNotAssigned => "IdentityNotAssigned",
            Cause::VaultSoftDeleted => "VaultSoftDeleted",
            Cause::VaultPurged => "VaultPurged",
            Cause::VaultWrongTenant => "VaultWrongTenant",
            Cause::FirewallBlocked => "FirewallBlocked",
            Cause::NetworkPathBroken => "NetworkPathBroken",
            Cause::GrantMissing => "GrantMissing",
            Cause::KeyDisabled => "KeyDisabled",
            Cause::KeyExpired => "KeyExpired",
            Cause::KeyNotYetActive => "KeyNotYetActive",
            Cause::KeySoftDeleted => "KeySoftDeleted",
            Cause::KeyPurged => "KeyPurged",
            Cause::KeyVersionMissing => "KeyVersionMissing",
            Cause::KeyOpsMissing => "KeyOpsMissing",
            Cause::KeyTypeUnsupported => "KeyTypeUnsupported",
            Cause::RevalidationRequired => "RevalidationRequired",
        }
    }

    /// The R22 identity causes, which make the wait "around one hour".
    pub fn is_identity(self) -> bool {
        matches!(
            self,
            Cause::IdentityDeleted | Cause::IdentityReplaced | Cause::IdentityNotAssigned
        )
    }

    /// What the service itself reports for a refused setup with this cause,
    /// where users are known to meet something less helpful (R35).
    pub fn service_code(self) -> Option<&'static str> {
        match self {
            Cause::VaultSoftDeleted
            | Cause::VaultPurged
            | Cause::KeySoftDeleted
            | Cause::KeyPurged
            | Cause::KeyVersionMissing => Some("AzureKeyVaultKeyNotFound"),
            Cause::GrantMissing | Cause::FirewallBlocked | Cause::NetworkPathBroken => {
                Some("InternalServerError")
            }
            _ => None,
        }
    }
}

/// What a cause concerns; rendered to a name only for reports.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    Identity(IdentityId),
    Vault(VaultId),
    Key(VaultId, Text),
    Version(VaultId, Text, u32),
    Server(ServerId),
}

/// A set of causes as bits, for cheap comparisons between evaluations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CauseMask(pub u32);

impl CauseMask {
    pub fn insert(&mut self, c: Cause) {
        self.0 |= 1 << (c as u32);
    }
    pub fn contains(self, c: Cause) -> bool {
        self.0 & (1 << (c as u32)) != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn has_identity_cause(self) -> bool {
        self.contains(Cause::IdentityDeleted)
            || self.contains(Cause::IdentityReplaced)
            || self.contains(Cause::IdentityNotAssigned)
    }
    /// Causes in `self` that `later` no longer has.
    pub fn removed_in(self, later: CauseMask) -> bool {
        self.0 & !later.0 != 0
    }
    /// Whether going from `self` to `later` adds a cause that `self` did
    /// not hide. The one cause an evaluation hides is GrantMissing behind a
    /// Single copy's IdentityNotAssigned (R39: giving it the identity is
    /// the first step back, and only then can its grant be checked).
    pub fn adds_new_harm(self, later: CauseMask) -> bool {
        let mut added = CauseMask(later.0 & !self.0);
        let unhidden = self.contains(Cause::IdentityNotAssigned)
            && !later.contains(Cause::IdentityNotAssigned);
        if unhidden {
            added.0 &= !(1 << (Cause::GrantMissing as u32));
        }
        !added.is_empty()
    }

    pub fn first(self) -> Option<Cause> {
        ALL_CAUSES.iter().copied().find(|&c| self.contains(c))
    }
}

pub const ALL_CAUSES: [Cause; 18] = [
    Cause::IdentityDeleted,
    Cause::IdentityReplaced,
    Cause::IdentityNotAssigned,
    Cause::VaultSoftDeleted,
    Cause::VaultPurged,
    Cause::VaultWrongTenant,
    Cause::FirewallBlocked,
    Cause::NetworkPathBroken,
    Cause::GrantMissing,
    Cause::KeyDisabled,
    Cause::KeyExpired,
    Cause::KeyNotYetActive,
    Cause::KeySoftDeleted,
    Cause::KeyPurged,
    Cause::KeyVersionMissing,
    Cause::KeyOpsMissing,
    Cause::KeyTypeUnsupported,
    Cause::RevalidationRequired,
];

/// Collects causes with subjects, sorted into report order at the end.
/// Inline up to two: R10 is evaluated for every server a change touches,
/// and nearly every evaluation finds none or one.
#[derive(Default, Debug, Clone)]
pub struct Causes {
    pub list: SmallVec<[(Cause, Subject); 2]>,
    pub mask: CauseMask,
}

impl Causes {
    pub fn push(&mut self, cause: Cause, subject: Subject) {
        if !self.list.iter().any(|(c, s)| *c == cause && *s == subject) {
            self.mask.insert(cause);
            self.list.push((cause, subject));
        }
    }
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
    pub fn sorted(mut self) -> Self {
        self.list.sort();
        self
    }
    pub fn first(&self) -> Option<Cause> {
        self.list.iter().map(|(c, _)| *c).min()
    }
}

/// The conditions to evaluate for one binding.
pub struct Needs<'a> {
    pub tenant: &'a str,
    pub single: bool,
    pub vault_reachable: bool,
}

/// R10 conditions 1–5 for one (key, identity) binding; `attached` is R10.1's
/// "still assigned to the server".
pub fn check_binding(
    state: &State,
    needs: &Needs,
    b: &Binding,
    attached: bool,
    owner: ServerId,
    out: &mut Causes,
) {
    check_identity(state, b, attached, owner, out);
    let vault = &state.vaults[b.vault as usize];
    // R10.2; a purged vault reports only VaultPurged among vault and key causes.
    match vault.life {
        Life::Active => {}
        Life::SoftDeleted { .. } => out.push(Cause::VaultSoftDeleted, Subject::Vault(b.vault)),
        Life::Purged | Life::Absent => {
            out.push(Cause::VaultPurged, Subject::Vault(b.vault));
            return;
        }
    }
    if vault.tenant != needs.tenant {
        out.push(Cause::VaultWrongTenant, Subject::Vault(b.vault));
    }
    // R10.3
    if !vault.firewall.lets_service_in() {
        out.push(Cause::FirewallBlocked, Subject::Vault(b.vault));
    }
    if !needs.vault_reachable {
        out.push(Cause::NetworkPathBroken, Subject::Vault(b.vault));
    }
    // R10.4; a Single copy with no identity yet has no principal to hold a
    // grant, and R39 names its causes without GrantMissing.
    if b.identity.is_some() && !holds_grant(vault, b, needs.single) {
        out.push(Cause::GrantMissing, Subject::Vault(b.vault));
    }
    check_key_version(state, b.vault, &b.key, b.version, b.material, out);
}

fn check_identity(state: &State, b: &Binding, attached: bool, owner: ServerId, out: &mut Causes) {
    let Some(id) = b.identity else {
        // R39: a Single copy starts with no identity; the one it will get is
        // named after it.
        out.push(Cause::IdentityNotAssigned, Subject::Server(owner));
        return;
    };
    let identity = &state.identities[id as usize];
    if identity.principal == b.principal {
        if identity.state != IdentityState::Active {
            out.push(Cause::IdentityDeleted, Subject::Identity(id));
        }
    } else if identity.state == IdentityState::Active {
        out.push(Cause::IdentityReplaced, Subject::Identity(id));
    } else {
        out.push(Cause::IdentityDeleted, Subject::Identity(id));
    }
    if !attached {
        out.push(Cause::IdentityNotAssigned, Subject::Identity(id));
    }
}

/// R7: only the grants of the vault's current permission model count.
pub fn holds_grant(vault: &Vault, b: &Binding, single: bool) -> bool {
    match vault.permission_model {
        PermissionModel::Rbac => vault.roles.iter().any(|r| {
            r.principal == b.principal
                && role_counts(r.role)
                && r.key.as_ref().is_none_or(|k| **k == *b.key)
        }),
        PermissionModel::AccessPolicy => vault
            .policies
            .iter()
            .any(|p| p.principal == b.principal && p.allows(needed_permissions(single))),
    }
}

/// R10.5 for one version; a purged key reports only KeyPurged.
pub fn check_key_version(
    state: &State,
    vault_id: VaultId,
    key_name: &Text,
    number: u32,
    material: u64,
    out: &mut Causes,
) {
    let vault = &state.vaults[vault_id as usize];
    if matches!(vault.life, Life::Purged | Life::Absent) {
        out.push(Cause::KeyPurged, Subject::Key(vault_id, key_name.clone()));
        return;
    }
    let Some(key) = vault.key(key_name).filter(|k| k.life.is_present()) else {
        out.push(Cause::KeyPurged, Subject::Key(vault_id, key_name.clone()));
        return;
    };
    if let Life::SoftDeleted { .. } = key.life {
        out.push(
            Cause::KeySoftDeleted,
            Subject::Key(vault_id, key_name.clone()),
        );
    }
    let subject = || Subject::Version(vault_id, key_name.clone(), number);
    let Some(v) = key.version(number).filter(|v| v.material == material) else {
        out.push(Cause::KeyVersionMissing, subject());
        return;
    };
    let now = state.now_s;
    if !v.enabled {
        out.push(Cause::KeyDisabled, subject());
    }
    if !v.unexpired_at(now) {
        out.push(Cause::KeyExpired, subject());
    }
    if !v.active_at(now) {
        out.push(Cause::KeyNotYetActive, subject());
    }
    if !v.ops.wraps() {
        out.push(Cause::KeyOpsMissing, subject());
    }
    if !v.supported() {
        out.push(Cause::KeyTypeUnsupported, subject());
    }
}

/// R10 in full for a server's primary key (conditions 1–6).
pub fn server_causes(state: &State, id: ServerId, server: &Server) -> Causes {
    let mut out = Causes::default();
    let Some(cmk) = server.cmk.as_ref() else {
        return out; // R12: service-managed servers never lose key access.
    };
    let needs = Needs {
        tenant: &server.tenant,
        single: server.is_single(),
        vault_reachable: server.vault_reachable,
    };
    check_binding(state, &needs, &cmk.primary, cmk.attached, id, &mut out);
    // R10.6 / R38: a restored server also needs the source's version.
    if let Some(src) = &cmk.restore_source {
        check_key_version(
            state,
            src.vault,
            &src.key,
            src.version,
            src.material,
            &mut out,
        );
    }
    if cmk.needs_revalidation {
        out.push(Cause::RevalidationRequired, Subject::Server(id));
    }
    out.sorted()
}

/// R11: conditions 1–5 for the geo-backup key and identity.
pub fn geo_causes(state: &State, id: ServerId, server: &Server) -> Option<Causes> {
    let geo = server.cmk.as_ref()?.geo.as_ref()?;
    let mut out = Causes::default();
    let needs = Needs {
        tenant: &server.tenant,
        single: server.is_single(),
        vault_reachable: server.vault_reachable,
    };
    let b = state.resolve_geo(geo);
    check_binding(state, &needs, &b, true, id, &mut out);
    Some(out.sorted())
}

/// Renders a subject as the reports name it (R10).
pub fn subject_name<'s>(state: &'s State, s: &Subject) -> std::borrow::Cow<'s, str> {
    use std::borrow::Cow;
    match s {
        Subject::Identity(id) => Cow::Borrowed(&state.identities[*id as usize].name),
        Subject::Vault(v) => Cow::Borrowed(&state.vaults[*v as usize].name),
        Subject::Key(v, k) => Cow::Owned(format!("{}/{}", state.vaults[*v as usize].name, k)),
        Subject::Version(v, k, n) => {
            Cow::Owned(format!("{}/{}/{}", state.vaults[*v as usize].name, k, n))
        }
        Subject::Server(id) => Cow::Borrowed(&state.servers[*id as usize].name),
    }
}
