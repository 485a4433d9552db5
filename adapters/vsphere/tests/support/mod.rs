//! Shared by the peer tests: the vcsim endpoint from the harness's env file, clients with
//! short deadlines, a lock that serialises tests sharing one vcsim, and raw SOAP for the one
//! thing the client deliberately cannot do (end other sessions).
#![allow(dead_code)] // each test binary uses a different part

pub mod fake;

use std::time::Duration;

use upstra_adapter_vsphere::{VsphereClient, VsphereOptions};
use upstra_core::ids::VmId;
use upstra_core::model::{CertFingerprint, Credentials, HttpUrl, TlsTrust, VCenter, Vm, VmPower};
use upstra_core::secret::Secret;
use upstra_tests::Peers;

/// Held by every test that talks to the shared vcsim, so that one test's power-off is never
/// seen by another's listing.
pub static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Deadlines for vcsim, whose tasks finish in milliseconds.
pub fn options() -> VsphereOptions {
    VsphereOptions {
        call_timeout: Duration::from_secs(10),
        task_timeout: Duration::from_secs(30),
        guest_shutdown_timeout: Duration::from_secs(30),
    }
}

/// A pin that matches no certificate.
pub fn wrong_pin() -> TlsTrust {
    let text = format!("sha256:{}", vec!["AB"; 32].join(":"));
    TlsTrust::Fingerprint(CertFingerprint::parse(&text).expect("valid fingerprint"))
}

/// The harness's vcsim, or `None` (test skipped) when the peers are not running.
pub fn lab(test: &str) -> Option<Lab> {
    upstra_tests::peers(test).map(|peers| Lab { peers })
}

/// One harness run.
pub struct Lab {
    pub peers: Peers,
}

impl Lab {
    /// The lab's vCenter with `password`, trusted by its pinned fingerprint.
    pub fn vcenter(&self, password: &str) -> VCenter {
        let pin = self.peers.get("UPSTRA_PEER_VCSIM_TLS_FINGERPRINT");
        VCenter {
            url: HttpUrl::parse(self.peers.get("UPSTRA_PEER_VCSIM_URL")).expect("URL"),
            login: Credentials {
                user: self.peers.get("UPSTRA_PEER_VCSIM_USER").to_owned(),
                password: Some(Secret::new(password)),
            },
            tls: TlsTrust::Fingerprint(CertFingerprint::parse(pin).expect("fingerprint")),
        }
    }

    /// Trust by the harness's CA file instead of the pin.
    pub fn ca_file_trust(&self) -> TlsTrust {
        TlsTrust::CaFile(self.peers.get("UPSTRA_PEER_VCSIM_CA").to_owned())
    }

    /// A client with the right password.
    pub fn client(&self) -> VsphereClient {
        self.client_with_password(self.peers.get("UPSTRA_PEER_VCSIM_PASSWORD"))
    }

    pub fn client_with_password(&self, password: &str) -> VsphereClient {
        VsphereClient::new(&self.vcenter(password), options()).expect("client")
    }

    pub fn client_trusting(&self, tls: TlsTrust) -> VsphereClient {
        let mut vc = self.vcenter(self.peers.get("UPSTRA_PEER_VCSIM_PASSWORD"));
        vc.tls = tls;
        VsphereClient::new(&vc, options()).expect("client")
    }

    /// The VM called `name`, from a fresh inventory read.
    pub async fn vm(&self, client: &VsphereClient, name: &str) -> Vm {
        let inv = client.read_inventory().await.expect("inventory");
        let vm = inv.vms.iter().find(|v| v.name == name);
        vm.unwrap_or_else(|| panic!("no VM {name}")).to_core()
    }

    /// A VM's power state, from a fresh inventory read.
    pub async fn power_of(&self, client: &VsphereClient, id: &VmId) -> VmPower {
        let inv = client.read_inventory().await.expect("inventory");
        inv.vm(id).expect("VM still there").power
    }

    /// Logs in with raw SOAP and ends every other session on the vcsim (the tests hold
    /// `SERIAL`, so those are this binary's idle clients); returns how many it ended.
    pub async fn terminate_other_sessions(&self) -> usize {
        let vc = self.vcenter(self.peers.get("UPSTRA_PEER_VCSIM_PASSWORD"));
        let http = upstra_adapter_tls::http_client(&vc.tls, Duration::from_secs(10)).expect("http");
        let url = vc.url.as_str();
        let login = format!(
            "<Login><_this type=\"SessionManager\">SessionManager</_this><userName>{}</userName>\
             <password>{}</password></Login>",
            vc.login.user,
            self.peers.get("UPSTRA_PEER_VCSIM_PASSWORD")
        );
        let (text, cookie) = soap(&http, url, &login, None).await;
        let own = between(&text, "<key>", "</key>")
            .expect("own session key")
            .to_owned();
        let cookie = cookie.expect("session cookie");
        let list = "<RetrievePropertiesEx><_this type=\"PropertyCollector\">propertyCollector\
                    </_this><specSet><propSet><type>SessionManager</type><pathSet>sessionList\
                    </pathSet></propSet><objectSet><obj type=\"SessionManager\">SessionManager\
                    </obj></objectSet></specSet><options/></RetrievePropertiesEx>";
        let (text, _) = soap(&http, url, list, Some(&cookie)).await;
        let keys: Vec<&str> = text
            .split("<key>")
            .skip(1)
            .filter_map(|s| s.split("</key>").next())
            .filter(|k| *k != own)
            .collect();
        for key in &keys {
            let end = format!(
                "<TerminateSession><_this type=\"SessionManager\">SessionManager</_this>\
                 <sessionId>{key}</sessionId></TerminateSession>"
            );
            soap(&http, url, &end, Some(&cookie)).await;
        }
        keys.len()
    }
}

/// One raw SOAP exchange; returns the body and the session cookie set, if any.
async fn soap(
    http: &reqwest::Client,
    url: &str,
    body: &str,
    cookie: Option<&str>,
) -> (String, Option<String>) {
    let envelope = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope \
         xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns=\"urn:vim25\">\
         <soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    );
    let mut req = http
        .post(url)
        .header("Content-Type", "text/xml; charset=utf-8")
        .body(envelope);
    if let Some(c) = cookie {
        req = req.header("Cookie", format!("vmware_soap_session={c}"));
    }
    let resp = req.send().await.expect("raw SOAP call");
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|h| h.to_str().ok())
        .find_map(|h| between(h, "vmware_soap_session=", ";").map(str::to_owned));
    (resp.text().await.expect("body"), cookie)
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &text[text.find(start)? + start.len()..];
    Some(rest.split(end).next().unwrap_or(rest))
}
