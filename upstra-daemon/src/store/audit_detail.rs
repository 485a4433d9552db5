//! The details of the audit records, one type per action, so a key is spelled once.
//!
//! Each replaces a `json!` object with the same keys and values: the stored text is what it
//! was, byte for byte (`audit_detail_tests.rs` pins each), so the hash chain of a store
//! written before reads and verifies the same. Keys are stored in sorted order whatever the
//! field order (see `audit_entry.rs`); the fields are declared in the order the objects had.
//! Outage actions' details are in `audit_detail_outage.rs`.

use serde::Serialize;

/// `ssh_open`: where the shell goes, and the Upstra session that asked.
#[derive(Debug, Serialize)]
pub struct SshOpened {
    pub address: String,
    pub login: String,
    pub host_key_pinned: bool,
    pub upstra_session: String,
}

/// `ssh_close`: how long the shell lasted, and why it ended (one printable line).
#[derive(Debug, Serialize)]
pub struct SshClosed {
    pub duration_ms: u64,
    pub reason: String,
}

/// `ssh_pin_host_key`: the key pinned now, and the one it replaced.
#[derive(Debug, Serialize)]
pub struct SshHostKeyPinned {
    pub host_key: String,
    pub before: Option<String>,
}

/// `backup` (ok): the copy taken, and whether it is under a passphrase (never the passphrase).
#[derive(Debug, Serialize)]
pub struct BackupTaken<'a> {
    pub id: &'a str,
    pub size: u64,
    pub sha256: &'a str,
    pub passphrase: bool,
}

/// `backup_read`: a copy read to its end.
#[derive(Debug, Serialize)]
pub struct BackupRead<'a> {
    pub id: &'a str,
    pub size: u64,
}

/// `backup_expired`: a copy nobody finished reading, removed after this long idle.
#[derive(Debug, Serialize)]
pub struct BackupExpired {
    pub id: String,
    pub idle_timeout_s: u64,
}

/// `store_restored`: the backup put in place, and the sessions it ended.
#[derive(Debug, Serialize)]
pub struct StoreRestored {
    pub backup_sha256: String,
    pub passphrase: bool,
    pub sessions_ended: u64,
}

/// `login` (rate_limited): the refusals of one window, recorded once for all of them.
#[derive(Debug, Serialize)]
pub struct LoginsRateLimited {
    pub refusals: u64,
    pub window_s: i64,
}

/// `login_second_factor` (denied): a challenge presented by another Unix user.
#[derive(Debug, Serialize)]
pub struct ChallengeOfAnotherUid {
    pub reason: &'static str,
    pub received_by_uid: u32,
}

/// Any method (denied): a session token presented by another Unix user.
#[derive(Debug, Serialize)]
pub struct SessionOfAnotherUid {
    pub reason: &'static str,
    pub opened_by_uid: u32,
}

/// Any method (refused): names that the lab does not declare, as the caller wrote them.
#[derive(Debug, Serialize)]
pub struct NotDeclared<'a> {
    pub not_declared: Vec<&'a str>,
}

/// `server_power`: what was asked, and the power before and after (`unknown` when it failed).
#[derive(Debug, Serialize)]
pub struct ServerPowered<'a> {
    pub action: &'a str,
    pub before: String,
    pub after: String,
}

/// `vm_power`: what was asked, the power before, and the VM's vCenter id.
#[derive(Debug, Serialize)]
pub struct VmPowered<'a> {
    pub action: &'a str,
    pub before: &'a str,
    pub vm_id: String,
}

/// `vm_migrate`: the hosts by declared server and by vSphere name, and the VM's vCenter id.
#[derive(Debug, Serialize)]
pub struct VmMigrated<'a> {
    pub from: &'a str,
    pub to: String,
    pub from_host: &'a str,
    pub to_host: &'a str,
    pub vm_id: String,
}

/// `tls_fingerprint` and `tls_pin`: the certificate's fingerprint.
#[derive(Debug, Serialize)]
pub struct TlsFingerprint {
    pub fingerprint: String,
}

/// `audit_verify` (broken): where the chain breaks.
#[derive(Debug, Serialize)]
pub struct AuditChainBroken<'a> {
    pub problem: &'a str,
}

/// `config_reload`, by how it ended. Reloads are asked by a signal (`by`).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ConfigReloaded {
    /// The file could not be read, or its log filter put in force.
    Failed { by: &'static str },
    /// The file is invalid, at this line when known.
    Invalid {
        by: &'static str,
        line: Option<usize>,
    },
    /// In force: the keys changed live, and those that wait for a restart.
    Done {
        by: &'static str,
        changed: Vec<&'static str>,
        restart_needed: Vec<&'static str>,
    },
}

impl ConfigReloaded {
    /// Who asks for reloads.
    pub const BY: &'static str = "signal";

    pub fn failed() -> Self {
        Self::Failed { by: Self::BY }
    }

    pub fn invalid(line: Option<usize>) -> Self {
        Self::Invalid { by: Self::BY, line }
    }

    pub fn done(changed: Vec<&'static str>, restart_needed: Vec<&'static str>) -> Self {
        Self::Done {
            by: Self::BY,
            changed,
            restart_needed,
        }
    }
}

#[cfg(test)]
#[path = "audit_detail_tests.rs"]
mod tests;
