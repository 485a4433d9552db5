//! Why the daemon refused, as codes: `ApiError::Conflict` and `ApiError::SecondFactorRefused`
//! carry one next to their English sentence. A console words its own text (English or French)
//! from the code and never reads the sentence, so rewording the daemon cannot break a
//! translation. A code a console does not know (a newer daemon's), or none at all (an older
//! daemon's), reads as `Unknown`: the console then shows the daemon's sentence.

use serde::{Deserialize, Serialize};

wire_enum! {
    /// Why a one-time code was refused.
    pub enum SecondFactorCode {
        /// Not the code of now: wrong, or from too far in the past or future.
        Wrong => "wrong",
        /// The code's time step was already used (a replay).
        Replayed => "replayed",
        /// Not shaped like a recovery code (`ABCD-EFGH`).
        NotRecoveryCode => "not_recovery_code",
        /// A recovery code that was already used.
        RecoveryUsed => "recovery_used",
        /// Not one of the user's unused recovery codes.
        RecoveryWrong => "recovery_wrong",
        /// The user has no two-factor to check a code against.
        NotEnabled => "not_enabled",
    }
}

/// Why a request conflicts with the state the daemon is in. On the wire an object tagged by
/// `code`, with the figures a console needs to word it: `{"code":"role_in_use","grants":2}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "code")]
pub enum ConflictReason {
    /// `setup` once users exist.
    SetupDone,
    UserExists,
    RoleExists,
    /// The user already has that role on that resource.
    GrantExists,
    /// Removing or demoting the last enabled admin would lock everyone out.
    LastAdmin,
    /// Built-in roles cannot be removed.
    BuiltinRole,
    /// Grants still give the role.
    RoleInUse {
        grants: u64,
    },
    /// Two-factor enrollment while it is on already.
    TwoFactorOn,
    /// A two-factor confirmation with no enrollment pending.
    NothingToConfirm,
    /// Turning two-factor off while policy requires it.
    TwoFactorRequired,
    /// Another admin's backup is being taken; it is dropped after this many seconds at most.
    BackupInProgress {
        retry_after_s: u64,
    },
    /// A plan runs already: this run.
    RunInProgress {
        run: i64,
    },
    /// A cancel with no plan running.
    NoRunningPlan,
    /// A restore with every shed undone.
    NothingToRestore,
    /// A restore while a UPS is still on battery.
    UpsOnBattery,
    /// A restore before a UPS told to cut its output has brought it back: worth asking again
    /// after this many seconds.
    UpsNotBackYet {
        retry_after_s: u64,
    },
    /// An SSH session recorded as closed a second time.
    SshSessionClosed,
    /// A code this build does not know (a newer daemon's), or none (an older daemon's).
    #[default]
    #[serde(other)]
    Unknown,
}

#[cfg(test)]
mod tests {
    use super::super::ApiError;
    use super::*;

    #[test]
    fn second_factor_codes_are_pinned() {
        let words: Vec<&str> = SecondFactorCode::KNOWN.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            words,
            [
                "wrong",
                "replayed",
                "not_recovery_code",
                "recovery_used",
                "recovery_wrong",
                "not_enabled"
            ]
        );
        for c in SecondFactorCode::KNOWN {
            let json = serde_json::to_string(c).expect("json");
            assert_eq!(json, format!("\"{c}\""));
        }
        let newer: SecondFactorCode = serde_json::from_str("\"expired_device\"").expect("reads");
        assert_eq!(newer, SecondFactorCode::Unknown);
    }

    #[test]
    fn a_refusal_carries_its_code_next_to_its_sentence() {
        let e = ApiError::SecondFactorRefused {
            reason: "this code was already used".into(),
            code: SecondFactorCode::Replayed,
        };
        let json = serde_json::to_string(&e).expect("json");
        assert_eq!(
            json,
            r#"{"error":"second_factor_refused","reason":"this code was already used","code":"replayed"}"#
        );
        assert_eq!(serde_json::from_str::<ApiError>(&json).expect("reads"), e);

        let e = ApiError::Conflict {
            message: "role `x` is used by 2 grant(s)".into(),
            reason: ConflictReason::RoleInUse { grants: 2 },
        };
        let json = serde_json::to_string(&e).expect("json");
        assert_eq!(
            json,
            r#"{"error":"conflict","message":"role `x` is used by 2 grant(s)","reason":{"code":"role_in_use","grants":2}}"#
        );
        assert_eq!(serde_json::from_str::<ApiError>(&json).expect("reads"), e);
        let last = serde_json::to_string(&ConflictReason::LastAdmin).expect("json");
        assert_eq!(last, r#"{"code":"last_admin"}"#);
    }

    /// An older daemon sends no code: the sentence is all there is, and still reads.
    #[test]
    fn an_older_daemons_refusals_read_without_a_code() {
        let e: ApiError =
            serde_json::from_str(r#"{"error":"conflict","message":"no plan is running"}"#)
                .expect("reads");
        assert_eq!(
            e,
            ApiError::Conflict {
                message: "no plan is running".into(),
                reason: ConflictReason::Unknown,
            }
        );
        let e: ApiError =
            serde_json::from_str(r#"{"error":"second_factor_refused","reason":"wrong code"}"#)
                .expect("reads");
        assert_eq!(
            e,
            ApiError::SecondFactorRefused {
                reason: "wrong code".into(),
                code: SecondFactorCode::Unknown,
            }
        );
    }

    /// A newer daemon's code, with figures this build does not know, reads as `Unknown`.
    #[test]
    fn a_newer_daemons_codes_read_as_unknown() {
        let e: ApiError = serde_json::from_str(
            r#"{"error":"conflict","message":"m","reason":{"code":"quorum_lost","peers":3}}"#,
        )
        .expect("reads");
        assert!(
            matches!(
                e,
                ApiError::Conflict {
                    reason: ConflictReason::Unknown,
                    ..
                }
            ),
            "{e:?}"
        );
    }
}
