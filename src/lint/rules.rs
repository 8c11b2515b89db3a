//! The lint rules: a stable id, a short name, a severity, and what the rule
//! stands on. Ids never change meaning; a retired rule keeps its number.
//! KL0xx are errors (the service refuses the setup: MODEL.md R35–R40);
//! KL1xx are warnings (the documented recommendations).

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct Rule {
    pub id: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// One sentence: what the rule checks and why.
    pub summary: &'static str,
}

const fn error(id: &'static str, name: &'static str, summary: &'static str) -> Rule {
    Rule {
        id,
        name,
        severity: Severity::Error,
        summary,
    }
}

const fn warning(id: &'static str, name: &'static str, summary: &'static str) -> Rule {
    Rule {
        id,
        name,
        severity: Severity::Warning,
        summary,
    }
}

pub const VAULT_OTHER_TENANT: Rule = error(
    "KL001",
    "vault-other-tenant",
    "The key's vault is in another Entra tenant than the server; cross-tenant keys are refused (R35, R10.2).",
);
pub const VAULT_OTHER_REGION: Rule = error(
    "KL002",
    "vault-other-region",
    "The key's vault is in another region than the server (or, for a geo-backup key, than the backup region); the service refuses it (R35).",
);
pub const SOFT_DELETE_OFF: Rule = error(
    "KL003",
    "soft-delete-off",
    "A customer-managed key must live in a vault with soft delete on (R35).",
);
pub const PURGE_PROTECTION_OFF: Rule = error(
    "KL004",
    "purge-protection-off",
    "A customer-managed key must live in a vault with purge protection on (R35).",
);
pub const FIREWALL_BLOCKS_SERVICE: Rule = error(
    "KL005",
    "firewall-blocks-service",
    "The vault's firewall lets the service in neither by public access, nor by the trusted-services bypass, nor by a private endpoint (R10.3, R35).",
);
pub const GRANT_MISSING: Rule = error(
    "KL006",
    "grant-missing",
    "The server's identity holds no grant with wrap and unwrap under the vault's current permission model (R7, R10.4, R35).",
);
pub const KEY_TYPE_UNSUPPORTED: Rule = error(
    "KL007",
    "key-type-unsupported",
    "Only RSA or RSA-HSM keys of 2048, 3072 or 4096 bits are supported (R10.5).",
);
pub const KEY_OPS_MISSING: Rule = error(
    "KL008",
    "key-ops-missing",
    "The key version does not permit wrapKey and unwrapKey (R5, R10.5).",
);
pub const KEY_DISABLED: Rule = error(
    "KL009",
    "key-disabled",
    "The key version is disabled when the server is created (R10.5).",
);
pub const KEY_NOT_YET_ACTIVE: Rule = error(
    "KL010",
    "key-not-yet-active",
    "The key version's activation date is still in the future when the server is created (R10.5).",
);
pub const KEY_EXPIRED: Rule = error(
    "KL011",
    "key-expired",
    "The key version has expired when the server is created (R10.5).",
);
pub const KEY_VERSION_MISSING: Rule = error(
    "KL012",
    "key-version-missing",
    "The server names a key version that does not exist when it is created (R6, R10.5).",
);
pub const SINGLE_SERVER_KEY: Rule = error(
    "KL013",
    "single-server-key",
    "A Single server takes an RSA 2048 key without expiry (R39).",
);
pub const DOUBLE_ENCRYPTION_UNSUPPORTED: Rule = error(
    "KL014",
    "double-encryption-unsupported",
    "Infrastructure double encryption exists only on Single servers of the GeneralPurpose or MemoryOptimized tier (R39).",
);
pub const GEO_BACKUP_KEY_MISSING: Rule = error(
    "KL015",
    "geo-backup-key-missing",
    "A CMK server with geo-redundant backup needs a geo-backup key (R35; the service says CMKNotSupportedForGeoRedundantBackupEnabledServer).",
);
pub const GEO_BACKUP_WITHOUT_REGION: Rule = error(
    "KL016",
    "geo-backup-without-backup-region",
    "A geo-backup key is given but the server has no backup region (R8, R35).",
);
pub const GEO_IDENTITY_NOT_DISTINCT: Rule = error(
    "KL017",
    "geo-identity-not-distinct",
    "The geo-backup key must be used through another identity than the primary key (R35).",
);
pub const ENCRYPTION_MODE_FIXED: Rule = error(
    "KL018",
    "encryption-mode-fixed",
    "A Flexible server's encryption mode is fixed at creation, and no server goes back from CMK to service-managed (R36).",
);
pub const REPLICA_KEY_REQUIRED: Rule = error(
    "KL019",
    "replica-key-required",
    "A read replica of a CMK Flexible server needs its own key and identity, both in the replica's region (R38).",
);
pub const TLS_SETTINGS_INVALID: Rule = error(
    "KL020",
    "tls-settings-invalid",
    "The server's TLS parameters are not ones the service accepts (R40).",
);

pub const SOFT_DELETE_RECOMMENDED: Rule = warning(
    "KL101",
    "soft-delete-off",
    "Soft delete lets a deleted key or vault come back; the documents require it for CMK.",
);
pub const PURGE_PROTECTION_RECOMMENDED: Rule = warning(
    "KL102",
    "purge-protection-off",
    "Purge protection enforces the retention period, so nobody can purge a key the data depends on.",
);
pub const RETENTION_BELOW_90: Rule = warning(
    "KL103",
    "retention-below-90-days",
    "A 90-day retention is recommended; it is fixed when the vault is created.",
);
pub const NO_DELETE_LOCK: Rule = warning(
    "KL104",
    "no-delete-lock",
    "A delete lock on the vault prevents accidental or unauthorized deletion.",
);
pub const ACCESS_POLICY_MODEL: Rule = warning(
    "KL105",
    "access-policy-model",
    "The RBAC permission model with Key Vault Crypto Service Encryption User is preferred; access policies are legacy.",
);
pub const PUBLIC_ACCESS_ON: Rule = warning(
    "KL106",
    "public-access-on",
    "Disabling public network access (with the trusted-services bypass on) is recommended.",
);
pub const TRUSTED_SERVICES_OFF: Rule = warning(
    "KL107",
    "trusted-services-off",
    "Allowing trusted Microsoft services to bypass the firewall is recommended; it is how the service reaches a locked-down vault.",
);
pub const KEY_NOT_BACKED_UP: Rule = warning(
    "KL108",
    "key-not-backed-up",
    "Keep a key backup (or escrow) before first use: a purged key without one means the data is lost for good (R31).",
);
pub const GEO_IDENTITY_OTHER_REGION: Rule = warning(
    "KL109",
    "geo-identity-other-region",
    "The geo-backup identity is recommended to live in the backup region, for regional resiliency.",
);
pub const NO_KEY_ACCESS_ALERT: Rule = warning(
    "KL110",
    "no-key-access-alert",
    "Without an alert on key-access failure (activity log), a loss is noticed only when clients complain (R25).",
);
pub const NO_NEAR_EXPIRY_ALERT: Rule = warning(
    "KL111",
    "no-near-expiry-alert",
    "A key with an expiry should have a near-expiry alert, so the rotation happens before the server denies connections (R25).",
);
pub const VERSIONED_KEY_WILL_CHANGE: Rule = warning(
    "KL112",
    "versioned-key-with-rotation-or-expiry",
    "The server names a fixed key version of a key that rotates or expires; use a versionless reference, or a plan that updates the server (R6).",
);
pub const KEY_BELOW_4096: Rule = warning(
    "KL113",
    "key-size-below-4096",
    "A 4096-bit key is recommended for better security.",
);

/// Every rule, in id order (SARIF lists them in this order).
pub static ALL: [Rule; 33] = [
    VAULT_OTHER_TENANT,
    VAULT_OTHER_REGION,
    SOFT_DELETE_OFF,
    PURGE_PROTECTION_OFF,
    FIREWALL_BLOCKS_SERVICE,
    GRANT_MISSING,
    KEY_TYPE_UNSUPPORTED,
    KEY_OPS_MISSING,
    KEY_DISABLED,
    KEY_NOT_YET_ACTIVE,
    KEY_EXPIRED,
    KEY_VERSION_MISSING,
    SINGLE_SERVER_KEY,
    DOUBLE_ENCRYPTION_UNSUPPORTED,
    GEO_BACKUP_KEY_MISSING,
    GEO_BACKUP_WITHOUT_REGION,
    GEO_IDENTITY_NOT_DISTINCT,
    ENCRYPTION_MODE_FIXED,
    REPLICA_KEY_REQUIRED,
    TLS_SETTINGS_INVALID,
    SOFT_DELETE_RECOMMENDED,
    PURGE_PROTECTION_RECOMMENDED,
    RETENTION_BELOW_90,
    NO_DELETE_LOCK,
    ACCESS_POLICY_MODEL,
    PUBLIC_ACCESS_ON,
    TRUSTED_SERVICES_OFF,
    KEY_NOT_BACKED_UP,
    GEO_IDENTITY_OTHER_REGION,
    NO_KEY_ACCESS_ALERT,
    NO_NEAR_EXPIRY_ALERT,
    VERSIONED_KEY_WILL_CHANGE,
    KEY_BELOW_4096,
];

/// A file `keyloss` cannot read: reported by `lint` like a finding (in
/// SARIF too), with exit status 2.
pub static FILE_ERROR: Rule = error(
    "KL000",
    "scenario-file-error",
    "The scenario file cannot be read, parsed or resolved; the message says where and why.",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_sorted_and_match_their_severity() {
        for pair in ALL.windows(2) {
            assert!(
                pair[0].id < pair[1].id,
                "{} then {}",
                pair[0].id,
                pair[1].id
            );
        }
        for r in ALL {
            let expected = if r.id < "KL100" {
                Severity::Error
            } else {
                Severity::Warning
            };
            assert_eq!(r.severity, expected, "{}", r.id);
        }
    }
}
