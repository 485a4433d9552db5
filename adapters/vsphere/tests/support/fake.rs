//! A scripted vCenter on 127.0.0.1 over plain HTTP that answers with the recorded fixtures:
//! for what vcsim cannot show (paging tokens, running tasks, expired sessions, silence).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use upstra_adapter_vsphere::{VsphereClient, VsphereOptions};
use upstra_core::model::{Credentials, HttpUrl, TlsTrust, VCenter};
use upstra_core::secret::Secret;

/// One call the fake received: the SOAP method and the session cookie it carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub method: String,
    pub cookie: Option<String>,
}

/// What the fake answers.
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub set_cookie: Option<String>,
}

impl Reply {
    /// 200 with a fixture.
    pub fn ok(fixture_name: &str) -> Self {
        Self {
            status: 200,
            body: fixture(fixture_name),
            set_cookie: None,
        }
    }

    /// 500 with a fault fixture.
    pub fn fault(fixture_name: &str) -> Self {
        Self {
            status: 500,
            ..Self::ok(fixture_name)
        }
    }

    pub fn with_cookie(mut self, cookie: &str) -> Self {
        self.set_cookie = Some(cookie.to_owned());
        self
    }
}

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

type Script = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

/// A running fake; the listener task ends with the test's runtime.
pub struct Fake {
    pub url: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Fake {
    /// Starts a fake that answers each call with `script(call, n)`, `n` counting earlier calls
    /// of the same method.
    pub async fn start(script: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/sdk", listener.local_addr().expect("addr"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script: Arc<Script> = Arc::new(script);
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, script.clone(), log.clone()));
            }
        });
        Self { url, seen }
    }

    /// The methods called so far, in order.
    pub fn methods(&self) -> Vec<String> {
        self.calls().into_iter().map(|s| s.method).collect()
    }

    pub fn calls(&self) -> Vec<Seen> {
        self.seen.lock().expect("log").clone()
    }

    /// A client for this fake with short deadlines.
    pub fn client(&self, options: VsphereOptions) -> VsphereClient {
        VsphereClient::with_http_client(&vcenter(&self.url), reqwest::Client::new(), options)
            .expect("client")
    }
}

/// A vCenter declaration for `url` with user `user` / password `pass`.
pub fn vcenter(url: &str) -> VCenter {
    VCenter {
        url: HttpUrl::parse(url).expect("URL"),
        login: Credentials {
            user: "user".into(),
            password: Some(Secret::new("pass")),
        },
        tls: TlsTrust::Unpinned,
    }
}

/// Short deadlines for the fake.
pub fn quick() -> VsphereOptions {
    VsphereOptions {
        call_timeout: Duration::from_millis(500),
        task_timeout: Duration::from_millis(400),
        guest_shutdown_timeout: Duration::from_millis(400),
    }
}

async fn serve(mut stream: TcpStream, script: Arc<Script>, seen: Arc<Mutex<Vec<Seen>>>) {
    let mut buf = Vec::new();
    loop {
        let Some((head_len, body_len)) = read_request(&mut stream, &mut buf).await else {
            return;
        };
        let head = String::from_utf8_lossy(&buf[..head_len]).to_string();
        let body = String::from_utf8_lossy(&buf[head_len..head_len + body_len]).to_string();
        buf.drain(..head_len + body_len);
        let call = Seen {
            method: soap_method(&body),
            cookie: head.lines().find_map(|l| {
                let (name, value) = l.split_once(':')?;
                let value = value.trim().strip_prefix("vmware_soap_session=")?;
                name.eq_ignore_ascii_case("cookie")
                    .then(|| value.to_owned())
            }),
        };
        let n = {
            let mut log = seen.lock().expect("log");
            let n = log.iter().filter(|s| s.method == call.method).count();
            log.push(call.clone());
            n
        };
        let reply = script(&call, n);
        let cookie = reply
            .set_cookie
            .map(|c| format!("Set-Cookie: vmware_soap_session={c}; Path=/; HttpOnly\r\n"))
            .unwrap_or_default();
        // The head and the body apart: a large answer is not copied once more to be sent.
        let head = format!(
            "HTTP/1.1 {} X\r\nContent-Type: text/xml; charset=utf-8\r\n{cookie}Content-Length: {}\r\n\r\n",
            reply.status,
            reply.body.len(),
        );
        if stream.write_all(head.as_bytes()).await.is_err()
            || stream.write_all(reply.body.as_bytes()).await.is_err()
        {
            return;
        }
    }
}

/// Reads one request into `buf`; returns the header length and the body length.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<(usize, usize)> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return Some((end + 4, len));
            }
        }
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// The first element inside the SOAP Body.
fn soap_method(body: &str) -> String {
    let after = body.split("Body>").nth(1).unwrap_or_default();
    let name = after.trim_start_matches('<');
    name.split(['>', ' ', '/'])
        .next()
        .unwrap_or_default()
        .to_owned()
}
