//! Every piece of text the console shows, in one catalog per language: [`EN`] and [`FR`].
//! `Strings` is a struct, so a catalog that forgets an entry does not compile. Render
//! functions take their words from here and contain no literals; `update` records
//! [`Message`]s, worded here when drawn.
//!
//! The French is written for French operators, not translated word for word: "onduleur",
//! "sous tension / hors tension" as vSphere says it, a space before `:` and `?`.

pub mod admin;
mod admin_en;
mod admin_fr;
pub mod dashboard;
mod dashboard_en;
mod dashboard_fr;
mod en;
mod fr;
pub mod plan;
mod plan_en;
mod plan_fr;
pub mod setup;
mod setup_en;
mod setup_fr;
pub mod situation;
mod situation_en;
mod situation_fr;
pub mod views;
mod views_en;
mod views_fr;

use upstra_core::api::v1::{
    ActionReport, ApiError, ConflictReason, Reachability, SecondFactorCode, ServerCategory,
};
use upstra_core::events::DomainEvent;
use upstra_core::state::Health;

pub use self::admin::AdminWords;
pub use self::dashboard::DashboardWords;
pub use self::en::EN;
pub use self::fr::FR;
pub use self::plan::PlanWords;
pub use self::setup::SetupWords;
pub use self::views::{FormWords, HistoryWords};
use super::call::Request;
use super::command_table::{Applies, Command, Group};
use super::keys::Chord;
use super::message::{Link, Message};
use super::operation::Operation;
use super::ssh::strings::SshStrings;

/// The names of keys as the keyboard labels them in this language.
pub struct KeyWords {
    pub ctrl: &'static str,
    pub alt: &'static str,
    pub shift: &'static str,
    pub enter: &'static str,
    pub esc: &'static str,
    pub tab: &'static str,
    pub backtab: &'static str,
    pub backspace: &'static str,
    pub space: &'static str,
    pub home: &'static str,
    pub end: &'static str,
    pub page_up: &'static str,
    pub page_down: &'static str,
    pub delete: &'static str,
    pub insert: &'static str,
}

/// A request in words (see [`Strings::request`]).
pub struct RequestWords {
    pub question: String,
    pub detail: Option<String>,
    pub working: String,
    pub done: String,
}

/// One language's text. Parameterised messages are functions.
pub struct Strings {
    pub app: &'static str,
    pub separator: &'static str,
    /// `": "` in English, `" : "` in French.
    pub colon: &'static str,
    pub keys: KeyWords,
    pub not_logged_in: &'static str,
    pub connecting: &'static str,
    pub connected: &'static str,
    pub connection_lost: &'static str,
    pub on_battery: &'static str,

    pub tree_title: &'static str,
    pub details_title: &'static str,
    pub loading: &'static str,
    pub empty_lab: &'static str,
    pub nothing_selected: &'static str,
    pub unplaced_vms: &'static str,
    pub also_fed_by: &'static str,
    /// A server declared without feeds: on no UPS that Upstra manages.
    pub no_ups: &'static str,
    pub comms_lost: &'static str,
    pub not_read_yet: &'static str,
    pub checking_session: &'static str,
    /// In the tree's title with a filter: how many nodes match.
    pub tree_matches: fn(usize) -> String,
    /// The tree's body when the filter matches nothing.
    pub tree_no_match: fn(&str) -> String,
    /// The footer hint, when a filter is kept, for the key that clears it.
    pub clear_filter: &'static str,

    pub footer_starting: &'static str,
    pub footer_login: &'static str,
    pub footer_second_totp: &'static str,
    pub footer_second_recovery: &'static str,
    pub footer_enroll: &'static str,
    pub footer_enroll_failed: &'static str,
    pub footer_codes: &'static str,
    pub footer_password: &'static str,
    pub footer_palette: &'static str,
    pub footer_confirm: &'static str,
    pub footer_hosts: &'static str,
    pub footer_help: &'static str,
    pub footer_filter: &'static str,

    pub login_title: &'static str,
    pub login_daemon: &'static str,
    pub login_user: &'static str,
    pub login_password: &'static str,
    pub login_pending: &'static str,
    pub code_totp: &'static str,
    pub code_recovery: &'static str,
    /// Above the code field: two-factor is on for this user.
    pub second_hint_totp: fn(&str) -> String,
    pub second_hint_recovery: &'static str,

    pub enroll_title: &'static str,
    pub enroll_why: &'static str,
    pub enroll_requesting: &'static str,
    pub enroll_failed: &'static str,
    pub enroll_step_scan: &'static str,
    pub enroll_step_code: &'static str,
    pub enroll_confirming: &'static str,
    pub enroll_no_qr: &'static str,
    pub enroll_too_small: &'static str,
    pub codes_title: &'static str,
    pub codes_warning: &'static str,
    pub codes_use: &'static str,
    pub codes_keep: &'static str,
    pub codes_next: &'static str,

    pub password_title: &'static str,
    pub password_why: fn(&str) -> String,
    pub password_new: &'static str,
    pub password_repeat: &'static str,
    pub password_pending: &'static str,

    pub palette_title: &'static str,
    pub palette_hint: &'static str,
    pub palette_empty: &'static str,
    pub confirm_title: &'static str,
    pub confirm_yes: &'static str,
    pub confirm_no: &'static str,
    /// The question, naming the target and what will happen.
    pub confirm_question: fn(&Operation) -> String,
    /// What else it does, given the server's running VMs.
    pub confirm_detail: fn(&Operation, usize) -> Option<String>,
    pub hosts_title: fn(&str) -> String,

    pub help_title: &'static str,
    pub help_group: fn(Group) -> &'static str,
    pub help_note: &'static str,
    /// Under the help in `upstra demo`: the login to type again (user, password).
    pub help_demo: fn(&str, &str) -> String,
    /// The fixed keys of the screens that type text, as (keys, what they do).
    pub help_login: &'static [(&'static str, &'static str)],
    pub help_enroll: &'static [(&'static str, &'static str)],
    pub help_password: &'static [(&'static str, &'static str)],
    /// A command in the help and the palette.
    pub command: fn(Command) -> &'static str,
    /// A command in the footer, in a word or two.
    pub command_short: fn(Command) -> &'static str,

    pub need_user: &'static str,
    pub need_password: &'static str,
    pub need_code: &'static str,
    pub need_recovery_code: &'static str,
    pub totp_format: &'static str,
    pub challenge_expired: &'static str,
    pub session_expired: &'static str,
    pub two_factor_on: &'static str,
    pub need_new_password: &'static str,
    pub passwords_differ: &'static str,
    pub password_changed: &'static str,
    pub language_switched: &'static str,
    pub select_target: fn(Applies) -> &'static str,
    pub no_other_host: fn(&str) -> String,
    pub session_not_saved: fn(&str) -> String,
    /// Why a one-time code was refused, by the daemon's code; `None` for a code this console
    /// has no words for (an older or newer daemon's): the daemon's sentence is shown then.
    pub code_problem: fn(SecondFactorCode) -> Option<&'static str>,
    /// Why the daemon cannot be reached.
    pub link: fn(&Link) -> String,
    /// The daemon's refusal as a sentence.
    pub api_error: fn(&ApiError) -> String,
    /// A conflict that is not about accounts (those are `admin.problem`'s), by its reason
    /// code; `None` shows the daemon's sentence, which English keeps: it carries the figures.
    pub conflict: fn(ConflictReason) -> Option<String>,
    pub working: fn(&Operation) -> String,
    pub done: fn(&Operation, &ActionReport) -> String,
    pub operation_failed: fn(&Operation, &str) -> String,

    pub label_room: &'static str,
    pub label_ups: &'static str,
    pub label_server: &'static str,
    pub label_vm: &'static str,
    pub label_status: &'static str,
    pub label_charge: &'static str,
    pub label_runtime: &'static str,
    pub label_load: &'static str,
    pub label_input: &'static str,
    pub label_reachability: &'static str,
    pub label_nut: &'static str,
    /// Where a UPS read over SNMP is read: address, version, MIB (never a secret).
    pub label_snmp: &'static str,
    pub label_updated: &'static str,
    pub label_reason: &'static str,
    pub label_kind: &'static str,
    pub label_power: &'static str,
    pub label_health: &'static str,
    pub label_feeds: &'static str,
    pub label_tier: &'static str,
    pub label_depends_on: &'static str,
    /// A server's preferred migration targets, shown only when it has some.
    pub label_migrate_to: &'static str,
    pub label_vsphere_host: &'static str,
    pub label_bmc: &'static str,
    pub label_watts: &'static str,
    pub label_maintenance: &'static str,
    pub label_vms: &'static str,
    pub label_servers: &'static str,
    pub label_host: &'static str,
    pub label_cpus: &'static str,
    pub label_memory: &'static str,
    pub label_id: &'static str,
    pub yes: &'static str,
    pub no: &'static str,

    /// A power state as the daemon names it (`on`, `off`, `powering-on`, `suspended`...).
    pub power: fn(&str) -> &str,
    pub health: fn(Health) -> &'static str,
    pub kind: fn(ServerCategory) -> &'static str,
    pub reachability: fn(Reachability) -> &'static str,
    /// "3 VMs".
    pub vm_count: fn(usize) -> String,
    /// One line for the status bar.
    pub event: fn(&DomainEvent) -> String,
    /// The SSH pane's words.
    pub ssh: &'static SshStrings,

    /// The plan view, the power banner and the plan requests.
    pub plan: &'static PlanWords,
    /// The dashboard and the countdown before a restore.
    pub dashboard: &'static DashboardWords,
    /// What the outage is doing now.
    pub situation: &'static self::situation::SituationWords,
    pub history: &'static HistoryWords,
    pub forms: &'static FormWords,
    pub admin: &'static AdminWords,
    pub setup: &'static SetupWords,
}

impl Strings {
    /// `message` in this language.
    pub fn message(&self, message: &Message) -> String {
        match message {
            Message::NeedUser => self.need_user.to_owned(),
            Message::NeedPassword => self.need_password.to_owned(),
            Message::NeedCode { recovery: false } => self.need_code.to_owned(),
            Message::NeedCode { recovery: true } => self.need_recovery_code.to_owned(),
            Message::TotpFormat => self.totp_format.to_owned(),
            Message::ChallengeExpired => self.challenge_expired.to_owned(),
            Message::SessionExpired => self.session_expired.to_owned(),
            Message::TwoFactorOn => self.two_factor_on.to_owned(),
            Message::NeedNewPassword => self.need_new_password.to_owned(),
            Message::PasswordsDiffer => self.passwords_differ.to_owned(),
            Message::PasswordChanged => self.password_changed.to_owned(),
            // Worded from the daemon's reason code, never from its English sentence: without
            // a code this console knows, the sentence is all there is to show.
            Message::Refused(ApiError::SecondFactorRefused { reason, code }) => {
                (self.code_problem)(*code).map_or_else(|| reason.clone(), str::to_owned)
            }
            Message::Refused(e @ ApiError::Conflict { reason, .. }) => {
                (self.admin.problem)(*reason)
                    .or_else(|| (self.conflict)(*reason))
                    .unwrap_or_else(|| (self.api_error)(e))
            }
            Message::Refused(e) => (self.api_error)(e),
            Message::Unreachable(link) => (self.link)(link),
            Message::Failed(why) => why.clone(),
            Message::SessionNotSaved(why) => (self.session_not_saved)(why),
            Message::Working(op) => (self.working)(op),
            Message::Done(op, report) => (self.done)(op, report),
            Message::OperationFailed(op, why) => (self.operation_failed)(op, &self.message(why)),
            Message::SelectTarget(applies) => (self.select_target)(*applies).to_owned(),
            Message::NoOtherHost { vm } => (self.no_other_host)(vm),
            Message::Language(lang) => lang.strings().language_switched.to_owned(),
            Message::Ssh(m) => self.ssh_message(m),
            Message::Requesting(r) => self.request(r).working,
            Message::Requested(r) => self.request(r).done,
            Message::RequestFailed(r, why) => (self.request_failed(r))(r, &self.message(why)),
            Message::NoRunningPlan => self.plan.no_running_plan.to_owned(),
            Message::Simulating(ups) => (self.plan.simulating)(ups),
            Message::Simulated { ups, problems } => (self.plan.simulated)(ups, *problems),
            Message::SimulationFailed { ups, why } => {
                (self.plan.simulation_failed)(ups, &self.message(why))
            }
            Message::DemoOnly => self.plan.demo_only.to_owned(),
            Message::NotInThisView(c) => (self.plan.not_in_this_view)((self.command)(*c)),
            Message::BadSince(text) => (self.history.bad_since)(text),
            Message::Filtered => self.history.filtered.to_owned(),
            Message::NeedField(f) => (self.admin.need_field)((self.forms.field)(*f)),
            Message::UserAdded(name) => (self.admin.user_added)(name),
            Message::GrantAdded(g) => (self.admin.grant_added)(g),
            Message::SessionsEnded { user, count } => (self.admin.sessions_ended)(user, *count),
            Message::NeedPermission => self.admin.need_permission.to_owned(),
            Message::RoleCreated(name) => (self.admin.role_created)(name),
            Message::BuiltinRole(name) => (self.admin.builtin_role)(name),
            Message::BadNumber(f) => (self.setup.bad_number)((self.forms.field)(*f)),
            Message::BadAddress(typed) => (self.setup.bad_address)(typed),
            Message::NotOneOf { field, value } => (self.setup.not_one_of)(
                (self.forms.field)(*field),
                value,
                &field.choices().join(", "),
            ),
            Message::EitherOr(a, b) => {
                (self.setup.either_or)((self.forms.field)(*a), (self.forms.field)(*b))
            }
            Message::SnmpLength {
                field,
                min,
                max,
                len,
            } => (self.setup.length)((self.forms.field)(*field), *min, *max, *len),
            Message::PrivWithoutProtocol => (self.setup.priv_without_protocol)(
                (self.forms.field)(super::state::FieldName::PrivPassword),
                (self.forms.field)(super::state::FieldName::PrivProtocol),
            ),
            Message::CannotRead { path, reason } => (self.setup.cannot_read)(path, reason),
            Message::LabProblems(n) => (self.setup.lab_problems)(*n),
            Message::Applied(n) => (self.setup.applied)(*n),
        }
    }

    /// How a request reads: its question, warning, progress and outcome.
    pub fn request(&self, r: &Request) -> RequestWords {
        if r.is_plan() {
            let p = self.plan;
            RequestWords {
                question: (p.question)(r),
                detail: (p.detail)(r),
                working: (p.working)(r),
                done: (p.done)(r),
            }
        } else {
            let a = self.admin;
            RequestWords {
                question: (a.question)(r),
                detail: (a.detail)(r),
                working: (a.working)(r),
                done: (a.done)(r),
            }
        }
    }

    fn request_failed(&self, r: &Request) -> fn(&Request, &str) -> String {
        if r.is_plan() {
            self.plan.failed
        } else {
            self.admin.failed
        }
    }

    /// A key as this language's keyboards label it: `Ctrl-K`, `Entrée`, `↑`.
    pub fn key(&self, chord: &Chord) -> String {
        use crossterm::event::{KeyCode, KeyModifiers};
        let k = &self.keys;
        let mut out = String::new();
        for (bit, word) in [
            (KeyModifiers::CONTROL, k.ctrl),
            (KeyModifiers::ALT, k.alt),
            (KeyModifiers::SHIFT, k.shift),
        ] {
            if chord.mods.contains(bit) {
                out.push_str(word);
                out.push('-');
            }
        }
        if let Some(glyph) = chord.glyph() {
            out.push_str(&glyph);
            return out;
        }
        out.push_str(match chord.code {
            KeyCode::Enter => k.enter,
            KeyCode::Esc => k.esc,
            KeyCode::Tab => k.tab,
            KeyCode::BackTab => k.backtab,
            KeyCode::Backspace => k.backspace,
            KeyCode::Char(' ') => k.space,
            KeyCode::Home => k.home,
            KeyCode::End => k.end,
            KeyCode::PageUp => k.page_up,
            KeyCode::PageDown => k.page_down,
            KeyCode::Delete => k.delete,
            KeyCode::Insert => k.insert,
            _ => "?",
        });
        out
    }
}

/// Capitalises the first letter, for messages built from a verb phrase.
pub(crate) fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogs_word_every_command_and_group() {
        for s in [&EN, &FR] {
            for c in Command::ALL {
                assert!(!(s.command)(c).is_empty());
                assert!(!(s.command_short)(c).is_empty());
            }
            for g in [
                Group::Navigation,
                Group::General,
                Group::Lab,
                Group::Views,
                Group::Plan,
                Group::Admin,
            ] {
                assert!(!(s.help_group)(g).is_empty());
            }
        }
    }

    #[test]
    fn keys_are_named_as_the_keyboard_says() {
        let enter = Chord::parse("enter").expect("key");
        let ctrl_k = Chord::parse("ctrl-k").expect("key");
        assert_eq!(EN.key(&enter), "Enter");
        assert_eq!(FR.key(&enter), "Entrée");
        assert_eq!(FR.key(&ctrl_k), "Ctrl-K");
        assert_eq!(FR.key(&Chord::parse("G").expect("key")), "G");
        assert_eq!(FR.key(&Chord::parse("up").expect("key")), "↑");
    }
}
