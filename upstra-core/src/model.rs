//! The declared inventory: rooms, UPS, servers and the vCenter, as the operator declared them in
//! the lab file, plus the VMs the hypervisor reports.
//!
//! These are domain types. They serialize because the daemon keeps them in its encrypted store;
//! the RPC contract has its own types (`api::v1`) so that a change here never changes the wire.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::{RoomId, ServerId, UpsId, VmId};
use crate::outage::{PlanSettings, UpsPolicy, VmPolicy};
use crate::secret::Secret;
pub use crate::snmp::{
    SnmpAuthProtocol, SnmpEndpoint, SnmpMib, SnmpPrivProtocol, SnmpSecurity, SnmpUsm,
};

mod host;
pub use host::{host_key_line, valid_host};

/// A room: a lab or data room holding UPS units and servers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    pub id: RoomId,
    /// Seconds between two power-on commands to servers of this room during a restore, so
    /// their inrush currents do not add up on the room's circuits.
    #[serde(default = "default_power_on_stagger")]
    pub power_on_stagger_s: u64,
}

/// A server draws several times its running current for a second or two when it powers on
/// (PSU capacitors, every fan at full speed); a few seconds apart, a room's breakers see one
/// inrush at a time.
pub const DEFAULT_POWER_ON_STAGGER_S: u64 = 5;

/// The longest stagger a lab file may ask for: past that a restore of a big room would take
/// hours, which is surely a typo (ms for s).
pub const MAX_POWER_ON_STAGGER_S: u64 = 600;

fn default_power_on_stagger() -> u64 {
    DEFAULT_POWER_ON_STAGGER_S
}

impl Room {
    /// A room with the default stagger.
    pub fn new(id: RoomId) -> Self {
        Self {
            id,
            power_on_stagger_s: DEFAULT_POWER_ON_STAGGER_S,
        }
    }
}

/// Where a UPS is read from: `upsname@host:port` on a NUT `upsd`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NutEndpoint {
    pub ups: String,
    pub host: String,
    pub port: u16,
}

/// NUT's registered port.
pub const NUT_DEFAULT_PORT: u16 = 3493;

/// Why a NUT endpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("`{0}` is not `upsname@host[:port]`")]
    NotUpsAtHost(String),
    #[error("`{0}` has a bad port: use a number from 1 to 65535")]
    BadPort(String),
    #[error("`{0}` is not a URL: write it as `https://host[:port]/path`")]
    NotUrl(String),
    #[error("`{0}` uses an unsupported scheme: use https:// (or http:// on a trusted network)")]
    BadScheme(String),
    #[error(
        "`{0}` is not a SHA-256 fingerprint: write `sha256:` and 32 hex byte pairs separated by colons"
    )]
    BadFingerprint(String),
    #[error("`{0}` is not `host:port`")]
    NotHostPort(String),
    #[error(
        "`{0}` names no valid host: write an IPv4 address, an IPv6 address in brackets, or a DNS name"
    )]
    BadHost(String),
}

impl NutEndpoint {
    /// Parses `upsname@host[:port]`; the port defaults to 3493.
    pub fn parse(s: &str) -> Result<Self, EndpointError> {
        let (ups, rest) = s
            .split_once('@')
            .ok_or_else(|| EndpointError::NotUpsAtHost(s.to_owned()))?;
        if ups.is_empty() || rest.is_empty() || ups.contains(char::is_whitespace) {
            return Err(EndpointError::NotUpsAtHost(s.to_owned()));
        }
        let (host, port) = split_host_port(rest, NUT_DEFAULT_PORT)
            .map_err(|()| EndpointError::BadPort(s.to_owned()))?;
        if host.is_empty() || host.contains(char::is_whitespace) {
            return Err(EndpointError::NotUpsAtHost(s.to_owned()));
        }
        if !valid_host(host) {
            return Err(EndpointError::BadHost(s.to_owned()));
        }
        Ok(Self {
            ups: ups.to_owned(),
            host: host.to_owned(),
            port,
        })
    }
}

impl fmt::Display for NutEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "{}@[{}]:{}", self.ups, self.host, self.port)
        } else {
            write!(f, "{}@{}:{}", self.ups, self.host, self.port)
        }
    }
}

/// Checks an SSH address, `host:port` (IPv6 as `[fd00::7]:22`): the port is required, since
/// the address is pinned with its host key.
pub fn check_ssh_address(s: &str) -> Result<(), EndpointError> {
    let bad = || EndpointError::NotHostPort(s.to_owned());
    let has_port = match s.strip_prefix('[') {
        Some(rest) => rest
            .split_once(']')
            .is_some_and(|(_, p)| p.starts_with(':')),
        None => s.contains(':'),
    };
    if !has_port || s.contains(char::is_whitespace) {
        return Err(bad());
    }
    let (host, _) = split_host_port(s, 0).map_err(|()| bad())?;
    if host.is_empty() {
        return Err(bad());
    }
    if !valid_host(host) {
        return Err(EndpointError::BadHost(s.to_owned()));
    }
    Ok(())
}

/// Splits `host[:port]` (IPv6 as `[::1]:port`), with `default` when no port is given.
pub(crate) fn split_host_port(s: &str, default: u16) -> Result<(&str, u16), ()> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or(())?;
        return match after.strip_prefix(':') {
            Some(p) => Ok((host, parse_port(p)?)),
            None if after.is_empty() => Ok((host, default)),
            None => Err(()),
        };
    }
    match s.rsplit_once(':') {
        Some((host, p)) => Ok((host, parse_port(p)?)),
        None => Ok((s, default)),
    }
}

fn parse_port(p: &str) -> Result<u16, ()> {
    match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(()),
        Ok(port) => Ok(port),
    }
}

/// An HTTP(S) endpoint URL, checked for shape (scheme, host, port) without a URL library: we
/// only need to refuse typos early; the adapter's HTTP client does the full parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HttpUrl(String);

impl HttpUrl {
    /// Parses a URL being declared: its shape, and a host that can be one.
    pub fn parse(s: &str) -> Result<Self, EndpointError> {
        let url = Self::parse_shape(s)?;
        if !valid_host(url.host()) {
            return Err(EndpointError::BadHost(s.to_owned()));
        }
        Ok(url)
    }

    /// The host, as written (an IPv6 address without its brackets).
    fn host(&self) -> &str {
        let rest = self.0.split_once("://").map_or("", |(_, r)| r);
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        split_host_port(authority, 443).map_or("", |(h, _)| h)
    }

    /// The shape only (scheme, authority, port): what a stored URL is read back with, so that
    /// a store written before the host check still loads; [`Self::parse`] is for new ones.
    fn parse_shape(s: &str) -> Result<Self, EndpointError> {
        let rest = if let Some(r) = s.strip_prefix("https://") {
            r
        } else if let Some(r) = s.strip_prefix("http://") {
            r
        } else if s.contains("://") {
            return Err(EndpointError::BadScheme(s.to_owned()));
        } else {
            return Err(EndpointError::NotUrl(s.to_owned()));
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.is_empty()
            || authority.contains(char::is_whitespace)
            || authority.contains('@')
        {
            return Err(EndpointError::NotUrl(s.to_owned()));
        }
        let (host, _) =
            split_host_port(authority, 443).map_err(|()| EndpointError::BadPort(s.to_owned()))?;
        if host.is_empty() || s.contains(char::is_whitespace) {
            return Err(EndpointError::NotUrl(s.to_owned()));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
    }
}

impl TryFrom<String> for HttpUrl {
    type Error = EndpointError;
    fn try_from(s: String) -> Result<Self, EndpointError> {
        Self::parse_shape(&s)
    }
}

impl From<HttpUrl> for String {
    fn from(u: HttpUrl) -> String {
        u.0
    }
}

impl fmt::Display for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A pinned certificate: SHA-256 of its DER encoding, stored as 32 bytes and shown the way
/// `openssl x509 -fingerprint -sha256` prints it, prefixed with `sha256:`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CertFingerprint([u8; 32]);

impl CertFingerprint {
    /// Accepts `sha256:AB:CD:...` (colons optional, any case).
    pub fn parse(s: &str) -> Result<Self, EndpointError> {
        let bad = || EndpointError::BadFingerprint(s.to_owned());
        let hex = s
            .strip_prefix("sha256:")
            .or_else(|| s.strip_prefix("SHA256:"))
            .ok_or_else(bad)?;
        let digits: String = hex.chars().filter(|c| *c != ':').collect();
        if digits.len() != 64 {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            let pair = digits.get(2 * i..2 * i + 2).ok_or_else(bad)?;
            *byte = u8::from_str_radix(pair, 16).map_err(|_| bad())?;
        }
        Ok(Self(out))
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for CertFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sha256:")?;
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for CertFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl TryFrom<String> for CertFingerprint {
    type Error = EndpointError;
    fn try_from(s: String) -> Result<Self, EndpointError> {
        Self::parse(&s)
    }
}

impl From<CertFingerprint> for String {
    fn from(f: CertFingerprint) -> String {
        f.to_string()
    }
}

/// How a TLS peer's certificate is trusted. There is no "insecure" variant on purpose: an
/// unpinned HTTPS peer is refused until an operator records its fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsTrust {
    /// Nothing pinned yet.
    Unpinned,
    /// The certificate's SHA-256 fingerprint must match.
    Fingerprint(CertFingerprint),
    /// The certificate must chain to the CA in this file (read by the daemon).
    CaFile(String),
}

/// A login to a peer. The password lives only in the encrypted store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub user: String,
    pub password: Option<Secret>,
}

/// A UPS unit and where to read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ups {
    pub id: UpsId,
    pub room: RoomId,
    /// Where it is read. Stored under the key `nut` or `snmp`, so UPS stored before SNMP
    /// existed load unchanged.
    #[serde(flatten)]
    pub source: UpsSource,
    /// NUT login, needed only for `upsd` setups that require it.
    pub login: Option<Credentials>,
    /// When its outage is acted on, and when its return is.
    #[serde(default)]
    pub policy: UpsPolicy,
}

/// Which protocol a UPS is read over, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum UpsSource {
    #[serde(rename = "nut")]
    Nut(NutEndpoint),
    #[serde(rename = "snmp")]
    Snmp(SnmpEndpoint),
}

impl Ups {
    /// Its NUT endpoint, when it is read through upsd.
    pub fn nut(&self) -> Option<&NutEndpoint> {
        match &self.source {
            UpsSource::Nut(nut) => Some(nut),
            UpsSource::Snmp(_) => None,
        }
    }

    /// Its SNMP agent, when it is read over SNMP.
    pub fn snmp(&self) -> Option<&SnmpEndpoint> {
        match &self.source {
            UpsSource::Snmp(snmp) => Some(snmp),
            UpsSource::Nut(_) => None,
        }
    }
}

/// `ups1@host:3493` for NUT; `snmp v3 host:161 mib=auto user=u` for SNMP (never a secret).
impl fmt::Display for UpsSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Nut(nut) => nut.fmt(f),
            Self::Snmp(snmp) => snmp.fmt(f),
        }
    }
}

/// What a server is, which decides its place in an outage plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerKind {
    Hypervisor,
    Storage,
    Network,
    Other,
}

impl ServerKind {
    pub const ALL: [ServerKind; 4] = [Self::Hypervisor, Self::Storage, Self::Network, Self::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hypervisor => "hypervisor",
            Self::Storage => "storage",
            Self::Network => "network",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for ServerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A server's baseboard management controller (Redfish; HPE iLO).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BmcEndpoint {
    /// The Redfish `ComputerSystem` URL, e.g. `https://ilo/redfish/v1/Systems/1`.
    pub url: HttpUrl,
    pub login: Credentials,
    pub tls: TlsTrust,
}

/// How to open a shell on a server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SshEndpoint {
    /// `host:port`.
    pub address: String,
    /// The pinned host key, as an OpenSSH public key line (`ssh-ed25519 AAAA...`).
    pub host_key: Option<String>,
    /// The login to offer (`root` on ESXi); absent: the operator's own Upstra name.
    #[serde(default)]
    pub user: Option<String>,
}

/// A physical server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Server {
    pub id: ServerId,
    pub room: RoomId,
    pub kind: ServerKind,
    /// The UPS units feeding its power supplies.
    pub feeds: Vec<UpsId>,
    /// How many of its feeds must carry power for it to run: it is at risk when fewer than
    /// this are left (1 unless its power supplies cannot carry the load alone). Between 1
    /// and the number of feeds; a byte, since a server has a handful of power supplies.
    #[serde(default = "one_feed")]
    pub feeds_required: u8,
    /// Shutdown tier: lower tiers go down first and come back last.
    pub tier: u32,
    /// Servers this one needs running (its storage, its network).
    pub depends_on: Vec<ServerId>,
    /// Hypervisors its VMs should go to first when it is shed, most wanted first; the planner
    /// takes the first one that can take a VM, else makes its usual choice. Absent from labs
    /// stored before it existed: no preference.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub migrate_to: Vec<ServerId>,
    /// Its name in vSphere, when it is an ESXi host.
    pub vsphere_host: Option<String>,
    pub bmc: Option<BmcEndpoint>,
    pub ssh: Option<SshEndpoint>,
    /// The machine the daemon runs on (at most one per lab): shed last, by an orderly
    /// shutdown of the local machine, after the UPS is told to cut and restore its output.
    #[serde(default)]
    pub this_host: bool,
}

/// One healthy feed is enough unless declared otherwise: a redundant PSU carries the load.
pub const DEFAULT_FEEDS_REQUIRED: u8 = 1;

fn one_feed() -> u8 {
    DEFAULT_FEEDS_REQUIRED
}

/// The vCenter that manages the hypervisors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VCenter {
    /// The SDK URL, e.g. `https://vcenter/sdk`.
    pub url: HttpUrl,
    pub login: Credentials,
    pub tls: TlsTrust,
}

/// Everything an operator declared. Keyed by name so that a lookup, a diff and a listing are
/// all in a stable order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    pub rooms: BTreeMap<RoomId, Room>,
    pub ups: BTreeMap<UpsId, Ups>,
    pub servers: BTreeMap<ServerId, Server>,
    pub vcenter: Option<VCenter>,
    /// Settings of every outage plan, when declared (`None`: the defaults).
    #[serde(default)]
    pub plan: Option<PlanSettings>,
    /// Declared VMs (by vCenter name): how much each matters, whether it may move.
    #[serde(default)]
    pub vm_policies: BTreeMap<String, VmPolicy>,
}

impl Inventory {
    /// The plan settings in force: the declared ones or the defaults.
    pub fn plan_settings(&self) -> PlanSettings {
        self.plan.clone().unwrap_or_default()
    }

    /// True when nothing has been declared yet (the setup wizard's cue).
    pub fn is_empty(&self) -> bool {
        self.rooms.is_empty()
            && self.ups.is_empty()
            && self.servers.is_empty()
            && self.vcenter.is_none()
    }
}

/// A VM's power state, as vSphere names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VmPower {
    PoweredOn,
    PoweredOff,
    Suspended,
}

impl VmPower {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PoweredOn => "on",
            Self::PoweredOff => "off",
            Self::Suspended => "suspended",
        }
    }
}

/// A VM as the hypervisor reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vm {
    pub id: VmId,
    /// The display name in vCenter (free text).
    pub name: String,
    /// The vSphere host it runs on.
    pub host: Option<String>,
    pub power: VmPower,
    pub cpus: u32,
    pub memory_mib: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nut_endpoints() {
        let e = NutEndpoint::parse("ups1@127.0.0.1:3493").expect("valid");
        assert_eq!(
            (e.ups.as_str(), e.host.as_str(), e.port),
            ("ups1", "127.0.0.1", 3493)
        );
        let e = NutEndpoint::parse("ups1@nut.lab").expect("valid");
        assert_eq!(e.port, NUT_DEFAULT_PORT);
        let e = NutEndpoint::parse("ups1@[::1]:4000").expect("valid");
        assert_eq!((e.host.as_str(), e.port), ("::1", 4000));
        assert_eq!(e.to_string(), "ups1@[::1]:4000");
        assert!(matches!(
            NutEndpoint::parse("ups1"),
            Err(EndpointError::NotUpsAtHost(_))
        ));
        assert!(matches!(
            NutEndpoint::parse("ups1@h:0"),
            Err(EndpointError::BadPort(_))
        ));
        assert!(matches!(
            NutEndpoint::parse("ups1@h:x"),
            Err(EndpointError::BadPort(_))
        ));
    }

    #[test]
    fn checks_url_shape() {
        assert!(HttpUrl::parse("https://127.0.0.1:8443/redfish/v1/Systems/1").is_ok());
        assert!(HttpUrl::parse("http://bmc/redfish").is_ok());
        assert!(HttpUrl::parse("https://[fd00::7]:8443/redfish").is_ok());
        assert!(matches!(
            HttpUrl::parse("https://ilo%01/redfish"),
            Err(EndpointError::BadHost(_))
        ));
        // A URL stored before hosts were checked still loads.
        let stored: HttpUrl =
            serde_json::from_str("\"https://ilo%01/redfish\"").expect("a stored URL loads");
        assert_eq!(stored.as_str(), "https://ilo%01/redfish");
        assert!(matches!(
            HttpUrl::parse("ftp://x"),
            Err(EndpointError::BadScheme(_))
        ));
        assert!(matches!(
            HttpUrl::parse("127.0.0.1:8443"),
            Err(EndpointError::NotUrl(_))
        ));
        assert!(matches!(
            HttpUrl::parse("https://"),
            Err(EndpointError::NotUrl(_))
        ));
        assert!(matches!(
            HttpUrl::parse("https://h:99999/"),
            Err(EndpointError::BadPort(_))
        ));
    }

    #[test]
    fn fingerprints_round_trip() {
        let s = format!("sha256:{}", vec!["AB"; 32].join(":"));
        let f = CertFingerprint::parse(&s).expect("valid");
        assert_eq!(f.to_string(), s);
        let lower = CertFingerprint::parse(&s.to_lowercase()).expect("valid lowercase");
        assert_eq!(lower, f);
        assert!(CertFingerprint::parse("sha256:AB").is_err());
        assert!(CertFingerprint::parse(&s.replace("sha256:", "md5:")).is_err());
    }

    #[test]
    fn host_key_lines_lose_their_comment_and_odd_ones_are_refused() {
        let key = "AAAAC3NzaC1lZDI1NTE5AAAAIEpkcwXkrr0+qa2osl92DZFFU+wU89NLDOmIaY3XhXxk";
        assert_eq!(
            host_key_line(&format!("ssh-ed25519 {key} root@esx-01")),
            Some(format!("ssh-ed25519 {key}"))
        );
        assert_eq!(
            host_key_line(&format!("  ssh-ed25519\t{key}  ")),
            Some(format!("ssh-ed25519 {key}"))
        );
        for bad in [
            "",
            "ssh-ed25519",
            &format!("rsa {key}"),
            // A key of another algorithm than the line names.
            &format!("ecdsa-sha2-nistp256 {key}"),
            "ssh-ed25519 AAAA",
            &format!("ssh-ed25519 {key}!"),
        ] {
            assert_eq!(host_key_line(bad), None, "{bad}");
        }
    }
}
