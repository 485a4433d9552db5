//! A lab of a test's own size beside the shared harness: a vcsim with the wanted number of
//! clusters, hosts and VMs, and a Redfish emulator with one BMC per host, started from the
//! programs the harness installed, on free loopback ports, stopped when dropped. The shared
//! peers keep their state for the other tests; this lab's state dies with it.
#![allow(clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Peers;

/// A child process killed when dropped.
struct Owned(Child);

impl Drop for Owned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The size of the lab.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub clusters: u32,
    pub hosts_per_cluster: u32,
    /// VMs in each cluster's resource pool (vcsim spreads them over the cluster's hosts).
    pub vms_per_cluster: u32,
}

/// The running lab.
pub struct OwnLab {
    pub vcsim_url: String,
    pub vcsim_user: String,
    pub vcsim_password: String,
    pub vcsim_fingerprint: String,
    /// The (first) Redfish emulator's base URL (HTTP).
    pub redfish_url: String,
    /// Each Redfish emulator's base URL: system `i` is served by `redfish_urls[i %
    /// redfish_urls.len()]`.
    pub redfish_urls: Vec<String>,
    pub redfish_user: String,
    pub redfish_password: String,
    /// vSphere host names, by cluster: `hosts[c]` are cluster `c`'s.
    pub hosts: Vec<Vec<String>>,
    /// One Redfish system id per host, in the order of `hosts` flattened.
    pub systems: Vec<String>,
    pub vms: Vec<String>,
    pub dir: PathBuf,
    /// The (first) Redfish emulator's process, for a test that stops it to hold a BMC call in
    /// flight.
    pub redfish_pid: u32,
    _children: Vec<Owned>,
}

/// Systems one Redfish emulator serves. The emulator's fake driver reads every system it has
/// from its state on each request, so one emulator for a thousand BMCs answered a few a
/// second and a large lab's sync timed out; a hundred each keep a request in milliseconds.
pub const SYSTEMS_PER_EMULATOR: usize = 100;

/// Starts Redfish emulator `n` with `systems` (each with its index in the lab), on a free port
/// of its own; its URL and pid. Panics when it does not answer in 30 s.
fn start_emulator(
    peers: &Peers,
    dir: &std::path::Path,
    n: usize,
    systems: &[(usize, String)],
    children: &mut Vec<Owned>,
) -> (String, u32) {
    let port = free_port();
    let fleet: String = systems
        .iter()
        .map(|&(i, ref id)| {
            format!(
                "    {{'uuid': '{id}', 'name': 'own{i:02}', 'power_state': 'On', 'nics': [{{'mac': '52:54:00:0a:{:02x}:{:02x}', 'ip': '127.0.0.1'}}]}},\n",
                (i + 1) / 256,
                (i + 1) % 256
            )
        })
        .collect();
    // The first keeps the plain names the tests read (`sushy.log`).
    let suffix = if n == 0 {
        String::new()
    } else {
        format!("-{n}")
    };
    let state = dir.join(format!("state{suffix}"));
    let conf = dir.join(format!("fleet{suffix}.conf"));
    let log = dir.join(format!("sushy{suffix}.log"));
    std::fs::write(
        &conf,
        format!(
            "SUSHY_EMULATOR_LISTEN_IP = '127.0.0.1'\nSUSHY_EMULATOR_LISTEN_PORT = {port}\n\
             SUSHY_EMULATOR_FAKE_DRIVER = True\nSUSHY_EMULATOR_STATE_DIR = '{}'\n\
             SUSHY_EMULATOR_AUTH_FILE = '{}'\nSUSHY_EMULATOR_FAKE_SYSTEMS = [\n{fleet}]\n",
            state.display(),
            peers.get("UPSTRA_PEER_REDFISH_HTPASSWD"),
        ),
    )
    .expect("write the emulator config");
    let sushy = Command::new(peers.get("UPSTRA_PEER_SUSHY_BIN"))
        .arg("--config")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("sushy log"))
        .spawn()
        .expect("start the Redfish emulator");
    let pid = sushy.id();
    children.push(Owned(sushy));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !http_answers(port, "/redfish/v1") {
        assert!(
            Instant::now() < deadline,
            "the Redfish emulator did not answer within 30 s: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::park_timeout(Duration::from_millis(50));
    }
    (format!("http://127.0.0.1:{port}"), pid)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// True once `GET path` on `port` answers anything.
fn http_answers(port: u16, path: &str) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let req = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut buf = [0u8; 12];
    matches!(s.read(&mut buf), Ok(n) if n > 0)
}

impl OwnLab {
    /// Starts the lab; panics with the reason when a program does not come up in 30 s.
    pub fn start(peers: &Peers, size: Size) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "upstra-own-lab-{}-{}",
            std::process::id(),
            Instant::now().elapsed().as_nanos() ^ u128::from(free_port())
        ));
        std::fs::create_dir_all(dir.join("state")).expect("lab dir");
        let mut children = Vec::new();

        // vcsim, on a free port it picks itself; it prints its URL and inventory.
        let mut vcsim = Command::new(peers.get("UPSTRA_PEER_VCSIM_BIN"))
            .args(["-l", "127.0.0.1:0", "-standalone-host", "0"])
            .args(["-cluster", &size.clusters.to_string()])
            .args(["-host", &size.hosts_per_cluster.to_string()])
            .args(["-vm", &size.vms_per_cluster.to_string()])
            .args(["-username", peers.get("UPSTRA_PEER_VCSIM_USER")])
            .args(["-password", peers.get("UPSTRA_PEER_VCSIM_PASSWORD")])
            .args(["-tlscert", peers.get("UPSTRA_PEER_VCSIM_CERT")])
            .args(["-tlskey", peers.get("UPSTRA_PEER_VCSIM_KEY")])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start vcsim");
        let stdout = vcsim.stdout.take().expect("vcsim stdout");
        children.push(Owned(vcsim));
        let mut lines = BufReader::new(stdout).lines();
        let (mut url, mut hosts, mut vms) = (None, Vec::new(), Vec::new());
        while url.is_none() || hosts.is_empty() || (size.vms_per_cluster > 0 && vms.is_empty()) {
            let line = lines
                .next()
                .expect("vcsim stopped before printing its inventory")
                .expect("vcsim output");
            if let Some(rest) = line.strip_prefix("export GOVC_URL=") {
                let u = rest.split_whitespace().next().unwrap_or_default();
                // https://user:pass@127.0.0.1:PORT/sdk -> https://127.0.0.1:PORT/sdk
                let host = u.rsplit('@').next().unwrap_or(u);
                url = Some(format!("https://{host}"));
            } else if let Some(rest) = line.strip_prefix("vcsim: HostSystem: ") {
                hosts = rest.split_whitespace().map(str::to_owned).collect();
            } else if let Some(rest) = line.strip_prefix("vcsim: VirtualMachine: ") {
                vms = rest.split_whitespace().map(str::to_owned).collect();
            }
        }
        // vcsim stops when its stdout closes; keep reading it in the background.
        std::thread::spawn(move || for _ in lines {});
        let vcsim_url = url.expect("vcsim URL");
        let by_cluster: Vec<Vec<String>> = (0..size.clusters)
            .map(|c| {
                let prefix = format!("DC0_C{c}_");
                hosts
                    .iter()
                    .filter(|h| h.starts_with(&prefix))
                    .cloned()
                    .collect()
            })
            .collect();

        // Redfish emulators with one system per host, at most SYSTEMS_PER_EMULATOR each.
        let systems: Vec<String> = (1..=hosts.len())
            .map(|i| format!("{i:08x}-0000-4000-8000-{:012x}", 0xa000 + i))
            .collect();
        // Dealt round-robin: the daemon reads BMCs in the lab's order, so neighbours must
        // land on different emulators, as they would on different machines.
        let emulators = systems.len().div_ceil(SYSTEMS_PER_EMULATOR).max(1);
        let mut redfish_urls = Vec::new();
        let mut redfish_pids = Vec::new();
        for n in 0..emulators {
            let dealt: Vec<(usize, String)> = systems
                .iter()
                .enumerate()
                .skip(n)
                .step_by(emulators)
                .map(|(i, id)| (i, id.clone()))
                .collect();
            let (url, pid) = start_emulator(peers, &dir, n, &dealt, &mut children);
            redfish_urls.push(url);
            redfish_pids.push(pid);
        }
        let redfish_url = redfish_urls.first().cloned().unwrap_or_default();
        let redfish_pid = redfish_pids.first().copied().unwrap_or_default();
        Self {
            vcsim_url,
            vcsim_user: peers.get("UPSTRA_PEER_VCSIM_USER").to_owned(),
            vcsim_password: peers.get("UPSTRA_PEER_VCSIM_PASSWORD").to_owned(),
            vcsim_fingerprint: peers.get("UPSTRA_PEER_VCSIM_TLS_FINGERPRINT").to_owned(),
            redfish_url,
            redfish_urls,
            redfish_user: peers.get("UPSTRA_PEER_REDFISH_USER").to_owned(),
            redfish_password: peers.get("UPSTRA_PEER_REDFISH_PASSWORD").to_owned(),
            hosts: by_cluster,
            systems,
            vms,
            dir,
            redfish_pid,
            _children: children,
        }
    }
}

/// What a lab file over an [`OwnLab`] says beyond the lab itself.
#[derive(Debug, Clone)]
pub struct LabFile<'a> {
    /// `host:port` of the harness's upsd: cluster 0 is fed by its `ups1` (as `ups-one`),
    /// every other cluster by `ups2` (as `ups-two`).
    pub nut: &'a str,
    pub grace_s: u64,
    pub restore_after_s: u64,
    /// A VM that may not move (shut down instead).
    pub pinned: Option<&'a str>,
    /// The last host of cluster 0 goes down in a second tier.
    pub tiered: bool,
    /// More `[plan]` lines (`key = value`).
    pub plan: &'a str,
}

/// `DC0_C0_H1` -> `esx-c0-h1`.
pub fn server_name(host: &str) -> String {
    format!(
        "esx-{}",
        host.trim_start_matches("DC0_")
            .to_lowercase()
            .replace('_', "-")
    )
}

impl OwnLab {
    /// The lab file: one room, the two UPS, the vCenter, a server per host with its BMC. The
    /// passwords are not in it: fill them in from `redfish_password` and `vcsim_password`.
    pub fn lab_file(&self, f: &LabFile<'_>) -> String {
        let policy = format!(
            "policy = {{ grace = \"{}s\", restore_after = \"{}s\", restore_min_charge = 30 }}",
            f.grace_s, f.restore_after_s
        );
        let mut t = format!(
            "[[room]]\nname = \"lab\"\n\
             [[ups]]\nname = \"ups-one\"\nroom = \"lab\"\nnut = \"ups1@{nut}\"\n{policy}\n\
             [[ups]]\nname = \"ups-two\"\nroom = \"lab\"\nnut = \"ups2@{nut}\"\n{policy}\n\
             [vcenter]\nurl = \"{url}\"\nuser = \"{user}\"\ntls_fingerprint = \"{fp}\"\n\
             [plan]\nguest_shutdown_timeout = \"20s\"\nserver_off_timeout = \"60s\"\nserver_on_timeout = \"90s\"\n{plan}\n",
            nut = f.nut,
            url = self.vcsim_url,
            user = self.vcsim_user,
            fp = self.vcsim_fingerprint,
            plan = f.plan,
        );
        if let Some(vm) = f.pinned {
            t.push_str(&format!(
                "[[vm]]\nname = \"{vm}\"\npriority = 5\nmigrate = false\n"
            ));
        }
        let mut system = self.systems.iter().enumerate();
        for (c, hosts) in self.hosts.iter().enumerate() {
            let feed = if c == 0 { "ups-one" } else { "ups-two" };
            for (i, host) in hosts.iter().enumerate() {
                let (n, sys) = system.next().expect("a BMC per host");
                let redfish_url = &self.redfish_urls[n % self.redfish_urls.len()];
                let tier = if f.tiered && c == 0 && i + 1 == hosts.len() {
                    2
                } else {
                    1
                };
                t.push_str(&format!(
                    "[[server]]\nname = \"{}\"\nroom = \"lab\"\nkind = \"hypervisor\"\nfeeds = [\"{feed}\"]\n\
                     tier = {tier}\nvsphere_host = \"{host}\"\n\
                     bmc = {{ url = \"{}/redfish/v1/Systems/{sys}\", user = \"{}\" }}\n",
                    server_name(host),
                    redfish_url,
                    self.redfish_user
                ));
            }
        }
        t
    }
}

impl Drop for OwnLab {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
