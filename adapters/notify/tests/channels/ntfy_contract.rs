//! The ntfy channel against an HTTP server of the test's own that records each request and
//! answers as told, checking ntfy's documented publishing contract: a POST to the topic URL
//! whose body is the message, with `Title`, `Priority` and `Tags` headers and a bearer token.
//! (The real ntfy server is not packaged for this platform; see the crate's README.)

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use upstra_adapter_notify::ntfy::{NtfyChannel, NtfySpec};
use upstra_adapter_notify::{SendError, Severity};
use upstra_core::model::TlsTrust;
use zeroize::Zeroizing;

use crate::support::{TIMEOUT, message};

/// The most a test server reads of one request: the channel sends a few KiB.
const REQUEST_MAX_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: String,
    pub(crate) path: String,
    /// Header names lower-cased; values as raw text.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == &name.to_ascii_lowercase())
            .map(|(_, v)| v.as_str())
    }
}

struct Server {
    port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Server {
    /// Answers every request with `status` and `body`.
    async fn start(status: u16, body: &'static str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let Some(request) = read_request(&mut stream).await else {
                        return;
                    };
                    seen.lock().expect("lock").push(request);
                    let answer = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(answer.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Self { port, requests }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/upstra-lab", self.port)
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("lock").clone()
    }
}

pub(crate) async fn read_request<S: AsyncReadExt + Unpin>(stream: &mut S) -> Option<Request> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 || data.len() > REQUEST_MAX_BYTES {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, path) = (first.next()?.to_owned(), first.next()?.to_owned());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = data[head_end + 4..].to_vec();
    while body.len() < length.min(REQUEST_MAX_BYTES) {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
    }
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}

fn channel(url: String, token: Option<&str>) -> NtfyChannel {
    NtfyChannel::new(NtfySpec {
        url,
        token: token.map(|t| Zeroizing::new(t.to_owned())),
        trust: TlsTrust::Unpinned,
        timeout: TIMEOUT,
    })
    .expect("a valid ntfy spec")
}

/// An RFC 2047 `=?UTF-8?B?...?=` word decoded, as ntfy does; other text as it is.
fn decoded(value: &str) -> String {
    match value
        .strip_prefix("=?UTF-8?B?")
        .and_then(|v| v.strip_suffix("?="))
    {
        Some(b64) => String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .expect("base64"),
        )
        .expect("UTF-8"),
        None => value.to_owned(),
    }
}

#[tokio::test]
async fn a_message_is_published_as_ntfy_documents() {
    let server = Server::start(200, r#"{"id":"hgQ1kX6Ia0zb","event":"message"}"#).await;
    let channel = channel(server.url(), Some("tk_lab0123456789"));
    let mut sent = message("42-ops-ntfy");
    let delivered = channel.send(&sent).await.expect("delivered");
    assert_eq!(delivered.answer, "HTTP 200 (ntfy id hgQ1kX6Ia0zb)");

    let requests = server.requests();
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/upstra-lab");
    assert_eq!(String::from_utf8_lossy(&request.body), sent.body);
    assert_eq!(decoded(request.header("Title").expect("Title")), sent.title);
    assert_eq!(request.header("Priority"), Some("4"));
    assert_eq!(
        request.header("Tags"),
        Some("ups_on_battery,id-42-ops-ntfy")
    );
    assert_eq!(
        request.header("Authorization"),
        Some("Bearer tk_lab0123456789")
    );
    assert!(
        request
            .header("Content-Type")
            .is_some_and(|t| t.starts_with("text/plain")),
        "{request:?}"
    );

    for (severity, priority) in [(Severity::Info, "3"), (Severity::Critical, "5")] {
        sent.severity = severity;
        channel.send(&sent).await.expect("delivered");
        let last = server.requests().pop().expect("a request");
        assert_eq!(last.header("Priority"), Some(priority), "{severity:?}");
    }
}

#[tokio::test]
async fn without_a_token_no_authorization_is_sent() {
    let server = Server::start(200, "{}").await;
    channel(server.url(), None)
        .send(&message("anonymous"))
        .await
        .expect("delivered");
    assert_eq!(server.requests()[0].header("Authorization"), None);
}

#[tokio::test]
async fn a_hostile_title_stays_one_header() {
    let server = Server::start(200, "{}").await;
    let mut sent = message("hostile");
    sent.title = "ups1\r\nX-Injected: yes\u{1b}]0;pwned\u{7}".into();
    sent.kind = "ups_on_battery,critical\r\nX-Kind: 1".into();
    channel(server.url(), None)
        .send(&sent)
        .await
        .expect("delivered");
    let request = &server.requests()[0];
    assert_eq!(request.header("X-Injected"), None);
    assert_eq!(request.header("X-Kind"), None);
    assert_eq!(
        decoded(request.header("Title").expect("Title")),
        "ups1\\r\\nX-Injected: yes\\e]0;pwned\\a"
    );
    // One kind tag and the id tag: a comma in the kind cannot add a tag.
    assert_eq!(
        request.header("Tags").map(|t| t.split(',').count()),
        Some(2)
    );
}

#[tokio::test]
async fn a_server_error_or_a_rate_limit_is_temporary() {
    for status in [500, 503, 429] {
        let server = Server::start(status, r#"{"error":"busy"}"#).await;
        match channel(server.url(), None).send(&message("e")).await {
            Err(SendError::Temporary { reason }) => {
                assert!(reason.contains(&format!("HTTP {status}")), "{reason}")
            }
            other => panic!("HTTP {status}: expected a temporary failure, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_refusal_is_rejected_with_the_servers_answer() {
    let server = Server::start(403, r#"{"code":40301,"error":"forbidden"}"#).await;
    match channel(server.url(), Some("tk_wrong"))
        .send(&message("f"))
        .await
    {
        Err(SendError::Rejected { answer }) => {
            assert!(answer.starts_with("HTTP 403"), "{answer}");
            assert!(answer.contains("forbidden"), "{answer}");
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[tokio::test]
async fn a_server_that_is_down_is_temporary() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let url = format!("http://127.0.0.1:{port}/upstra-lab");
    let channel = NtfyChannel::new(NtfySpec {
        url,
        token: None,
        trust: TlsTrust::Unpinned,
        timeout: Duration::from_secs(10),
    })
    .expect("valid");
    match channel.send(&message("down")).await {
        Err(SendError::Temporary { reason }) => {
            assert!(reason.contains(&format!("127.0.0.1:{port}")), "{reason}")
        }
        other => panic!("expected a temporary failure, got {other:?}"),
    }
}
