//! The calls the plan, history, admin and setup screens make, as data: [`Call`] is what the
//! driver is asked to do (inside `Effect::Call`), [`Reply`] what comes back (inside
//! `Action::Replied`), each reply typed by the call it answers.
//!
//! [`Request`] is the part that changes something (run a plan, disable a user...): it only
//! leaves through the Yes of a confirm dialog, as lab operations do.

use std::path::PathBuf;

use upstra_core::api::v1::{
    ApplyReport, AuditQuery, AuditView, GrantView, Health, LabSpec, PlanStatus, PlanView,
    PresenceView, ResetSecret, RoleView, RunView, SessionView, SimulationReport, SyncReport,
    UpsHistory, UserView,
};
use upstra_core::secret::Secret;

use super::action::Failure;

/// Something for the driver to ask the daemon (or, for a lab file, to read here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// `health`: whether the store has a user yet, and whether the lab is simulated.
    Health,
    /// `setup`: the first admin.
    Setup { user: String, password: Secret },
    /// `plan_status`.
    PlanStatus,
    /// `ups_history`: each UPS's last hour, for the dashboard.
    UpsHistory,
    /// `plan_show` for this UPS (or whatever would run now).
    ShowPlan { ups: Option<String> },
    /// `plan_simulate`.
    Simulate { ups: String },
    /// `audit_list`; `since` is as typed (an age like `2h`, or a date), read by the driver
    /// against its clock.
    Audit {
        query: AuditQuery,
        since: Option<String>,
    },
    /// `user_list`, `role_list` and `grant_list`.
    Accounts,
    /// `presence` and `session_list` for `user` (the caller's own with `None`).
    People { user: Option<String> },
    /// `user_add`.
    AddUser {
        name: String,
        role: String,
        password: Secret,
    },
    /// `grant_add`.
    AddGrant(GrantView),
    /// `role_create`, with permission names.
    CreateRole {
        name: String,
        permissions: Vec<String>,
    },
    /// Reads a lab file and its password files here, as `upstra apply` does.
    ReadLab { path: PathBuf },
    /// `apply`.
    Apply { spec: Box<LabSpec>, dry_run: bool },
    /// `apply` of the setup wizard's SNMP UPS, its community read here from `path` first, as
    /// `upstra apply` reads a lab file's `community_file`.
    ApplyReadingCommunity { spec: Box<LabSpec>, path: PathBuf },
    /// `sync`: read every peer now.
    Sync,
    /// A change the operator confirmed.
    Do(Request),
}

/// A change that goes through a confirm dialog first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Shed the load of a UPS now.
    PlanRun {
        ups: String,
    },
    /// Start no new step of the running plan.
    PlanCancel,
    /// Undo the sheds not restored yet.
    PlanRestore,
    /// Demo only: cut (or bring back) the mains of a simulated UPS.
    PowerCut {
        ups: String,
        cut: bool,
    },
    SetDisabled {
        user: String,
        disabled: bool,
    },
    ResetPassword {
        user: String,
    },
    RemoveGrant(GrantView),
    /// Remove a user and their grants.
    RemoveUser {
        user: String,
    },
    /// Give a user this role on everything (instead of the one they had).
    SetRole {
        user: String,
        role: String,
    },
    /// Remove a role nobody holds.
    RemoveRole {
        name: String,
    },
    /// End one of the caller's own sessions.
    EndSession {
        id: String,
    },
    /// End every session of another user.
    EndSessionsOf {
        user: String,
    },
}

impl Request {
    /// A plan request (or the demo's power cut), worded by the plan view's catalog.
    pub fn is_plan(&self) -> bool {
        matches!(
            self,
            Self::PlanRun { .. } | Self::PlanCancel | Self::PlanRestore | Self::PowerCut { .. }
        )
    }

    /// Whether it stops something (the dialog then warns, and draws Yes as dangerous).
    pub fn is_destructive(&self) -> bool {
        match self {
            Self::PlanRun { .. } | Self::PowerCut { cut: true, .. } => true,
            Self::SetDisabled { disabled, .. } => *disabled,
            Self::ResetPassword { .. }
            | Self::RemoveGrant(_)
            | Self::RemoveUser { .. }
            | Self::SetRole { .. }
            | Self::RemoveRole { .. }
            | Self::EndSession { .. }
            | Self::EndSessionsOf { .. } => true,
            Self::PlanCancel | Self::PlanRestore | Self::PowerCut { cut: false, .. } => false,
        }
    }
}

/// What a confirmed request brought back.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A plan started, stopping, or restoring.
    Run(Box<RunView>),
    /// A password reset: the secret to hand over, shown once.
    Reset(ResetSecret),
    /// How many sessions were ended.
    Ended(u32),
    /// Done, nothing to report.
    Done,
}

/// The three lists of the accounts tab.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accounts {
    pub users: Vec<UserView>,
    pub roles: Vec<RoleView>,
    pub grants: Vec<GrantView>,
}

/// Who is connected, and the sessions of one user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct People {
    pub presence: Vec<PresenceView>,
    /// Whose sessions these are (`None`: the caller's).
    pub of: Option<String>,
    pub sessions: Vec<SessionView>,
}

/// A lab file read and checked here, ready to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabFile {
    pub path: PathBuf,
    pub spec: LabSpec,
}

/// The answer to a [`Call`].
#[derive(Debug, Clone)]
pub enum Reply {
    Health(Result<Health, Failure>),
    Setup(Result<(), Failure>),
    PlanStatus(Result<PlanStatus, Failure>),
    UpsHistory(Result<Vec<UpsHistory>, Failure>),
    PlanShown {
        ups: Option<String>,
        result: Result<PlanView, Failure>,
    },
    Simulated {
        ups: String,
        result: Result<SimulationReport, Failure>,
    },
    Audit(Result<Vec<AuditView>, Failure>),
    Accounts(Result<Accounts, Failure>),
    People(Result<People, Failure>),
    UserAdded {
        name: String,
        result: Result<(), Failure>,
    },
    GrantAdded {
        grant: GrantView,
        result: Result<(), Failure>,
    },
    RoleCreated {
        name: String,
        result: Result<(), Failure>,
    },
    /// The lab file, or its problems as `FILE:LINE: reason` lines.
    LabRead(Result<LabFile, Vec<String>>),
    Applied {
        dry_run: bool,
        result: Result<ApplyReport, Failure>,
    },
    /// The community file named in the wizard could not be read: nothing was applied.
    CommunityUnread {
        path: PathBuf,
        reason: String,
    },
    Synced(Result<SyncReport, Failure>),
    Done {
        request: Request,
        result: Result<Outcome, Failure>,
    },
}

impl Reply {
    /// Answers to calls made without a session, which a login in between does not outdate.
    pub fn needs_no_session(&self) -> bool {
        matches!(self, Self::Health(_) | Self::Setup(_))
    }
}
