//! The channels against real servers of the test's own: aiosmtpd for SMTP (`OwnSmtp`, skipped
//! with a reason when it is not installed, failing under `CI=true`), and for ntfy an HTTP
//! server in the test that checks ntfy's documented publishing contract (the real ntfy server
//! is not packaged for this platform).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ntfy_contract;
mod ntfy_tls;
mod smtp_delivery;
mod smtp_failures;
mod smtp_tls;
mod support;
