//! What the channel tests share: a message as the daemon would write it, and a channel spec.

use std::time::Duration;

use upstra_adapter_notify::smtp::{SmtpChannel, SmtpSpec, SmtpTls};
use upstra_adapter_notify::{Message, Severity};
use upstra_tests::smtp::OwnSmtp;
use zeroize::Zeroizing;

/// An attempt's deadline: generous for a loaded 2-core machine.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// 2026-12-07 03:00:00 UTC.
pub const AT_UNIX: i64 = 1_796_612_400;

/// A French on-battery message, with the given id.
pub fn message(id: &str) -> Message {
    Message {
        id: id.to_owned(),
        kind: "ups_on_battery".into(),
        severity: Severity::Warning,
        site: "labo-lyon".into(),
        at_unix: AT_UNIX,
        title: "Onduleur « ups1 » sur batterie — coupure secteur".into(),
        body: "L'onduleur ups1 est passé sur batterie à 03:00.\n\
               Autonomie restante : 14 min ; délai de grâce : 2 min.\n\
               Aucune action n'a encore été lancée."
            .into(),
        details: serde_json::json!({ "ups": "ups1", "runtime_s": 840 }),
    }
}

/// A spec for `smtp`'s server, to two recipients, trusting its certificate when it has one.
pub fn spec(smtp: &OwnSmtp) -> SmtpSpec {
    SmtpSpec {
        url: smtp.url(),
        tls: SmtpTls::Opportunistic,
        from: "upstra@lab.example".into(),
        to: vec!["ops@lab.example".into(), "astreinte@lab.example".into()],
        user: None,
        password: None,
        ca_file: smtp.ca_file(),
        timeout: TIMEOUT,
    }
}

pub fn channel(spec: SmtpSpec) -> SmtpChannel {
    SmtpChannel::new(spec).expect("a valid smtp spec")
}

pub fn login(user: &str, password: &str) -> (Option<String>, Option<Zeroizing<String>>) {
    (
        Some(user.to_owned()),
        Some(Zeroizing::new(password.to_owned())),
    )
}
