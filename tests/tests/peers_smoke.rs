//! Smoke tests against the real peers started by `tests/peers/start.sh`.
//!
//! The endpoints come from the env file named by `UPSTRA_PEERS_ENV` (written by
//! start.sh as `$DIR/peers.env`: `KEY=value` lines, values with spaces in double
//! quotes, `#` comments). Without `UPSTRA_PEERS_ENV` every test is skipped with a
//! note on stderr, except under `CI=true`, where a missing peer set is an error.
//!
//! Only `std`: raw TCP for NUT, Redis, SSH and plain-HTTP Redfish, and `curl`
//! (with the generated CA) for the HTTPS peers. Every socket has connect/read/
//! write timeouts and every curl a `--max-time`, so nothing can hang.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::process::Command;
use std::time::Duration;

use upstra_tests::{parse_env, peers};

const TIMEOUT: Duration = Duration::from_secs(5);
const CURL_MAX_TIME: &str = "10";

fn connect(host: &str, port: &str) -> TcpStream {
    let addr: SocketAddr = format!("{}:{}", host, port)
        .to_socket_addrs()
        .unwrap_or_else(|e| panic!("bad address {}:{}: {}", host, port, e))
        .next()
        .unwrap_or_else(|| panic!("no address for {}:{}", host, port));
    let stream = TcpStream::connect_timeout(&addr, TIMEOUT)
        .unwrap_or_else(|e| panic!("connect {}: {}", addr, e));
    stream
        .set_read_timeout(Some(TIMEOUT))
        .expect("set a read timeout");
    stream
        .set_write_timeout(Some(TIMEOUT))
        .expect("set a write timeout");
    stream
}

/// `host:port` of an `http://host:port[/...]`-style URL.
fn host_port(url: &str) -> (String, String) {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split('/').next().unwrap_or(rest);
    let (host, port) = authority
        .rsplit_once(':')
        .unwrap_or_else(|| panic!("no port in {}", url));
    (host.to_string(), port.to_string())
}

fn read_line(reader: &mut BufReader<TcpStream>, what: &str) -> String {
    let mut line = String::new();
    match reader.read_line(&mut line) {
        Ok(0) => panic!("{}: connection closed", what),
        Ok(_) => line.trim_end_matches(&['\r', '\n'][..]).to_string(),
        Err(e) => panic!("{}: read failed: {}", what, e),
    }
}

fn curl(args: &[&str]) -> String {
    let out = Command::new("curl")
        .args(["-sS", "--fail", "--max-time", CURL_MAX_TIME])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run curl: {}", e));
    assert!(
        out.status.success(),
        "curl {:?} failed ({}): {}",
        args,
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn nut_lists_ups_and_answers_status() {
    let Some(p) = peers("nut_lists_ups_and_answers_status") else {
        return;
    };
    let stream = connect(p.get("UPSTRA_PEER_NUT_HOST"), p.get("UPSTRA_PEER_NUT_PORT"));
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);

    writer.write_all(b"LIST UPS\n").unwrap();
    let mut listed = Vec::new();
    loop {
        let line = read_line(&mut reader, "NUT LIST UPS");
        assert!(!line.starts_with("ERR"), "LIST UPS: {}", line);
        if line == "END LIST UPS" {
            break;
        }
        if let Some(rest) = line.strip_prefix("UPS ") {
            listed.push(rest.split(' ').next().unwrap_or("").to_string());
        }
    }
    for ups in p.get("UPSTRA_PEER_NUT_UPS").split_whitespace() {
        assert!(
            listed.iter().any(|u| u == ups),
            "{} not in LIST UPS: {:?}",
            ups,
            listed
        );
    }
    assert!(listed.iter().any(|u| u == "ups1") && listed.iter().any(|u| u == "ups2"));

    writer.write_all(b"GET VAR ups1 ups.status\n").unwrap();
    let line = read_line(&mut reader, "NUT GET VAR");
    assert!(
        line.starts_with("VAR ups1 ups.status \""),
        "GET VAR ups1 ups.status: {}",
        line
    );

    writer.write_all(b"LOGOUT\n").unwrap();
}

#[test]
fn redis_ping() {
    let Some(p) = peers("redis_ping") else { return };
    let url = p.get("UPSTRA_PEER_REDIS_URL");
    assert!(url.starts_with("redis://"), "UPSTRA_PEER_REDIS_URL={}", url);
    let (host, port) = host_port(url);
    let stream = connect(&host, &port);
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    writer.write_all(b"*1\r\n$4\r\nPING\r\n").unwrap();
    assert_eq!(read_line(&mut reader, "Redis PING"), "+PONG");
}

#[test]
fn sshd_banner() {
    let Some(p) = peers("sshd_banner") else {
        return;
    };
    let stream = connect(p.get("UPSTRA_PEER_SSH_HOST"), p.get("UPSTRA_PEER_SSH_PORT"));
    let mut reader = BufReader::new(stream);
    let banner = read_line(&mut reader, "SSH banner");
    assert!(
        banner.starts_with("SSH-2.0-OpenSSH"),
        "SSH banner: {}",
        banner
    );
    assert!(
        p.get("UPSTRA_PEER_SSH_HOST_KEY")
            .starts_with("ssh-ed25519 ")
    );
}

#[test]
fn redfish_http_service_root() {
    let Some(p) = peers("redfish_http_service_root") else {
        return;
    };
    let url = p.get("UPSTRA_PEER_REDFISH_HTTP_URL");
    let (host, port) = host_port(url);
    let mut stream = connect(&host, &port);
    let request = format!(
        "GET /redfish/v1 HTTP/1.1\r\nHost: {}:{}\r\nAccept: application/json\r\nConnection: close\r\n\r\n",
        host, port
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .unwrap_or_else(|e| panic!("GET {}/redfish/v1: read failed: {}", url, e));
    let response = String::from_utf8_lossy(&response);
    let status_line = response.lines().next().unwrap_or("");
    assert_eq!(
        status_line.split_whitespace().nth(1),
        Some("200"),
        "GET {}/redfish/v1: {}",
        url,
        status_line
    );
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or("");
    assert!(body.trim_start().starts_with('{'), "not JSON: {}", body);
    assert!(
        body.contains("\"Systems\""),
        "no Systems in service root: {}",
        body
    );
}

#[test]
fn redfish_https_service_root_and_system_1() {
    let Some(p) = peers("redfish_https_service_root_and_system_1") else {
        return;
    };
    let url = p.get("UPSTRA_PEER_REDFISH_HTTPS_URL");
    let ca = p.get("UPSTRA_PEER_REDFISH_CA");
    let root = curl(&["--cacert", ca, &format!("{}/redfish/v1", url)]);
    assert!(
        root.contains("\"Systems\""),
        "no Systems in service root: {}",
        root
    );

    let auth = format!(
        "{}:{}",
        p.get("UPSTRA_PEER_REDFISH_USER"),
        p.get("UPSTRA_PEER_REDFISH_PASSWORD")
    );
    let system = curl(&[
        "--cacert",
        ca,
        "-u",
        &auth,
        &format!("{}/redfish/v1/Systems/1", url),
    ]);
    assert!(system.contains("\"PowerState\""), "Systems/1: {}", system);
    assert!(
        p.get("UPSTRA_PEER_REDFISH_TLS_FINGERPRINT")
            .starts_with("sha256:")
    );
}

#[test]
fn vcsim_about() {
    let Some(p) = peers("vcsim_about") else {
        return;
    };
    let sdk = p.get("UPSTRA_PEER_VCSIM_URL");
    let base = sdk.strip_suffix("/sdk").unwrap_or(sdk);
    let about = curl(&[
        "--cacert",
        p.get("UPSTRA_PEER_VCSIM_CA"),
        &format!("{}/about", base),
    ]);
    assert!(
        about.trim_start().starts_with('{'),
        "{}/about: {}",
        base,
        about
    );
    assert!(
        p.get("UPSTRA_PEER_VCSIM_TLS_FINGERPRINT")
            .starts_with("sha256:")
    );
}

#[test]
fn env_parser_handles_quotes_and_comments() {
    let vars = parse_env("# c\n\nA=1\nB=\"x y\"\nexport C='z'\nD=sha256:AB:CD\n");
    assert_eq!(vars["A"], "1");
    assert_eq!(vars["B"], "x y");
    assert_eq!(vars["C"], "z");
    assert_eq!(vars["D"], "sha256:AB:CD");
}
