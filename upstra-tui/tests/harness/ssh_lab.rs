//! The SSH pane's tests against the harness's real sshd: a demo daemon (simulated lab) with
//! servers added whose SSH address is the peer's, and the peer's endpoints and keys.

use std::io::Write;

use super::{Demo, ok};

/// A demo daemon whose inventory has SSH servers on the real sshd.
pub struct SshLab {
    pub demo: Demo,
    pub peers: upstra_tests::Peers,
}

/// One server to declare: its name, and the host key to pin (`None`: none pinned).
pub struct SshServer<'a> {
    pub name: &'a str,
    pub host_key: Option<&'a str>,
}

impl SshLab {
    /// Starts the demo, logs its admin in, and declares `servers`; `None` (after a note) when
    /// the peers are not running outside CI.
    pub fn start(test: &str, servers: &[SshServer<'_>]) -> Option<Self> {
        let peers = upstra_tests::peers(test)?;
        let demo = Demo::start();
        demo.login();
        let lab = Self { demo, peers };
        lab.declare(servers);
        Some(lab)
    }

    pub fn get(&self, key: &str) -> &str {
        self.peers.get(key)
    }

    /// The real sshd's host key line.
    pub fn host_key(&self) -> &str {
        self.get("UPSTRA_PEER_SSH_HOST_KEY")
    }

    /// Declares more servers (apply never removes the others).
    pub fn redeclare(&self, servers: &[SshServer<'_>]) {
        self.declare(servers);
    }

    fn declare(&self, servers: &[SshServer<'_>]) {
        let address = format!(
            "{}:{}",
            self.get("UPSTRA_PEER_SSH_HOST"),
            self.get("UPSTRA_PEER_SSH_PORT")
        );
        let user = self.get("UPSTRA_PEER_SSH_USER");
        if servers.is_empty() {
            return;
        }
        let mut toml = String::new();
        for s in servers {
            let key = s
                .host_key
                .map(|k| format!(", host_key = \"{k}\""))
                .unwrap_or_default();
            toml.push_str(&format!(
                "[[server]]\nname = \"{}\"\nroom = \"lab-a\"\nkind = \"other\"\nfeeds = [\"ups-a1\"]\n\
                 ssh = {{ address = \"{address}\", user = \"{user}\"{key} }}\n",
                s.name
            ));
        }
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(toml.as_bytes()).expect("lab written");
        let path = file.path().display().to_string();
        ok(self.demo.upstra(&["apply", "-f", &path], ""));
    }

    /// The audit records of `action`, as `upstra audit --json` prints them.
    pub fn audit(&self, action: &str) -> Vec<serde_json::Value> {
        let out = self.demo.ok(&["audit", "--json", "--action", action], "");
        serde_json::from_str(&out).expect("audit JSON")
    }
}
