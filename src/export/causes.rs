//! What each cause name of R10 means, why it breaks key access, the
//! documented way back and what would have prevented it; and what refusal
//! reasons and service codes mean. Drawn from MODEL.md and the service's
//! data-encryption documentation. Renderers look names up here; a name this
//! table does not know still reads sensibly.

/// Plain-English knowledge about one cause of R10.
#[derive(Clone, Copy, Debug)]
pub struct CauseInfo {
    /// Which condition of R10 it breaks (1-6).
    pub condition: u8,
    /// What holds, with `{s}` standing for the subject.
    pub what: &'static str,
    /// Why that stops the server from using its key.
    pub why: &'static str,
    /// The documented way back.
    pub way_back: &'static str,
    /// What would have prevented it.
    pub prevention: &'static str,
}

/// The six conditions of R10, one line each.
pub fn condition_text(n: u8) -> &'static str {
    match n {
        1 => "the server's managed identity exists, is the principal it was given, and is attached to the server",
        2 => "the vault exists, is active and sits in the server's tenant",
        3 => "the server can reach the vault through its firewall and its own network path",
        4 => "the identity holds a grant that counts under the vault's permission model",
        5 => "the key version is present, enabled, active, unexpired, RSA of a supported size and permits wrap and unwrap",
        6 => "a restored or copied server also meets its extra conditions (source key version, revalidation)",
        _ => "key access holds",
    }
}

pub fn info(cause: &str) -> Option<CauseInfo> {
    let i = |condition, what, why, way_back, prevention| {
        Some(CauseInfo {
            condition,
            what,
            why,
            way_back,
            prevention,
        })
    };
    match cause {
        "IdentityDeleted" => i(
            1,
            "the managed identity {s} was deleted in Entra ID",
            "the server asks the vault to unwrap its key as that identity; a deleted identity cannot sign in, so every key request fails",
            "recover the identity {s} while its recovery window runs (same principal id, its grants work again), or create a new identity, grant it the role on the vault and point the server at it; then wait about an hour while the server revalidates the identity",
            "keep identity deletion out of clean-up scripts and put a CanNotDelete resource lock on the identity; a KeyAccessFailure alert on the activity log tells you within minutes",
        ),
        "IdentityReplaced" => i(
            1,
            "the identity named {s} was deleted and created again: the name is the same, but it is a new principal",
            "grants belong to the principal, not the name; the server still knows the old principal id, which no longer exists, and the new one holds none of the old grants",
            "point the server at the new identity (UpdateServerIdentity), grant that identity the role on the vault, and wait about an hour while the server revalidates; creating an identity with the same name alone does not help",
            "recover a deleted identity instead of creating a new one under the same name",
        ),
        "IdentityNotAssigned" => i(
            1,
            "the identity {s} is not attached to the server (a change removed it from the server's identity list, or the server is a restored Single copy, which starts without one)",
            "the identity and its grants survive, but a server can only use an identity in its own identity list",
            "attach the identity again (UpdateServerIdentity) and wait about an hour while the server revalidates; a restored Single server gets its own system-assigned identity instead, which then needs a grant and a revalidation",
            "declare the identity on the server in the infrastructure code that manages it, so that an apply cannot drop it",
        ),
        "VaultSoftDeleted" => i(
            2,
            "the vault {s} was deleted and is soft-deleted",
            "soft delete keeps the vault and its keys for the retention period, but a deleted vault serves no key operation",
            "recover the vault within its retention period, then revalidate; under RBAC the role assignments were deleted with the vault and recovery does not bring them back, so assign the role again",
            "a delete lock (resource lock) on the vault refuses its deletion; purge protection keeps a deleted vault recoverable for the whole retention period",
        ),
        "VaultPurged" => i(
            2,
            "the vault {s} was purged",
            "a purged vault is gone for good, with every key in it",
            "there is none in the vault; only a key backup restored into a vault of the same tenant, or a geo-backup whose key is still usable, can bring the data back",
            "purge protection refuses a purge until retention ends; a delete lock refuses the deletion; a key backup taken before first use survives both",
        ),
        "VaultWrongTenant" => i(
            2,
            "the vault {s} was moved to another Entra tenant",
            "cross-tenant key vaults are not supported: vault and server must belong to the same tenant",
            "move the vault back to the server's tenant; moving a vault requires reconfiguring data encryption",
            "do not move a vault that holds a server's key to another tenant",
        ),
        "FirewallBlocked" => i(
            3,
            "the firewall of vault {s} shuts the server out: public access is off and neither the trusted-services bypass nor a private endpoint lets it in",
            "the server cannot reach the vault at all, so it cannot unwrap its key",
            "allow trusted Microsoft services to bypass the firewall (or add a private endpoint); access returns with the next key check",
            "when you lock a vault down with Disable public access, also tick Allow trusted Microsoft services to bypass this firewall, as the documents advise",
        ),
        "NetworkPathBroken" => i(
            3,
            "the server's own network path to vault {s} is broken (NSG rules or private DNS)",
            "the vault allows the server in, but its requests never arrive",
            "repair the route (NSG rule, private DNS zone) so that the server reaches the vault again",
            "test network changes against the vault's endpoint from the server's network before applying them",
        ),
        "GrantMissing" => i(
            4,
            "the identity holds no grant on vault {s} that counts under the vault's current permission model",
            "without wrapKey and unwrapKey permission the vault refuses to unwrap the key for the server",
            "give the identity a grant that counts: under RBAC the Key Vault Crypto Service Encryption User role (Reader does not count; a role is lost when the vault is deleted), under access policies get, list, wrapKey and unwrapKey; after a permission-model switch, either grant under the new model or switch back (the old grants still exist)",
            "keep the server identity's grant in infrastructure code and out of access reviews' removals; migrate grants before switching a vault's permission model",
        ),
        "KeyDisabled" => i(
            5,
            "version {s} is disabled",
            "the service does not use a disabled key",
            "re-enable the version (EnableKey), or point the server at another enabled version",
            "before disabling an old version after a rotation, make sure no server or restored copy still uses it; with a versionless key, keep the old version usable at least 2 hours after rotating",
        ),
        "KeyExpired" => i(
            5,
            "version {s} has expired",
            "the database service refuses an expired key (Key Vault itself would still unwrap with it)",
            "point the server at a newer version (UpdateServerKey) or extend the version's expiry (SetKeyExpiry)",
            "a versionless key reference follows rotations by itself; a NearExpiry alert gives 30 days' notice; or update the server every time the key is rotated",
        ),
        "KeyNotYetActive" => i(
            5,
            "version {s} has an activation date still in the future",
            "a key may be used only once its activation time has passed",
            "wait for the activation time, or point the server at a version that is already active",
            "do not give a key in use an activation date in the future",
        ),
        "KeySoftDeleted" => i(
            5,
            "the key {s} was deleted and is soft-deleted",
            "a deleted key keeps its versions for the vault's retention period but cannot be used",
            "recover the key within the vault's retention period, then revalidate",
            "restrict who may delete keys (a delete lock on the vault does not stop a key deletion: that is a data-plane action); purge protection keeps the key recoverable; take a key backup before first use",
        ),
        "KeyPurged" => i(
            5,
            "the key {s} was purged",
            "its key material is gone; nothing can unwrap the data encryption key any more",
            "restore a key backup taken before the purge into a vault of the same tenant; without one there is no way back",
            "purge protection refuses a purge until retention ends; a key backup taken before first use survives a purge",
        ),
        "KeyVersionMissing" => i(
            5,
            "the version {s} the server needs does not exist with the material the server is bound to",
            "a key re-created under the same name, or a version that was never there, holds other material; the server can only use its own",
            "restore a key backup that holds that version's material",
            "take a key backup before first use and keep it",
        ),
        "KeyOpsMissing" => i(
            5,
            "version {s} does not permit wrapKey and unwrapKey",
            "the server wraps and unwraps its data encryption key with exactly those operations",
            "point the server at a version that permits wrapKey and unwrapKey",
            "create keys for customer-managed encryption with wrapKey and unwrapKey among their permitted operations",
        ),
        "KeyTypeUnsupported" => i(
            5,
            "version {s} is not an RSA or RSA-HSM key of 2048, 3072 or 4096 bits",
            "only those keys can protect the server's data encryption key",
            "use an RSA key of 2048, 3072 or 4096 bits (4096 is recommended)",
            "create an RSA 4096 key for customer-managed encryption",
        ),
        "RevalidationRequired" => i(
            6,
            "{s} is a restored copy or replica of a Single server that has not been revalidated",
            "such a copy starts without an identity and must be revalidated before it may use the key",
            "give the copy an identity of its own (UpdateServerIdentity), grant it get, wrapKey and unwrapKey, then revalidate (Revalidate, or send the same server key again)",
            "include the identity, grant and revalidation steps in the restore runbook of every Single server with a customer-managed key",
        ),
        _ => None,
    }
}

/// `what` with the subject filled in; an unknown cause still reads.
pub fn what(cause: &str, subject: &str) -> String {
    match info(cause) {
        Some(i) => i.what.replace("{s}", subject),
        None => format!("{cause} ({subject})"),
    }
}

/// What a refusal reason means, for reasons that are not causes of R10.
pub fn refusal_meaning(reason: &str) -> Option<&'static str> {
    Some(match reason {
        "PurgeProtectionEnabled" => "purge protection is on, so a deleted vault or key can only be purged by the service when its retention ends (R26)",
        "PurgeProtectionDisabled" => "a customer-managed key needs a vault with purge protection on (R35)",
        "SoftDeleteDisabled" => "a customer-managed key needs a vault with soft delete on (R35)",
        "RegionMismatch" => "the vault and the server must be in the same region (R35)",
        "TenantMismatch" => "the vault and the server must belong to the same Entra tenant (R35)",
        "EncryptionModeFixed" => "a Flexible server's encryption mode is chosen at creation and never changes; restore into a new server with the wanted encryption instead (R36)",
        "GeoBackupKeyMissing" => "a server with geo-redundant backup and a customer-managed key needs a geo-backup key in a vault of the backup region (R35)",
        "GeoIdentityNotDistinct" => "the geo-backup key must be reached with another identity than the primary key (R35)",
        "GeoBackupNotConfigured" | "GeoBackupWithoutBackupRegion" => "geo-redundant backup needs a backup region and, with a customer-managed key, a geo-backup key (R8, R35)",
        "ReplicaKeyRequired" => "a read replica needs its own key in a vault of its region, with an identity from that region (R38)",
        "ScopeLocked" => "a delete lock refuses the deletion of the vault (R4)",
        "KeyHasExpiry" => "a Single server needs a key without an expiry date (R39)",
        "DoubleEncryptionNotSupported" | "DoubleEncryptionNotSupportedOnTier" => "infrastructure double encryption is chosen at creation, on a Single server of the General Purpose or Memory Optimized tier only (R39)",
        "InvalidParameterValue" | "UnknownParameter" => "the server parameter or its value is not one the service accepts (R40)",
        "IdentityNotRecoverable" => "deleted user-assigned identities cannot be recovered here (or the recovery window has passed); the way back is a new identity (R3)",
        "KeyNameInUse" | "VaultNameInUse" | "IdentityNameInUse" | "ServerNameInUse" => "that name is still taken (a soft-deleted vault's name cannot be reused until it is purged)",
        "KeyNotFound" | "VaultNotFound" | "IdentityNotFound" | "ServerNotFound" | "BackupNotFound" => "what the action names does not exist at that moment",
        "KeyNotDeleted" | "VaultNotDeleted" | "IdentityNotDeleted" => "only a deleted object can be recovered or purged",
        "NotSupportedOnManagedHsm" => "a Managed HSM does not support this setting",
        _ => return None,
    })
}

/// What an unhelpful service code really says (R35: teach users to decode it).
pub fn service_code_meaning(code: &str) -> Option<&'static str> {
    Some(match code {
        "AzureKeyVaultKeyNotFound" => "the service's message whenever it cannot read the key, whether the key or vault is deleted or purged, or the version is missing; it does not tell which, so look at the true cause",
        "InternalServerError" => "a generic failure that the service reports for some setup mistakes (a missing grant, a firewall or network path that shuts the server out); it hides the real cause",
        "CMKNotSupportedForGeoRedundantBackupEnabledServer" => "the server asks for geo-redundant backup with a customer-managed key but gives no geo-backup key (and identity) in the backup region",
        _ => return None,
    })
}

/// What a recovery wait stands for (R22).
pub fn wait_meaning(setting: &str) -> &'static str {
    match setting {
        "identity_revalidate_after" => "an identity was among the causes, so the server revalidates the identity, which takes around one hour",
        "recover_after" => "after key access returns the server takes up to 60 minutes to revalidate the key and become Available",
        _ => "the service's revalidation wait",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every stable cause name of R10 (MODEL.md), so none reads as unknown.
    const CAUSES: [&str; 18] = [
        "IdentityDeleted",
        "IdentityReplaced",
        "IdentityNotAssigned",
        "VaultSoftDeleted",
        "VaultPurged",
        "VaultWrongTenant",
        "FirewallBlocked",
        "NetworkPathBroken",
        "GrantMissing",
        "KeyDisabled",
        "KeyExpired",
        "KeyNotYetActive",
        "KeySoftDeleted",
        "KeyPurged",
        "KeyVersionMissing",
        "KeyOpsMissing",
        "KeyTypeUnsupported",
        "RevalidationRequired",
    ];

    #[test]
    fn every_cause_of_r10_has_a_meaning_a_way_back_and_a_prevention() {
        for c in CAUSES {
            let i = info(c).unwrap_or_else(|| panic!("{c} is not explained"));
            assert!((1..=6).contains(&i.condition), "{c}");
            assert!(!i.way_back.is_empty() && !i.prevention.is_empty(), "{c}");
        }
    }

    #[test]
    fn an_unknown_cause_still_reads_with_its_subject() {
        assert_eq!(what("Mystery", "kv"), "Mystery (kv)");
        assert_eq!(what("KeyDisabled", "kv/k/1"), "version kv/k/1 is disabled");
    }
}
