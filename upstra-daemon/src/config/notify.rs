//! `[notify]`: the notification channels, the routes that choose them, and the outbox's knobs.
//! Every channel is checked at load (its URL, its secret files), so a daemon never starts with
//! a channel it will only find broken at 3 a.m.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use upstra_adapter_notify::Severity;
use upstra_core::model::CertFingerprint;
use upstra_core::text::escape;
use zeroize::Zeroizing;

/// How long an undelivered message is retried before it is marked failed: a receiver down for
/// a night is still told in the morning, and a dead one does not hold rows for ever.
pub const DEFAULT_RETRY_FOR: Duration = Duration::from_secs(24 * 3600);
/// Identical alerts about one UPS within this window are sent once, and mains that fails and
/// returns inside it is one "flapping" message, sent once it has been quiet this long.
pub const DEFAULT_COALESCE_WINDOW: Duration = Duration::from_secs(60);
/// The first retry's wait; each failed attempt doubles it up to [`DEFAULT_BACKOFF_MAX`].
pub const DEFAULT_BACKOFF_MIN: Duration = Duration::from_secs(5);
/// The longest wait between two attempts: a receiver back up is reached within this.
pub const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(600);
/// The most channels: each has a worker; a lab tells a handful of inboxes and hooks.
pub const MAX_CHANNELS: usize = 32;
/// The largest secret file read (a password, an HMAC key, a token are far smaller): a path
/// pointing at a big file by mistake is refused instead of read into memory.
pub const MAX_SECRET_FILE: u64 = 64 * 1024;

/// A secret read from a file: never shown by `Debug`, zeroed when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct FileSecret(pub Zeroizing<Vec<u8>>);

impl std::fmt::Debug for FileSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<secret>")
    }
}

impl FileSecret {
    /// The secret as text, without a final newline (how editors save a one-line file).
    pub fn text(&self) -> Zeroizing<String> {
        let s = String::from_utf8_lossy(&self.0);
        Zeroizing::new(s.trim_end_matches(['\n', '\r']).to_owned())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    Smtp,
    #[default]
    Webhook,
    Ntfy,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Smtp => "smtp",
            Self::Webhook => "webhook",
            Self::Ntfy => "ntfy",
        }
    }
}

/// The language a channel's messages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    En,
    Fr,
}

/// One `[[notify.channel]]`, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelConfig {
    pub name: String,
    pub kind: ChannelKind,
    pub url: String,
    pub from: Option<String>,
    pub to: Vec<String>,
    pub user: Option<String>,
    pub password: Option<FileSecret>,
    pub ca_file: Option<PathBuf>,
    /// `tls = "required"`: SMTP STARTTLS or nothing.
    pub tls_required: bool,
    pub tls_fingerprint: Option<CertFingerprint>,
    /// The webhook's HMAC key.
    pub secret: Option<FileSecret>,
    /// The ntfy access token.
    pub token: Option<FileSecret>,
    pub language: Language,
}

/// One `[[notify.route]]`: the messages of `events` (or all, `*`) at `min_severity` or above
/// go to `channels`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteConfig {
    pub channels: Vec<String>,
    /// `None`: every kind.
    pub events: Option<Vec<String>>,
    pub min_severity: Severity,
}

impl RouteConfig {
    pub fn takes(&self, kind: &str, severity: Severity) -> bool {
        severity >= self.min_severity
            && self
                .events
                .as_ref()
                .is_none_or(|e| e.iter().any(|k| k == kind))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyConfig {
    pub channels: Vec<ChannelConfig>,
    pub routes: Vec<RouteConfig>,
    pub retry_for: Duration,
    pub coalesce_window: Duration,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        Self {
            channels: Vec::new(),
            routes: Vec::new(),
            retry_for: DEFAULT_RETRY_FOR,
            coalesce_window: DEFAULT_COALESCE_WINDOW,
            backoff_min: DEFAULT_BACKOFF_MIN,
            backoff_max: DEFAULT_BACKOFF_MAX,
        }
    }
}

/// The message kinds a route may name (`events = [...]`): stable, scripts rely on them.
pub const MESSAGE_KINDS: &[&str] = &[
    "ups_on_battery",
    "ups_on_mains",
    "ups_mains_flapping",
    "ups_low_battery",
    "ups_comms_lost",
    "ups_comms_restored",
    "plan_triggered",
    "step_failed",
    "plan_finished",
    "daemon_unclean_start",
    "login_failures",
    "audit_chain_broken",
];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNotify {
    #[serde(default)]
    channel: Vec<toml::Spanned<RawChannel>>,
    #[serde(default)]
    route: Vec<toml::Spanned<RawRoute>>,
    retry_for: Option<toml::Spanned<String>>,
    coalesce_window: Option<toml::Spanned<String>>,
    backoff_min: Option<toml::Spanned<String>>,
    backoff_max: Option<toml::Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChannel {
    name: String,
    kind: ChannelKind,
    url: String,
    from: Option<String>,
    #[serde(default)]
    to: Vec<String>,
    user: Option<String>,
    password_file: Option<PathBuf>,
    ca_file: Option<PathBuf>,
    tls: Option<String>,
    tls_fingerprint: Option<String>,
    secret_file: Option<PathBuf>,
    token_file: Option<PathBuf>,
    #[serde(default)]
    language: Language,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    channels: Vec<String>,
    #[serde(default)]
    events: Vec<String>,
    min_severity: Option<Severity>,
}

/// Applies `[notify]`; errors are `(byte offset, message)` for the caller to place.
pub(super) fn apply(
    config: &mut NotifyConfig,
    raw: RawNotify,
    duration: &dyn Fn(&str) -> Result<Duration, String>,
) -> Result<(), (usize, String)> {
    let knob = |v: &Option<toml::Spanned<String>>, key: &str, slot: &mut Duration| {
        if let Some(v) = v {
            *slot = duration(v.get_ref())
                .map_err(|m| (v.span().start, format!("notify.{key}: {m}")))?;
        }
        Ok::<_, (usize, String)>(())
    };
    knob(&raw.retry_for, "retry_for", &mut config.retry_for)?;
    knob(
        &raw.coalesce_window,
        "coalesce_window",
        &mut config.coalesce_window,
    )?;
    knob(&raw.backoff_min, "backoff_min", &mut config.backoff_min)?;
    knob(&raw.backoff_max, "backoff_max", &mut config.backoff_max)?;
    if config.backoff_min > config.backoff_max {
        let at = raw.backoff_min.as_ref().map_or(0, |v| v.span().start);
        return Err((
            at,
            "notify.backoff_min is longer than notify.backoff_max".into(),
        ));
    }
    if raw.channel.len() > MAX_CHANNELS {
        return Err((0, format!("more than {MAX_CHANNELS} notify channels")));
    }
    for c in raw.channel {
        let at = c.span().start;
        let channel = channel(c.into_inner()).map_err(|m| (at, m))?;
        if config.channels.iter().any(|k| k.name == channel.name) {
            return Err((
                at,
                format!("notify channel `{}` is declared twice", channel.name),
            ));
        }
        config.channels.push(channel);
    }
    for r in raw.route {
        let at = r.span().start;
        let r = r.into_inner();
        if r.channels.is_empty() {
            return Err((
                at,
                "a notify route names no channel: list them in `channels`".into(),
            ));
        }
        for name in &r.channels {
            if !config.channels.iter().any(|c| &c.name == name) {
                return Err((
                    at,
                    format!(
                        "notify route: no channel is named `{}`; declare it in a [[notify.channel]]",
                        escape(name)
                    ),
                ));
            }
        }
        let events = if r.events.is_empty() || r.events.iter().any(|e| e == "*") {
            None
        } else {
            for e in &r.events {
                if !MESSAGE_KINDS.contains(&e.as_str()) {
                    return Err((
                        at,
                        format!(
                            "notify route: `{}` is not a message kind; write \"*\" or some of: {}",
                            escape(e),
                            MESSAGE_KINDS.join(", ")
                        ),
                    ));
                }
            }
            Some(r.events)
        };
        config.routes.push(RouteConfig {
            channels: r.channels,
            events,
            min_severity: r.min_severity.unwrap_or(Severity::Info),
        });
    }
    Ok(())
}

fn channel(raw: RawChannel) -> Result<ChannelConfig, String> {
    let name = raw.name;
    if upstra_core::ids::validate_name(&name).is_err() {
        return Err(format!(
            "notify channel name `{}` must be letters, digits, `.`, `_` or `-`",
            escape(&name)
        ));
    }
    let field = |f: &str, m: String| format!("notify channel `{name}`: {f}: {m}");
    let schemes: &[&str] = match raw.kind {
        ChannelKind::Smtp => &["smtp://", "smtps://"],
        ChannelKind::Webhook | ChannelKind::Ntfy => &["http://", "https://"],
    };
    let host = schemes
        .iter()
        .find_map(|s| raw.url.strip_prefix(s))
        .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default());
    if host.is_none_or(|h| h.is_empty() || h.contains(char::is_whitespace)) {
        return Err(field(
            "url",
            format!(
                "`{}` is not a URL for a {} channel: it must start with {} and name a host",
                escape(&raw.url),
                raw.kind.as_str(),
                schemes.join(" or "),
            ),
        ));
    }
    let tls_required = match raw.tls.as_deref() {
        None => false,
        Some("required") => true,
        Some(other) => {
            return Err(field(
                "tls",
                format!(
                    "`{}` is not a choice: write \"required\" or leave it out",
                    escape(other)
                ),
            ));
        }
    };
    let tls_fingerprint = raw
        .tls_fingerprint
        .as_deref()
        .map(CertFingerprint::parse)
        .transpose()
        .map_err(|e| field("tls_fingerprint", e.to_string()))?;
    if raw.kind == ChannelKind::Smtp {
        if raw.from.is_none() || raw.to.is_empty() {
            return Err(field(
                "to",
                "an smtp channel needs `from` and at least one `to`".into(),
            ));
        }
    } else if raw.url.starts_with("https://") && tls_fingerprint.is_none() && raw.ca_file.is_none()
    {
        return Err(field(
            "url",
            "an https:// channel needs `tls_fingerprint` or `ca_file`, as a BMC does".into(),
        ));
    }
    if let Some(ca) = &raw.ca_file {
        std::fs::metadata(ca)
            .map_err(|e| field("ca_file", format!("cannot read {}: {e}", ca.display())))?;
    }
    let secret = |f: &str, p: &Option<PathBuf>| {
        p.as_deref()
            .map(|p| read_secret_file(p).map_err(|m| field(f, m)))
            .transpose()
    };
    Ok(ChannelConfig {
        password: secret("password_file", &raw.password_file)?,
        secret: secret("secret_file", &raw.secret_file)?,
        token: secret("token_file", &raw.token_file)?,
        name: name.clone(),
        kind: raw.kind,
        url: raw.url,
        from: raw.from,
        to: raw.to,
        user: raw.user,
        ca_file: raw.ca_file,
        tls_required,
        tls_fingerprint,
        language: raw.language,
    })
}

/// Reads a secret from a file that only its owner (and group) may read: a secret others can
/// read is no secret, and the daemon says so instead of using it.
pub fn read_secret_file(path: &Path) -> Result<FileSecret, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if meta.mode() & 0o007 != 0 {
        return Err(format!(
            "{} is open to other users (mode {:03o}): chmod 600 it (or 640 for a group)",
            path.display(),
            meta.mode() & 0o777
        ));
    }
    if meta.len() > MAX_SECRET_FILE {
        return Err(format!(
            "{} is larger than {MAX_SECRET_FILE} bytes: is it the right file?",
            path.display()
        ));
    }
    let bytes = Zeroizing::new(
        std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
    );
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(format!("{} is empty", path.display()));
    }
    Ok(FileSecret(bytes))
}

impl NotifyConfig {
    /// What must hold once the file and the environment are both applied.
    pub fn check(&self) -> Result<(), String> {
        if self.backoff_min > self.backoff_max {
            return Err(format!(
                "notify.backoff_min ({}) is longer than notify.backoff_max ({}): the first retry \
                 would wait longer than any later one",
                humantime::format_duration(self.backoff_min),
                humantime::format_duration(self.backoff_max)
            ));
        }
        Ok(())
    }

    /// One line for a reload's log: the channels (URLs without passwords) and routes, never a
    /// secret.
    pub fn summary(&self) -> String {
        let channels: Vec<String> = self
            .channels
            .iter()
            .map(|c| {
                format!(
                    "{} {} {}",
                    c.name,
                    c.kind.as_str(),
                    super::redact_url(&c.url)
                )
            })
            .collect();
        format!(
            "{} channel(s) [{}], {} route(s), retry_for {}",
            self.channels.len(),
            channels.join("; "),
            self.routes.len(),
            humantime::format_duration(self.retry_for)
        )
    }

    /// `[notify]` as `upstrad check-config` shows it: paths of secret files are not kept, so a
    /// secret shows as `(set)`, never its content.
    pub fn to_toml(&self, out: &mut String) {
        let h = |d: Duration| humantime::format_duration(d).to_string();
        let q = |s: &str| toml::Value::String(s.to_owned()).to_string();
        out.push_str("\n[notify]\n");
        out.push_str(&format!("retry_for = {}\n", q(&h(self.retry_for))));
        out.push_str(&format!(
            "coalesce_window = {}\n",
            q(&h(self.coalesce_window))
        ));
        out.push_str(&format!("backoff_min = {}\n", q(&h(self.backoff_min))));
        out.push_str(&format!("backoff_max = {}\n", q(&h(self.backoff_max))));
        for c in &self.channels {
            out.push_str("\n[[notify.channel]]\n");
            out.push_str(&format!(
                "name = {}\nkind = {}\n",
                q(&c.name),
                q(c.kind.as_str())
            ));
            out.push_str(&format!("url = {}\n", q(&super::redact_url(&c.url))));
            let lang = match c.language {
                Language::En => "en",
                Language::Fr => "fr",
            };
            out.push_str(&format!("language = {}\n", q(lang)));
            for (key, set) in [
                ("password", c.password.is_some()),
                ("secret", c.secret.is_some()),
                ("token", c.token.is_some()),
            ] {
                if set {
                    out.push_str(&format!("# {key}: set (from its file, never shown)\n"));
                }
            }
        }
        for r in &self.routes {
            out.push_str("\n[[notify.route]]\n");
            let names: Vec<String> = r.channels.iter().map(|c| q(c)).collect();
            out.push_str(&format!("channels = [{}]\n", names.join(", ")));
            let events: Vec<String> = match &r.events {
                None => vec![q("*")],
                Some(e) => e.iter().map(|k| q(k)).collect(),
            };
            out.push_str(&format!("events = [{}]\n", events.join(", ")));
            out.push_str(&format!("min_severity = {}\n", q(r.min_severity.as_str())));
        }
    }
}
