//! An `smtp` channel's spec, checked once when the daemon loads its configuration.

use std::net::IpAddr;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use upstra_core::text::{check_name, escape};
use zeroize::Zeroizing;

use super::{SmtpSpec, SmtpTls};
use crate::{ChannelError, SEND_TIMEOUT};

/// The port of `smtp://` when the URL names none (RFC 5321).
pub const SMTP_PORT: u16 = 25;
/// The port of `smtps://` when the URL names none (RFC 8314).
pub const SMTPS_PORT: u16 = 465;
/// The most recipients one channel may list: RFC 5321 (4.5.3.1.8) asks servers to take at
/// least 100 per message, so more may be refused by a conforming server; a longer list is a
/// mailing list's job.
pub const MAX_RECIPIENTS: usize = 100;
/// The largest CA file read: a system bundle of every public root is about 200 KiB.
const CA_FILE_MAX_BYTES: u64 = 4 * 1024 * 1024;

pub(super) struct Settings {
    host: String,
    port: u16,
    /// `smtps://`: TLS from the first byte.
    implicit_tls: bool,
    /// After the rule that a password does not cross a network in clear text.
    tls: SmtpTls,
    tls_parameters: TlsParameters,
    pub(super) from: Mailbox,
    pub(super) to: Vec<Mailbox>,
    credentials: Option<(String, Zeroizing<String>)>,
    timeout: Duration,
}

fn invalid(field: &'static str, reason: impl Into<String>) -> ChannelError {
    ChannelError::Invalid {
        field,
        reason: reason.into(),
    }
}

impl Settings {
    pub(super) fn check(spec: SmtpSpec) -> Result<Self, ChannelError> {
        let (host, port, implicit_tls) = check_url(&spec.url)?;
        let from = mailbox("from", &spec.from)?;
        if spec.to.is_empty() {
            return Err(invalid("to", "no recipient: list at least one address"));
        }
        if spec.to.len() > MAX_RECIPIENTS {
            return Err(invalid(
                "to",
                format!(
                    "{} recipients, at most {MAX_RECIPIENTS}: send to a mailing list instead",
                    spec.to.len()
                ),
            ));
        }
        let to = spec
            .to
            .iter()
            .map(|a| mailbox("to", a))
            .collect::<Result<Vec<_>, _>>()?;
        let credentials = match (spec.user, spec.password) {
            (Some(user), Some(password)) => {
                if user.is_empty() || check_name(&user).is_err() {
                    return Err(invalid(
                        "user",
                        "empty or holds a control character: give the login the server expects",
                    ));
                }
                Some((user, password))
            }
            (None, None) => None,
            (Some(_), None) => {
                return Err(invalid("password_file", "a user needs a password file too"));
            }
            (None, Some(_)) => return Err(invalid("user", "a password needs a user too")),
        };
        if spec.timeout.is_zero() {
            return Err(invalid("timeout", "zero: give each attempt some seconds"));
        }
        // A password never crosses a network in clear text: with one, STARTTLS becomes
        // required unless the server is on this machine (a local relay that may not offer it).
        let tls = if credentials.is_some() && !is_loopback(&host) {
            SmtpTls::Required
        } else {
            spec.tls
        };
        let tls_parameters = tls_parameters(&host, spec.ca_file.as_deref())?;
        Ok(Self {
            host,
            port,
            implicit_tls,
            tls,
            tls_parameters,
            from,
            to,
            credentials,
            timeout: spec.timeout,
        })
    }

    /// `host:port`, as error messages name the server.
    pub(super) fn server(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// Whether STARTTLS is required, after the clear-text password rule.
    #[cfg(test)]
    pub(super) fn tls(&self) -> SmtpTls {
        self.tls
    }

    /// The whole attempt's deadline: the spec's, never more than [`SEND_TIMEOUT`].
    pub(super) fn deadline(&self) -> Duration {
        self.timeout.min(SEND_TIMEOUT)
    }

    /// A transport for one attempt. It is built per attempt so that lettre's copy of the
    /// password (a plain `String` it does not zeroize) lives only while the attempt runs.
    pub(super) fn transport(&self) -> AsyncSmtpTransport<Tokio1Executor> {
        let parameters = self.tls_parameters.clone();
        let tls = match (self.implicit_tls, self.tls) {
            (true, _) => Tls::Wrapper(parameters),
            (false, SmtpTls::Required) => Tls::Required(parameters),
            (false, SmtpTls::Opportunistic) => Tls::Opportunistic(parameters),
        };
        let builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(self.host.as_str())
            .port(self.port)
            .tls(tls)
            // Each read and write; the whole attempt is bounded by `deadline` around it.
            .timeout(Some(self.deadline()));
        match &self.credentials {
            Some((user, password)) => builder
                .credentials(Credentials::new(user.clone(), password.as_str().to_owned()))
                .authentication(vec![Mechanism::Plain, Mechanism::Login])
                .build(),
            None => builder.build(),
        }
    }
}

/// The host, port and whether TLS is implicit, from `smtp://host[:port]` or `smtps://...`.
fn check_url(text: &str) -> Result<(String, u16, bool), ChannelError> {
    let url = url::Url::parse(text)
        .map_err(|e| invalid("url", format!("`{}` is not a URL: {e}", escape(text))))?;
    let implicit_tls = match url.scheme() {
        "smtp" => false,
        "smtps" => true,
        other => {
            return Err(invalid(
                "url",
                format!(
                    "scheme `{}`: use smtp:// (STARTTLS) or smtps:// (implicit TLS)",
                    escape(other)
                ),
            ));
        }
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "url",
            "holds a login: put it in `user` and the password in `password_file`",
        ));
    }
    if !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "url",
            "only smtp://host[:port] or smtps://host[:port]: no path, query or fragment",
        ));
    }
    let host = match url.host() {
        Some(url::Host::Domain(d)) if !d.is_empty() => d.to_owned(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        _ => return Err(invalid("url", "no host: smtp://HOST[:PORT]")),
    };
    let port = url
        .port()
        .unwrap_or(if implicit_tls { SMTPS_PORT } else { SMTP_PORT });
    Ok((host, port, implicit_tls))
}

fn mailbox(field: &'static str, text: &str) -> Result<Mailbox, ChannelError> {
    if check_name(text).is_err() {
        return Err(invalid(
            field,
            format!("`{}` holds a control character", escape(text)),
        ));
    }
    text.parse::<Mailbox>().map_err(|e| {
        invalid(
            field,
            format!("`{}` is not an email address: {e}", escape(text)),
        )
    })
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The server's certificate is checked against the CA file alone when one is given, the
/// system's roots otherwise; the name checked is the URL's host.
fn tls_parameters(
    host: &str,
    ca_file: Option<&std::path::Path>,
) -> Result<TlsParameters, ChannelError> {
    let builder = TlsParameters::builder(host.to_owned());
    let builder = match ca_file {
        None => builder,
        Some(path) => {
            let unreadable = |e: String| {
                invalid(
                    "ca_file",
                    format!("{}: {e}", escape(&path.to_string_lossy())),
                )
            };
            let size = std::fs::metadata(path)
                .map_err(|e| unreadable(e.to_string()))?
                .len();
            if size > CA_FILE_MAX_BYTES {
                return Err(unreadable(format!(
                    "{size} bytes, more than the {CA_FILE_MAX_BYTES} a CA file may hold"
                )));
            }
            let pem = std::fs::read(path).map_err(|e| unreadable(e.to_string()))?;
            if !pem
                .windows(b"-----BEGIN CERTIFICATE-----".len())
                .any(|w| w == b"-----BEGIN CERTIFICATE-----")
            {
                return Err(unreadable("no PEM certificate in it".into()));
            }
            let certificate = Certificate::from_pem(&pem).map_err(|e| unreadable(e.to_string()))?;
            builder
                .certificate_store(CertificateStore::None)
                .add_root_certificate(certificate)
        }
    };
    builder
        .build_rustls()
        .map_err(|e| invalid("ca_file", format!("cannot use it for TLS: {e}")))
}
