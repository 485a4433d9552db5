//! The `snmp = { ... }` table of a `[[ups]]`: the agent's address, the version with its
//! security, and the MIB. Secrets are named by file (`community_file`, `auth_password_file`,
//! `priv_password_file`) and read by the caller like every other password file; a community
//! may also be written inline, for labs whose agents accept a well-known one.

use serde::Deserialize;
use toml::Spanned;

use super::{Checker, SecretFile, SecretSlot};
use crate::ids::UpsId;
use crate::secret::Secret;
use crate::snmp::{
    SnmpAuthProtocol, SnmpEndpoint, SnmpMib, SnmpPrivProtocol, SnmpSecurity, SnmpUsm, SnmpVersion,
    parse_address,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSnmp {
    address: Spanned<String>,
    version: Spanned<String>,
    community: Option<Spanned<String>>,
    community_file: Option<Spanned<String>>,
    user: Option<Spanned<String>>,
    auth_protocol: Option<Spanned<String>>,
    auth_password_file: Option<Spanned<String>>,
    priv_protocol: Option<Spanned<String>>,
    priv_password_file: Option<Spanned<String>>,
    mib: Option<Spanned<String>>,
}

impl Checker<'_> {
    /// The endpoint `raw` declares for UPS `id`, its secret files pushed onto `files`; `None`
    /// (with every problem recorded) when it is not usable.
    pub(super) fn snmp(
        &mut self,
        raw: Spanned<RawSnmp>,
        id: &UpsId,
        files: &mut Vec<SecretFile>,
    ) -> Option<SnmpEndpoint> {
        let whole = raw.span();
        let raw = raw.into_inner();
        let what = format!("UPS `{id}`: snmp");
        let address = match parse_address(raw.address.get_ref()) {
            Some(address) => Some(address),
            None => {
                self.error(
                    raw.address.span(),
                    format!(
                        "{what} address `{}` is not `host[:port]` (port 1 to 65535, 161 by default)",
                        raw.address.get_ref()
                    ),
                );
                None
            }
        };
        let mib = match &raw.mib {
            None => Some(SnmpMib::Auto),
            Some(m) => {
                let parsed = SnmpMib::parse(m.get_ref());
                if parsed.is_none() {
                    self.error(
                        m.span(),
                        format!(
                            "{what} mib `{}` is not one of auto, ietf, apc, eaton",
                            m.get_ref()
                        ),
                    );
                }
                parsed
            }
        };
        let mut file = |c: &mut Self, f: &Spanned<String>, slot: SecretSlot| {
            files.push(SecretFile {
                line: c.line(f.span()),
                path: f.get_ref().clone(),
                slot,
            });
        };
        let v3_only = [
            ("user", &raw.user),
            ("auth_protocol", &raw.auth_protocol),
            ("auth_password_file", &raw.auth_password_file),
            ("priv_protocol", &raw.priv_protocol),
            ("priv_password_file", &raw.priv_password_file),
        ];
        let security = match SnmpVersion::parse(raw.version.get_ref()) {
            Some(version @ (SnmpVersion::V1 | SnmpVersion::V2c)) => {
                let v = version.as_str();
                for (key, value) in v3_only {
                    if let Some(value) = value {
                        self.error(value.span(), format!("{what}: {key} is for v3, not {v}"));
                    }
                }
                let community = match (&raw.community, &raw.community_file) {
                    (Some(c), Some(_)) => {
                        self.error(
                            c.span(),
                            format!("{what}: give either community or community_file, not both"),
                        );
                        None
                    }
                    (Some(c), None) => Some(Secret::new(c.get_ref().clone())),
                    (None, Some(f)) => {
                        file(self, f, SecretSlot::SnmpCommunity(id.clone()));
                        None
                    }
                    (None, None) => {
                        self.error(
                            raw.version.span(),
                            format!("{what}: {v} needs a community_file (or community)"),
                        );
                        None
                    }
                };
                Some(if version == SnmpVersion::V1 {
                    SnmpSecurity::V1 { community }
                } else {
                    SnmpSecurity::V2c { community }
                })
            }
            Some(SnmpVersion::V3) => {
                for (key, value) in [
                    ("community", &raw.community),
                    ("community_file", &raw.community_file),
                ] {
                    if let Some(value) = value {
                        self.error(value.span(), format!("{what}: {key} is for v1/v2c, not v3"));
                    }
                }
                self.v3(&raw, &what, id, &mut file)
            }
            None => {
                self.error(
                    raw.version.span(),
                    format!(
                        "{what} version `{}` is not one of v1, v2c, v3",
                        raw.version.get_ref()
                    ),
                );
                None
            }
        };
        let _ = whole;
        let ((host, port), security, mib) = (address?, security?, mib?);
        Some(SnmpEndpoint {
            host,
            port,
            security,
            mib,
        })
    }

    fn v3(
        &mut self,
        raw: &RawSnmp,
        what: &str,
        id: &UpsId,
        file: &mut impl FnMut(&mut Self, &Spanned<String>, SecretSlot),
    ) -> Option<SnmpSecurity> {
        let Some(user) = &raw.user else {
            self.error(raw.version.span(), format!("{what}: v3 needs a user"));
            return None;
        };
        self.name_chars(user, &format!("{what} user"));
        // Readings decide sheds: an unauthenticated (noAuthNoPriv) one could be forged.
        let Some(auth_file) = &raw.auth_password_file else {
            self.error(
                user.span(),
                format!("{what}: v3 needs an auth_password_file (noAuthNoPriv is not accepted)"),
            );
            return None;
        };
        let auth_protocol = match &raw.auth_protocol {
            None => Some(SnmpAuthProtocol::Sha256),
            Some(p) => {
                let parsed = SnmpAuthProtocol::parse(p.get_ref());
                if parsed.is_none() {
                    self.error(
                        p.span(),
                        format!(
                            "{what} auth_protocol `{}` is not one of sha1, sha224, sha256, sha384, sha512",
                            p.get_ref()
                        ),
                    );
                }
                parsed
            }
        };
        file(self, auth_file, SecretSlot::SnmpAuth(id.clone()));
        let privacy = match (&raw.priv_protocol, &raw.priv_password_file) {
            (None, None) => Some(None),
            (Some(p), Some(f)) => {
                let parsed = SnmpPrivProtocol::parse(p.get_ref());
                if parsed.is_none() {
                    self.error(
                        p.span(),
                        format!(
                            "{what} priv_protocol `{}` is not one of aes128, aes192, aes256",
                            p.get_ref()
                        ),
                    );
                }
                file(self, f, SecretSlot::SnmpPriv(id.clone()));
                parsed.map(Some)
            }
            (None, Some(f)) => {
                self.error(
                    f.span(),
                    format!("{what}: priv_password_file needs a priv_protocol"),
                );
                None
            }
            (Some(p), None) => {
                self.error(
                    p.span(),
                    format!("{what}: priv_protocol needs a priv_password_file"),
                );
                None
            }
        };
        Some(SnmpSecurity::V3(SnmpUsm {
            user: user.get_ref().clone(),
            auth_protocol: auth_protocol?,
            auth_password: None,
            privacy: privacy?,
            priv_password: None,
        }))
    }
}

/// Puts a secret read from a file into `endpoint`'s slot.
pub(super) fn fill(endpoint: &mut SnmpEndpoint, slot: &SecretSlot, value: Secret) {
    match (&mut endpoint.security, slot) {
        (
            SnmpSecurity::V1 { community } | SnmpSecurity::V2c { community },
            SecretSlot::SnmpCommunity(_),
        ) => *community = Some(value),
        (SnmpSecurity::V3(usm), SecretSlot::SnmpAuth(_)) => usm.auth_password = Some(value),
        (SnmpSecurity::V3(usm), SecretSlot::SnmpPriv(_)) => usm.priv_password = Some(value),
        _ => {}
    }
}
