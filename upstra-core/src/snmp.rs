//! Where and how a UPS is read over SNMP: the agent's address, the protocol version with its
//! security, and which MIB describes the UPS. Pure data; the adapter (`adapters/snmp`) does the
//! talking.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// SNMP's registered agent port.
pub const SNMP_DEFAULT_PORT: u16 = 161;

/// A UPS read over SNMP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnmpEndpoint {
    pub host: String,
    pub port: u16,
    pub security: SnmpSecurity,
    #[serde(default)]
    pub mib: SnmpMib,
}

/// The protocol version and what proves who we are to the agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "version")]
pub enum SnmpSecurity {
    /// `community` is `None` until the lab's `community_file` is read.
    V1 {
        community: Option<Secret>,
    },
    V2c {
        community: Option<Secret>,
    },
    V3(SnmpUsm),
}

/// An SNMPv3 user (USM). Authentication is required: a `noAuthNoPriv` reading could be forged
/// by anyone on the network, and readings decide sheds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnmpUsm {
    pub user: String,
    pub auth_protocol: SnmpAuthProtocol,
    pub auth_password: Option<Secret>,
    /// `None`: authNoPriv (signed, readable on the wire).
    pub privacy: Option<SnmpPrivProtocol>,
    pub priv_password: Option<Secret>,
}

/// USM authentication. MD5 is left out on purpose: broken, and every card that speaks SHA-2
/// or SHA-1 can be set to one of those.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnmpAuthProtocol {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl SnmpAuthProtocol {
    pub const ALL: [Self; 5] = [
        Self::Sha1,
        Self::Sha224,
        Self::Sha256,
        Self::Sha384,
        Self::Sha512,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha224 => "sha224",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// USM privacy. DES is left out on purpose: its 56-bit keys are brute-forceable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnmpPrivProtocol {
    Aes128,
    Aes192,
    Aes256,
}

impl SnmpPrivProtocol {
    pub const ALL: [Self; 3] = [Self::Aes128, Self::Aes192, Self::Aes256];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aes128 => "aes128",
            Self::Aes192 => "aes192",
            Self::Aes256 => "aes256",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// The protocol version, as a lab file and the setup wizard name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SnmpVersion {
    V1,
    V2c,
    V3,
}

impl SnmpVersion {
    pub const ALL: [Self; 3] = [Self::V1, Self::V2c, Self::V3];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1 => "v1",
            Self::V2c => "v2c",
            Self::V3 => "v3",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// An agent's address as an operator writes it, `host[:port]` (IPv6 in brackets, port 161 when
/// left out): `None` when it has no usable host or a port outside 1 to 65535. The one check
/// shared by the lab file and the setup wizard.
pub fn parse_address(s: &str) -> Option<(String, u16)> {
    match crate::model::split_host_port(s, SNMP_DEFAULT_PORT) {
        Ok((host, port)) if !host.is_empty() && !host.contains(char::is_whitespace) => {
            Some((host.to_owned(), port))
        }
        _ => None,
    }
}

/// Which MIB describes the UPS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnmpMib {
    /// Decided at the first read from the agent's `sysObjectID`.
    #[default]
    Auto,
    /// RFC 1628 UPS-MIB.
    Ietf,
    /// APC PowerNet-MIB.
    Apc,
    /// Eaton XUPS-MIB.
    Eaton,
}

impl SnmpMib {
    pub const ALL: [Self; 4] = [Self::Auto, Self::Ietf, Self::Apc, Self::Eaton];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Ietf => "ietf",
            Self::Apc => "apc",
            Self::Eaton => "eaton",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

impl SnmpSecurity {
    /// `v1`, `v2c` or `v3`.
    pub fn version(&self) -> &'static str {
        match self {
            Self::V1 { .. } => SnmpVersion::V1.as_str(),
            Self::V2c { .. } => SnmpVersion::V2c.as_str(),
            Self::V3(_) => SnmpVersion::V3.as_str(),
        }
    }

    /// The v3 user, the only part of the security that is not a secret.
    pub fn user(&self) -> Option<&str> {
        match self {
            Self::V3(usm) => Some(&usm.user),
            _ => None,
        }
    }
}

impl SnmpEndpoint {
    /// `host:port`, IPv6 in brackets.
    pub fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// What an operator sees: `snmp v3 10.0.0.5:161 mib=auto user=upsmon`, never a secret.
impl fmt::Display for SnmpEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "snmp {} {} mib={}",
            self.security.version(),
            self.address(),
            self.mib.as_str()
        )?;
        if let Some(user) = self.security.user() {
            write!(f, " user={user}")?;
        }
        Ok(())
    }
}

/// RFC 3414 (2.6) asks for passwords of at least 8 octets, and agents refuse shorter ones.
pub const MIN_USM_PASSWORD: usize = 8;

/// Longest community or USM password accepted: well past any real one (net-snmp allows 255
/// for a community), short enough that a file named by mistake is refused, not sent.
pub const MAX_SNMP_SECRET: usize = 255;

/// RFC 3414's SnmpAdminString for usmUserName is at most 32 octets.
pub const MAX_USM_USER: usize = 32;

/// One of an endpoint's secrets, as its problems name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnmpSecretKind {
    Community,
    AuthPassword,
    PrivPassword,
}

impl SnmpSecretKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Community => "community",
            Self::AuthPassword => "auth password",
            Self::PrivPassword => "priv password",
        }
    }
}

/// Something that makes an endpoint unusable, as data: the lab file and `apply` print it
/// (`Display`), the setup wizard words it in the console's language on its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnmpProblem {
    /// The host as given: empty or with whitespace.
    NoHost(String),
    PortZero,
    /// A secret of `len` bytes, outside `min..=MAX_SNMP_SECRET`.
    SecretLength {
        secret: SnmpSecretKind,
        min: usize,
        len: usize,
    },
    /// A v3 user of `len` bytes, outside `1..=MAX_USM_USER`.
    UserLength {
        len: usize,
    },
    PrivPasswordWithoutProtocol,
}

impl fmt::Display for SnmpProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoHost(host) => {
                write!(
                    f,
                    "snmp address `{host}` has no usable host: write `host:port`"
                )
            }
            Self::PortZero => write!(f, "snmp address has port 0: use a port from 1 to 65535"),
            Self::SecretLength { secret, min, len } => write!(
                f,
                "snmp {} must be {min} to {MAX_SNMP_SECRET} bytes long (it is {len})",
                secret.as_str()
            ),
            Self::UserLength { .. } => {
                write!(f, "snmp v3 user must be 1 to {MAX_USM_USER} bytes long")
            }
            Self::PrivPasswordWithoutProtocol => {
                write!(f, "snmp priv password given without a priv_protocol")
            }
        }
    }
}

impl SnmpEndpoint {
    /// What is wrong with this endpoint, as sentences for an operator; empty when it is
    /// usable. Secrets still unread (`None`) are not problems here: the lab reads them later.
    pub fn problems(&self) -> Vec<String> {
        self.checks().iter().map(ToString::to_string).collect()
    }

    /// [`Self::problems`] as data.
    pub fn checks(&self) -> Vec<SnmpProblem> {
        let mut out = Vec::new();
        if self.host.is_empty() || self.host.contains(char::is_whitespace) {
            out.push(SnmpProblem::NoHost(self.host.clone()));
        }
        if self.port == 0 {
            out.push(SnmpProblem::PortZero);
        }
        let secret = |out: &mut Vec<SnmpProblem>, kind, s: &Option<Secret>, min: usize| {
            if let Some(s) = s {
                let len = s.expose().len();
                if len < min || len > MAX_SNMP_SECRET {
                    out.push(SnmpProblem::SecretLength {
                        secret: kind,
                        min,
                        len,
                    });
                }
            }
        };
        match &self.security {
            SnmpSecurity::V1 { community } | SnmpSecurity::V2c { community } => {
                secret(&mut out, SnmpSecretKind::Community, community, 1);
            }
            SnmpSecurity::V3(usm) => {
                let len = usm.user.len();
                if len == 0 || len > MAX_USM_USER {
                    out.push(SnmpProblem::UserLength { len });
                }
                secret(
                    &mut out,
                    SnmpSecretKind::AuthPassword,
                    &usm.auth_password,
                    MIN_USM_PASSWORD,
                );
                secret(
                    &mut out,
                    SnmpSecretKind::PrivPassword,
                    &usm.priv_password,
                    MIN_USM_PASSWORD,
                );
                if usm.privacy.is_none() && usm.priv_password.is_some() {
                    out.push(SnmpProblem::PrivPasswordWithoutProtocol);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_no_secret() {
        let e = SnmpEndpoint {
            host: "10.0.0.5".into(),
            port: 161,
            security: SnmpSecurity::V3(SnmpUsm {
                user: "upsmon".into(),
                auth_protocol: SnmpAuthProtocol::Sha256,
                auth_password: Some(Secret::new("authsecret1")),
                privacy: Some(SnmpPrivProtocol::Aes128),
                priv_password: Some(Secret::new("privsecret1")),
            }),
            mib: SnmpMib::Auto,
        };
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("secret1"), "{shown}");
        assert_eq!(e.to_string(), "snmp v3 10.0.0.5:161 mib=auto user=upsmon");
        let c = SnmpEndpoint {
            host: "::1".into(),
            port: 1161,
            security: SnmpSecurity::V2c {
                community: Some(Secret::new("public-ish")),
            },
            mib: SnmpMib::Apc,
        };
        assert_eq!(c.to_string(), "snmp v2c [::1]:1161 mib=apc");
    }

    #[test]
    fn addresses_take_the_default_port_and_refuse_what_has_no_host_or_port() {
        assert_eq!(parse_address("ups-a"), Some(("ups-a".into(), 161)));
        assert_eq!(
            parse_address("10.0.0.5:1161"),
            Some(("10.0.0.5".into(), 1161))
        );
        assert_eq!(parse_address("[::1]:162"), Some(("::1".into(), 162)));
        for bad in [
            "",
            ":161",
            "ups a:161",
            "ups:0",
            "ups:65536",
            "ups:x",
            "[::1",
        ] {
            assert_eq!(parse_address(bad), None, "{bad}");
        }
        assert_eq!(SnmpVersion::parse("v2c"), Some(SnmpVersion::V2c));
        assert_eq!(SnmpVersion::parse("v2"), None);
    }
}
