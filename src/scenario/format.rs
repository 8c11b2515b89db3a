//! The scenario file as written: the public RON format of SCENARIOS.md, one
//! Rust type per construct. Nothing here is resolved or checked beyond what
//! the types themselves enforce (durations, key references, TLS versions);
//! `resolve.rs` does the rest.

use serde::{Deserialize, Deserializer};

use crate::engine::time::{parse_duration, Seconds};

/// A duration written as `"1h30m"`: whole seconds, never negative.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Dur(pub Seconds);

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_duration(&text)
            .map(Dur)
            .map_err(|e| serde::de::Error::custom(e.to_string()))
    }
}

/// A delay distribution (R20–R25 timings).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum DistSpec {
    Fixed(Dur),
    Uniform(Dur, Dur),
    Triangular(Dur, Dur, Dur),
}

/// `"vault/key"` (versionless, R6) or `"vault/key/N"` (versioned).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyRef {
    pub vault: String,
    pub key: String,
    pub version: Option<u32>,
}

impl KeyRef {
    pub fn parse(text: &str) -> Result<KeyRef, String> {
        let parts: Vec<&str> = text.split('/').collect();
        let bad = || {
            format!(
                "a key reference is \"vault/key\" (versionless) or \"vault/key/N\" (version N), not {text:?}"
            )
        };
        match parts.as_slice() {
            [v, k] if !v.is_empty() && !k.is_empty() => Ok(KeyRef {
                vault: v.to_string(),
                key: k.to_string(),
                version: None,
            }),
            [v, k, n] if !v.is_empty() && !k.is_empty() => {
                let version: u32 = n.parse().map_err(|_| bad())?;
                if version == 0 {
                    return Err(format!("key versions are numbered from 1: {text:?}"));
                }
                Ok(KeyRef {
                    vault: v.to_string(),
                    key: k.to_string(),
                    version: Some(version),
                })
            }
            _ => Err(bad()),
        }
    }
}

impl std::fmt::Display for KeyRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.version {
            Some(n) => write!(f, "{}/{}/{}", self.vault, self.key, n),
            None => write!(f, "{}/{}", self.vault, self.key),
        }
    }
}

impl<'de> Deserialize<'de> for KeyRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        KeyRef::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A client's TLS version (R40); `None` is a client without TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClientTls {
    None,
    V1_0,
    V1_1,
    V1_2,
    V1_3,
}

impl ClientTls {
    pub fn parse(text: &str) -> Option<ClientTls> {
        Some(match text {
            "none" => ClientTls::None,
            "1.0" => ClientTls::V1_0,
            "1.1" => ClientTls::V1_1,
            "1.2" => ClientTls::V1_2,
            "1.3" => ClientTls::V1_3,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ClientTls::None => "none",
            ClientTls::V1_0 => "1.0",
            ClientTls::V1_1 => "1.1",
            ClientTls::V1_2 => "1.2",
            ClientTls::V1_3 => "1.3",
        }
    }
}

impl<'de> Deserialize<'de> for ClientTls {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        ClientTls::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "a client TLS version is \"1.0\", \"1.1\", \"1.2\", \"1.3\" or \"none\", not {text:?}"
            ))
        })
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename = "Scenario", deny_unknown_fields)]
pub struct ScenarioFile {
    pub name: String,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub seed: u64,
    /// Calendar start, for display only.
    #[serde(default)]
    pub start: Option<String>,
    pub horizon: Dur,
    #[serde(default)]
    pub timing: TimingSpec,
    pub world: WorldSpec,
    #[serde(default)]
    pub alerts: Vec<AlertSpec>,
    #[serde(default)]
    pub events: Vec<EventSpec>,
    #[serde(default)]
    pub runbook: Option<Vec<StepSpec>>,
    #[serde(default)]
    pub runbooks: Vec<(String, Vec<StepSpec>)>,
    #[serde(default)]
    pub expect: Vec<ExpectSpec>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename = "Timing", deny_unknown_fields)]
pub struct TimingSpec {
    pub key_check_every: Option<Dur>,
    pub key_check_phase: Option<DistSpec>,
    pub inaccessible_after: Option<DistSpec>,
    pub recover_after: Option<DistSpec>,
    pub identity_revalidate_after: Option<DistSpec>,
    pub rewrap_after: Option<DistSpec>,
    pub activity_log_delay: Option<DistSpec>,
    pub alert_delay: Option<DistSpec>,
    pub identity_recoverable: Option<bool>,
    pub identity_recovery_window: Option<Dur>,
    /// How many queue events one run may process before it stops (a guard
    /// against runbooks that trigger each other forever).
    pub event_budget: Option<u64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename = "World", deny_unknown_fields)]
pub struct WorldSpec {
    #[serde(default)]
    pub identities: Vec<IdentitySpec>,
    #[serde(default)]
    pub vaults: Vec<VaultSpec>,
    #[serde(default)]
    pub grants: Vec<GrantSpec>,
    #[serde(default)]
    pub servers: Vec<ServerDecl>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename = "Identity", deny_unknown_fields)]
pub struct IdentitySpec {
    pub name: String,
    pub region: String,
    #[serde(default)]
    pub tenant: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize)]
pub enum VaultKind {
    #[default]
    Standard,
    Premium,
    ManagedHsm,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize)]
pub enum PermissionModel {
    #[default]
    Rbac,
    AccessPolicy,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename = "Vault", deny_unknown_fields)]
pub struct VaultSpec {
    pub name: String,
    pub region: String,
    #[serde(default)]
    pub tenant: Option<String>,
    #[serde(default)]
    pub kind: VaultKind,
    #[serde(default = "yes")]
    pub soft_delete: bool,
    #[serde(default = "ninety")]
    pub retention_days: u32,
    #[serde(default = "yes")]
    pub purge_protection: bool,
    #[serde(default)]
    pub permission_model: PermissionModel,
    #[serde(default)]
    pub firewall: FirewallSpec,
    #[serde(default)]
    pub delete_lock: bool,
    #[serde(default)]
    pub keys: Vec<KeySpec>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename = "Firewall", deny_unknown_fields)]
pub struct FirewallSpec {
    #[serde(default = "yes")]
    pub public_access: bool,
    #[serde(default = "yes")]
    pub trusted_services: bool,
    #[serde(default)]
    pub private_endpoint: bool,
}

impl Default for FirewallSpec {
    fn default() -> Self {
        FirewallSpec {
            public_access: true,
            trusted_services: true,
            private_endpoint: false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize)]
pub enum KeyKind {
    #[default]
    Rsa,
    RsaHsm,
    Ec,
    EcHsm,
    Oct,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub enum KeyOp {
    Encrypt,
    Decrypt,
    Sign,
    Verify,
    WrapKey,
    UnwrapKey,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename = "Key", deny_unknown_fields)]
pub struct KeySpec {
    pub name: String,
    #[serde(default)]
    pub kind: KeyKind,
    #[serde(default = "default_key_size")]
    pub size: u32,
    #[serde(default = "one")]
    pub versions: u32,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub expires_after: Option<Dur>,
    #[serde(default)]
    pub activates_after: Option<Dur>,
    #[serde(default)]
    pub ops: Option<Vec<KeyOp>>,
    #[serde(default)]
    pub rotation: Option<RotationSpec>,
    #[serde(default)]
    pub backed_up: bool,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename = "Rotation", deny_unknown_fields)]
pub struct RotationSpec {
    pub every: Dur,
    #[serde(default)]
    pub expire_after: Option<Dur>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub enum RoleName {
    CryptoServiceEncryptionUser,
    CryptoUser,
    CryptoOfficer,
    Administrator,
    Reader,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub enum Permission {
    Get,
    List,
    WrapKey,
    UnwrapKey,
    Encrypt,
    Decrypt,
    Sign,
    Verify,
    Create,
    Delete,
    Recover,
    Purge,
    Backup,
    Restore,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum GrantSpec {
    Role {
        identity: String,
        vault: String,
        #[serde(default)]
        key: Option<String>,
        role: RoleName,
    },
    AccessPolicy {
        identity: String,
        vault: String,
        permissions: Vec<Permission>,
    },
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum ServerDecl {
    Server(ServerSpec),
    Fleet {
        prefix: String,
        count: u64,
        server: ServerSpec,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize)]
pub enum ServerKind {
    #[default]
    Flexible,
    Single,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize)]
pub enum Tier {
    Burstable,
    #[default]
    GeneralPurpose,
    MemoryOptimized,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename = "Server", deny_unknown_fields)]
pub struct ServerSpec {
    /// Required for a single server; a fleet's template names its members.
    #[serde(default)]
    pub name: String,
    pub region: String,
    #[serde(default)]
    pub tenant: Option<String>,
    #[serde(default)]
    pub kind: ServerKind,
    #[serde(default)]
    pub tier: Tier,
    #[serde(default)]
    pub encryption: EncryptionSpec,
    #[serde(default)]
    pub backup_region: Option<String>,
    #[serde(default)]
    pub double_encryption: bool,
    #[serde(default)]
    pub workload: WorkloadSpec,
    #[serde(default)]
    pub ssl_min_protocol_version: Option<String>,
    #[serde(default)]
    pub ssl_max_protocol_version: Option<String>,
    #[serde(default)]
    pub ssl_enforcement: Option<bool>,
    /// Key check phase of this server, overriding `Timing(key_check_phase)`.
    #[serde(default)]
    pub key_check_phase: Option<Dur>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum EncryptionSpec {
    #[default]
    ServiceManaged,
    CustomerManaged {
        key: KeyRef,
        /// A Single server uses its system-assigned identity, named after
        /// the server (R39), so it may leave this out.
        #[serde(default)]
        identity: Option<String>,
        #[serde(default)]
        geo_backup: Option<GeoBackupSpec>,
    },
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename = "GeoBackup", deny_unknown_fields)]
pub struct GeoBackupSpec {
    pub key: KeyRef,
    pub identity: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename = "Workload", deny_unknown_fields)]
pub struct WorkloadSpec {
    /// Mean gap between connection attempts (Poisson); `None`: no traffic.
    #[serde(default = "one_minute")]
    pub every: Option<Dur>,
    #[serde(default = "tls_1_2")]
    pub tls: ClientTls,
}

impl Default for WorkloadSpec {
    fn default() -> Self {
        WorkloadSpec {
            every: one_minute(),
            tls: ClientTls::V1_2,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename = "Alert", deny_unknown_fields)]
pub struct AlertSpec {
    pub name: String,
    pub on: AlertOn,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum AlertOn {
    ResourceHealth {
        server: String,
    },
    KeyAccessFailure {
        server: String,
    },
    NearExpiry {
        vault: String,
        key: String,
        #[serde(default)]
        before: Option<Dur>,
    },
}

/// A scripted event: `(at: "30d", do: RotateKey(..), name: "..", by: "..")`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSpec {
    pub at: Dur,
    #[serde(rename = "do")]
    pub action: Action,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub by: Option<String>,
}

/// A runbook step (R27).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    pub name: String,
    pub on: Trigger,
    #[serde(default)]
    pub after: Dur,
    #[serde(rename = "do")]
    pub action: Action,
}

#[derive(Clone, Debug, Deserialize)]
pub enum Trigger {
    At(Dur),
    Alert(String),
    After(String),
}

/// `CreateVault(Vault(...))`: a one-variant enum so that the entity keeps
/// its name in the file, as in `world`, while the extension that unwraps
/// `Server(name: ..)` in `world.servers` stays on.
#[derive(Clone, Debug, Deserialize)]
pub enum NewVault {
    Vault(VaultSpec),
}

/// `CreateServer(Server(...))`; see [`NewVault`].
#[derive(Clone, Debug, Deserialize)]
pub enum NewServer {
    Server(ServerSpec),
}

/// Every control-plane action (R35–R40), usable as a scripted event or a
/// runbook step.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Action {
    CreateKey {
        vault: String,
        key: String,
        #[serde(default)]
        kind: Option<KeyKind>,
        #[serde(default)]
        size: Option<u32>,
        #[serde(default)]
        expires_after: Option<Dur>,
        #[serde(default)]
        activates_after: Option<Dur>,
    },
    RotateKey {
        vault: String,
        key: String,
    },
    DisableKey {
        vault: String,
        key: String,
        #[serde(default)]
        version: Option<u32>,
    },
    EnableKey {
        vault: String,
        key: String,
        #[serde(default)]
        version: Option<u32>,
    },
    SetKeyExpiry {
        vault: String,
        key: String,
        #[serde(default)]
        version: Option<u32>,
        #[serde(default)]
        expires_at: Option<Dur>,
    },
    DeleteKey {
        vault: String,
        key: String,
    },
    RecoverKey {
        vault: String,
        key: String,
    },
    PurgeKey {
        vault: String,
        key: String,
    },
    BackupKey {
        vault: String,
        key: String,
    },
    RestoreKeyBackup {
        vault: String,
        key: String,
        #[serde(default)]
        from_vault: Option<String>,
    },
    CreateVault(NewVault),
    DeleteVault {
        vault: String,
    },
    RecoverVault {
        vault: String,
    },
    PurgeVault {
        vault: String,
    },
    SetFirewall {
        vault: String,
        #[serde(default)]
        public_access: Option<bool>,
        #[serde(default)]
        trusted_services: Option<bool>,
        #[serde(default)]
        private_endpoint: Option<bool>,
    },
    SetPermissionModel {
        vault: String,
        model: PermissionModel,
    },
    SetDeleteLock {
        vault: String,
        locked: bool,
    },
    MoveVault {
        vault: String,
        tenant: String,
    },
    CreateIdentity {
        identity: String,
        region: String,
        #[serde(default)]
        tenant: Option<String>,
    },
    DeleteIdentity {
        identity: String,
    },
    RecoverIdentity {
        identity: String,
    },
    AssignRole {
        identity: String,
        vault: String,
        #[serde(default)]
        key: Option<String>,
        role: RoleName,
    },
    RemoveRole {
        identity: String,
        vault: String,
        #[serde(default)]
        key: Option<String>,
        role: RoleName,
    },
    SetAccessPolicy {
        identity: String,
        vault: String,
        permissions: Vec<Permission>,
    },
    RemoveAccessPolicy {
        identity: String,
        vault: String,
    },
    CreateServer(NewServer),
    UpdateServerKey {
        server: String,
        key: KeyRef,
    },
    UpdateServerIdentity {
        server: String,
        identity: String,
    },
    DetachIdentity {
        server: String,
    },
    SetEncryption {
        server: String,
        encryption: EncryptionSpec,
    },
    Revalidate {
        server: String,
    },
    RestoreServer {
        from: String,
        into: String,
        #[serde(default)]
        encryption: Option<EncryptionSpec>,
    },
    CreateReplica {
        from: String,
        into: String,
        region: String,
        #[serde(default)]
        key: Option<KeyRef>,
        #[serde(default)]
        identity: Option<String>,
    },
    GeoRestore {
        from: String,
        into: String,
    },
    SetServerParameter {
        server: String,
        name: String,
        value: String,
    },
    SetServerNetwork {
        server: String,
        vault_reachable: bool,
    },
    DeleteServer {
        server: String,
    },
    SetWorkload {
        server: String,
        workload: WorkloadSpec,
    },
}

impl Action {
    /// The action's name as written in a scenario (`RotateKey`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Action::CreateKey { .. } => "CreateKey",
            Action::RotateKey { .. } => "RotateKey",
            Action::DisableKey { .. } => "DisableKey",
            Action::EnableKey { .. } => "EnableKey",
            Action::SetKeyExpiry { .. } => "SetKeyExpiry",
            Action::DeleteKey { .. } => "DeleteKey",
            Action::RecoverKey { .. } => "RecoverKey",
            Action::PurgeKey { .. } => "PurgeKey",
            Action::BackupKey { .. } => "BackupKey",
            Action::RestoreKeyBackup { .. } => "RestoreKeyBackup",
            Action::CreateVault(_) => "CreateVault",
            Action::DeleteVault { .. } => "DeleteVault",
            Action::RecoverVault { .. } => "RecoverVault",
            Action::PurgeVault { .. } => "PurgeVault",
            Action::SetFirewall { .. } => "SetFirewall",
            Action::SetPermissionModel { .. } => "SetPermissionModel",
            Action::SetDeleteLock { .. } => "SetDeleteLock",
            Action::MoveVault { .. } => "MoveVault",
            Action::CreateIdentity { .. } => "CreateIdentity",
            Action::DeleteIdentity { .. } => "DeleteIdentity",
            Action::RecoverIdentity { .. } => "RecoverIdentity",
            Action::AssignRole { .. } => "AssignRole",
            Action::RemoveRole { .. } => "RemoveRole",
            Action::SetAccessPolicy { .. } => "SetAccessPolicy",
            Action::RemoveAccessPolicy { .. } => "RemoveAccessPolicy",
            Action::CreateServer(_) => "CreateServer",
            Action::UpdateServerKey { .. } => "UpdateServerKey",
            Action::UpdateServerIdentity { .. } => "UpdateServerIdentity",
            Action::DetachIdentity { .. } => "DetachIdentity",
            Action::SetEncryption { .. } => "SetEncryption",
            Action::Revalidate { .. } => "Revalidate",
            Action::RestoreServer { .. } => "RestoreServer",
            Action::CreateReplica { .. } => "CreateReplica",
            Action::GeoRestore { .. } => "GeoRestore",
            Action::SetServerParameter { .. } => "SetServerParameter",
            Action::SetServerNetwork { .. } => "SetServerNetwork",
            Action::DeleteServer { .. } => "DeleteServer",
            Action::SetWorkload { .. } => "SetWorkload",
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum ExpectSpec {
    Inaccessible {
        server: String,
        #[serde(default)]
        at_most: Option<Dur>,
    },
    NeverInaccessible {
        server: String,
    },
    AvailableAt {
        server: String,
        at: Dur,
    },
    InaccessibleAt {
        server: String,
        at: Dur,
    },
    UnseenLoss {
        server: String,
    },
    DataLost {
        server: String,
    },
    NoDataLoss,
    StepRefused {
        step: String,
    },
    StepSucceeded {
        step: String,
    },
    AlertFired {
        alert: String,
        #[serde(default)]
        by: Option<Dur>,
    },
    TlsRefused {
        server: String,
    },
    OutageQuantile {
        server: String,
        q: f64,
        at_most: Dur,
    },
    OutageProbability {
        server: String,
        at_most: f64,
    },
}

fn yes() -> bool {
    true
}
fn one() -> u32 {
    1
}
fn ninety() -> u32 {
    90
}
fn default_key_size() -> u32 {
    4096
}
fn one_minute() -> Option<Dur> {
    Some(Dur(60))
}
fn tls_1_2() -> ClientTls {
    ClientTls::V1_2
}
