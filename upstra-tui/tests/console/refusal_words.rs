//! The daemon's refusals are worded from their reason codes, never from their English
//! sentences: a French console shows French text for every code, whatever the sentence says,
//! and a refusal without a code this console knows (an older or a newer daemon's) shows the
//! daemon's sentence.

use upstra_core::api::v1::{ApiError, ConflictReason, SecondFactorCode};
use upstra_tui::console::message::Message;
use upstra_tui::console::strings::{EN, FR};

/// A sentence no catalog could have: what the daemon says is never what the console shows
/// for a code it knows.
const REWORDED: &str = "a daemon sentence reworded since this console was built";

fn code_refused(code: SecondFactorCode) -> Message {
    Message::Refused(ApiError::SecondFactorRefused {
        reason: REWORDED.into(),
        code,
    })
}

fn conflict(reason: ConflictReason) -> Message {
    Message::Refused(ApiError::Conflict {
        message: REWORDED.into(),
        reason,
    })
}

/// Every conflict reason, with figures. The match fails to compile when one is added, so a
/// new reason cannot be left without French words.
fn every_conflict_reason() -> Vec<ConflictReason> {
    let all = vec![
        ConflictReason::SetupDone,
        ConflictReason::UserExists,
        ConflictReason::RoleExists,
        ConflictReason::GrantExists,
        ConflictReason::LastAdmin,
        ConflictReason::BuiltinRole,
        ConflictReason::RoleInUse { grants: 1 },
        ConflictReason::RoleInUse { grants: 3 },
        ConflictReason::TwoFactorOn,
        ConflictReason::NothingToConfirm,
        ConflictReason::TwoFactorRequired,
        ConflictReason::BackupInProgress { retry_after_s: 40 },
        ConflictReason::RunInProgress { run: 7 },
        ConflictReason::NoRunningPlan,
        ConflictReason::NothingToRestore,
        ConflictReason::UpsOnBattery,
        ConflictReason::UpsNotBackYet { retry_after_s: 12 },
        ConflictReason::SshSessionClosed,
    ];
    for reason in &all {
        match reason {
            ConflictReason::SetupDone
            | ConflictReason::UserExists
            | ConflictReason::RoleExists
            | ConflictReason::GrantExists
            | ConflictReason::LastAdmin
            | ConflictReason::BuiltinRole
            | ConflictReason::RoleInUse { .. }
            | ConflictReason::TwoFactorOn
            | ConflictReason::NothingToConfirm
            | ConflictReason::TwoFactorRequired
            | ConflictReason::BackupInProgress { .. }
            | ConflictReason::RunInProgress { .. }
            | ConflictReason::NoRunningPlan
            | ConflictReason::NothingToRestore
            | ConflictReason::UpsOnBattery
            | ConflictReason::UpsNotBackYet { .. }
            | ConflictReason::SshSessionClosed
            | ConflictReason::Unknown => {}
        }
    }
    all
}

#[test]
fn a_french_console_words_every_code_refusal_in_french() {
    for &code in SecondFactorCode::KNOWN {
        let fr = FR.message(&code_refused(code));
        let en = EN.message(&code_refused(code));
        assert!(!fr.contains(REWORDED), "{code}: {fr}");
        assert!(!en.contains(REWORDED), "{code}: {en}");
        assert_ne!(fr, en, "{code}");
    }
}

#[test]
fn a_french_console_words_every_conflict_in_french() {
    for reason in every_conflict_reason() {
        let fr = FR.message(&conflict(reason));
        assert!(!fr.contains(REWORDED), "{reason:?}: {fr}");
        assert_ne!(fr, EN.message(&conflict(reason)), "{reason:?}");
    }
}

#[test]
fn the_figures_of_a_conflict_are_in_its_words() {
    let wait = FR.message(&conflict(ConflictReason::UpsNotBackYet {
        retry_after_s: 12,
    }));
    assert!(wait.contains("12 s"), "{wait}");
    let run = FR.message(&conflict(ConflictReason::RunInProgress { run: 7 }));
    assert!(run.contains('7'), "{run}");
    let grants = FR.message(&conflict(ConflictReason::RoleInUse { grants: 3 }));
    assert!(grants.contains('3'), "{grants}");
}

/// An older daemon sends no code, a newer one may send a code this console does not know:
/// both read as `Unknown`, and the daemon's sentence is what there is to show.
#[test]
fn without_a_known_code_the_daemons_sentence_is_shown() {
    for strings in [&EN, &FR] {
        assert_eq!(
            strings.message(&code_refused(SecondFactorCode::Unknown)),
            REWORDED
        );
        // English capitalises it, French quotes it after "Impossible".
        let conflict = strings.message(&conflict(ConflictReason::Unknown));
        assert!(conflict.to_lowercase().contains(REWORDED), "{conflict}");
    }
}
