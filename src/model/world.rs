//! The Azure side of the world (R1–R7): vaults, keys and their versions,
//! identities, grants and key backups, as stored state. Servers live in
//! `server.rs`; what a server may do with this state is `access.rs`.

use crate::scenario::format::{
    FirewallSpec, KeyKind, KeyOp, Permission, PermissionModel, RoleName, VaultKind, VaultSpec,
};

pub type VaultId = u32;
pub type IdentityId = u32;
pub type ServerId = u32;
/// Key material: unique per created version, shared by a restored backup (R5).
pub type MaterialId = u64;
/// Minted when an identity is created (R3).
pub type PrincipalId = u64;

/// Lifecycle of a vault or key (R4, R5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Life {
    /// The name has never held an entity (or not in this incarnation).
    Absent,
    Active,
    SoftDeleted {
        since_s: u64,
    },
    Purged,
}

impl Life {
    pub fn is_active(self) -> bool {
        self == Life::Active
    }
    /// Present: active or soft-deleted, so the name is taken.
    pub fn is_present(self) -> bool {
        matches!(self, Life::Active | Life::SoftDeleted { .. })
    }
    pub fn label(self) -> &'static str {
        match self {
            Life::Absent => "Absent",
            Life::Active => "Active",
            Life::SoftDeleted { .. } => "SoftDeleted",
            Life::Purged => "Purged",
        }
    }
}

/// Key operations as a bit set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ops(pub u8);

impl Ops {
    pub const ALL: Ops = Ops(0b11_1111);
    fn bit(op: KeyOp) -> u8 {
        1 << (op as u8)
    }
    pub fn from_list(ops: &[KeyOp]) -> Ops {
        Ops(ops.iter().fold(0, |acc, &op| acc | Ops::bit(op)))
    }
    pub fn wraps(self) -> bool {
        let need = Ops::bit(KeyOp::WrapKey) | Ops::bit(KeyOp::UnwrapKey);
        self.0 & need == need
    }
}

#[derive(Clone, Debug)]
pub struct Version {
    pub number: u32,
    pub material: MaterialId,
    pub kind: KeyKind,
    pub size_bits: u32,
    pub enabled: bool,
    pub not_before_s: Option<u64>,
    pub expires_s: Option<u64>,
    pub ops: Ops,
}

impl Version {
    /// R10.5 type and size: RSA or RSA-HSM of 2048, 3072 or 4096 bits.
    pub fn supported(&self) -> bool {
        matches!(self.kind, KeyKind::Rsa | KeyKind::RsaHsm)
            && matches!(self.size_bits, 2048 | 3072 | 4096)
    }
    pub fn active_at(&self, now_s: u64) -> bool {
        self.not_before_s.is_none_or(|nbf| nbf <= now_s)
    }
    pub fn unexpired_at(&self, now_s: u64) -> bool {
        self.expires_s.is_none_or(|exp| now_s < exp)
    }
}

#[derive(Clone, Copy, Debug)]
pub struct RotationPolicy {
    pub every_s: u64,
    pub expire_after_s: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct Key {
    pub name: String,
    pub life: Life,
    pub versions: Vec<Version>,
    pub rotation: Option<RotationPolicy>,
    /// Bumped at every (re)creation so that stale service steps are ignored.
    pub incarnation: u32,
}

impl Key {
    pub fn newest(&self) -> Option<&Version> {
        self.versions.last()
    }
    pub fn version(&self, number: u32) -> Option<&Version> {
        self.versions.iter().find(|v| v.number == number)
    }
    pub fn version_mut(&mut self, number: u32) -> Option<&mut Version> {
        self.versions.iter_mut().find(|v| v.number == number)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleAssignment {
    pub principal: PrincipalId,
    /// `None`: vault scope; `Some(key)`: that key only.
    pub key: Option<String>,
    pub role: RoleName,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessPolicy {
    pub principal: PrincipalId,
    pub permissions: Vec<Permission>,
}

impl AccessPolicy {
    pub fn allows(&self, needed: &[Permission]) -> bool {
        needed.iter().all(|p| self.permissions.contains(p))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Firewall {
    pub public_access: bool,
    pub trusted_services: bool,
    pub private_endpoint: bool,
}

impl Firewall {
    /// R10.3: the service reaches the vault one of three ways.
    pub fn lets_service_in(self) -> bool {
        self.public_access || self.trusted_services || self.private_endpoint
    }
}

impl From<FirewallSpec> for Firewall {
    fn from(f: FirewallSpec) -> Self {
        Firewall {
            public_access: f.public_access,
            trusted_services: f.trusted_services,
            private_endpoint: f.private_endpoint,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Vault {
    pub name: String,
    pub life: Life,
    pub incarnation: u32,
    pub region: String,
    pub tenant: String,
    pub kind: VaultKind,
    pub soft_delete: bool,
    pub retention_days: u32,
    pub purge_protection: bool,
    pub permission_model: PermissionModel,
    pub firewall: Firewall,
    pub delete_lock: bool,
    pub keys: Vec<Key>,
    pub roles: Vec<RoleAssignment>,
    pub policies: Vec<AccessPolicy>,
}

impl Vault {
    pub fn absent(name: &str) -> Vault {
        Vault {
            name: name.to_string(),
            life: Life::Absent,
            incarnation: 0,
            region: String::new(),
            tenant: String::new(),
            kind: VaultKind::Standard,
            soft_delete: true,
            retention_days: 90,
            purge_protection: true,
            permission_model: PermissionModel::Rbac,
            firewall: Firewall {
                public_access: true,
                trusted_services: true,
                private_endpoint: false,
            },
            delete_lock: false,
            keys: Vec::new(),
            roles: Vec::new(),
            policies: Vec::new(),
        }
    }

    /// A new incarnation from a spec; keys are added by the caller, which
    /// mints their material.
    pub fn create(&mut self, spec: &VaultSpec) {
        self.life = Life::Active;
        self.incarnation += 1;
        self.region = spec.region.clone();
        self.tenant = spec.tenant.clone().unwrap_or_else(|| "default".into());
        self.kind = spec.kind;
        // R4: soft delete is always on for a Managed HSM.
        self.soft_delete = spec.soft_delete || spec.kind == VaultKind::ManagedHsm;
        self.retention_days = spec.retention_days;
        self.purge_protection = spec.purge_protection;
        self.permission_model = spec.permission_model;
        self.firewall = spec.firewall.into();
        self.delete_lock = spec.delete_lock;
        self.keys.clear();
        self.roles.clear();
        self.policies.clear();
    }

    pub fn retention_s(&self) -> u64 {
        u64::from(self.retention_days) * 86_400
    }

    pub fn key_index(&self, name: &str) -> Option<usize> {
        self.keys.iter().position(|k| k.name == name)
    }

    pub fn key(&self, name: &str) -> Option<&Key> {
        self.keys.iter().find(|k| k.name == name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentityState {
    Absent,
    Active,
    /// Recoverable until the recovery window ends (R3).
    Deleted {
        since_s: u64,
    },
    /// Deleted for good.
    Gone,
}

#[derive(Clone, Debug)]
pub struct Identity {
    pub name: String,
    pub state: IdentityState,
    pub principal: PrincipalId,
    pub region: String,
    pub tenant: String,
    pub incarnation: u32,
}

/// A key backup (R5): every version that existed when it was taken.
#[derive(Clone, Debug)]
pub struct Backup {
    pub from_vault: String,
    pub tenant: String,
    pub key: String,
    pub versions: Vec<Version>,
    pub rotation: Option<RotationPolicy>,
}

/// The permissions an access policy needs (R7).
pub fn needed_permissions(single_server: bool) -> &'static [Permission] {
    if single_server {
        &[Permission::Get, Permission::WrapKey, Permission::UnwrapKey]
    } else {
        &[
            Permission::Get,
            Permission::List,
            Permission::WrapKey,
            Permission::UnwrapKey,
        ]
    }
}

/// R7: roles that include wrap and unwrap.
pub fn role_counts(role: RoleName) -> bool {
    !matches!(role, RoleName::Reader)
}
