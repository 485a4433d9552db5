//! [`SnmpMonitor`]: reads UPS over SNMP, one client per UPS, kept between reads.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_snmp::{Auth, AuthProtocol, Client, Oid, PrivProtocol, Retry, UsmConfig, Value};
use tracing::{debug, info};
use upstra_core::ids::UpsId;
use upstra_core::model::Ups;
use upstra_core::snmp::{
    SnmpAuthProtocol, SnmpEndpoint, SnmpMib, SnmpPrivProtocol, SnmpSecurity, SnmpUsm,
};
use upstra_core::state::UpsReading;
use upstra_core::traits::{AdapterError, BoxFuture, UpsMonitor};

use crate::error::SnmpError;
use crate::mib::{self, Raw};

/// Settings of a [`SnmpMonitor`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnmpConfig {
    /// Deadline of one read, from the call to the mapped reading (the `sysObjectID` probe of
    /// `mib = "auto"` and the v3 engine discovery count against it). Default 2 s, as NUT's.
    pub timeout: Duration,
    /// Wait for one answer before asking once more: UDP loses datagrams, and one retry inside
    /// the deadline keeps a single lost packet from counting as lost comms. Default 800 ms.
    pub request_timeout: Duration,
}

impl Default for SnmpConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(2),
            request_timeout: Duration::from_millis(800),
        }
    }
}

/// One UPS's client, and its MIB once known.
struct Entry {
    endpoint: SnmpEndpoint,
    client: Client,
    mib: Option<SnmpMib>,
}

/// Reads UPS over SNMP; implements [`UpsMonitor`]. Cheap to share; reads of different UPS
/// run in parallel.
pub struct SnmpMonitor {
    config: SnmpConfig,
    /// A std mutex held only to look up or store an entry, never across an await.
    entries: Mutex<HashMap<UpsId, Entry>>,
}

impl std::fmt::Debug for SnmpMonitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnmpMonitor")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl SnmpMonitor {
    pub fn new(config: SnmpConfig) -> Self {
        Self {
            config,
            entries: Mutex::default(),
        }
    }

    /// Reads `ups` within the configured deadline.
    pub async fn reading(&self, ups: &Ups) -> Result<UpsReading, SnmpError> {
        let endpoint = ups.snmp().ok_or(SnmpError::NotSnmp)?;
        let after = self.config.timeout;
        tokio::time::timeout(after, self.read_inner(&ups.id, endpoint))
            .await
            .unwrap_or(Err(SnmpError::TimedOut { after }))
    }

    async fn read_inner(
        &self,
        id: &UpsId,
        endpoint: &SnmpEndpoint,
    ) -> Result<UpsReading, SnmpError> {
        let (client, known_mib) = self.client(id, endpoint).await?;
        let mib = match (endpoint.mib, known_mib) {
            (SnmpMib::Auto, Some(mib)) => mib,
            (SnmpMib::Auto, None) => {
                let mib = probe(&client).await?;
                info!(ups = %id, mib = mib.as_str(), "SNMP agent's MIB chosen from its sysObjectID");
                self.remember_mib(id, mib);
                mib
            }
            (declared, _) => declared,
        };
        let spec = mib::query(mib);
        let mut oids = Vec::with_capacity(spec.len());
        for (_, oid, _) in spec {
            oids.push(Oid::parse(oid).map_err(|e| SnmpError::Protocol(e.to_string()))?);
        }
        let response = client.get_many(&oids).await.map_err(|e| {
            // A failed exchange may leave the v3 engine state stale: start afresh next time.
            self.forget(id);
            SnmpError::from(e)
        })?;
        let mut values = BTreeMap::new();
        for vb in &response.varbinds {
            if let Some(((field, _, _), _)) = spec.iter().zip(&oids).find(|(_, o)| **o == vb.oid) {
                values.insert(*field, raw(&vb.value));
            }
        }
        let alarms = if mib::alarms_present(mib, &values) {
            alarm_descriptions(&client, mib).await
        } else {
            Vec::new()
        };
        mib::reading_with_alarms(mib, &values, &alarms)
    }

    async fn client(
        &self,
        id: &UpsId,
        endpoint: &SnmpEndpoint,
    ) -> Result<(Client, Option<SnmpMib>), SnmpError> {
        {
            let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(e) = entries.get(id).filter(|e| e.endpoint == *endpoint) {
                return Ok((e.client.clone(), e.mib));
            }
        }
        let auth = auth(&endpoint.security)?;
        let client = Client::builder((endpoint.host.as_str(), endpoint.port), auth)
            .request_timeout(self.config.request_timeout)
            .retry(Retry::fixed(1, Duration::ZERO).map_err(|e| SnmpError::Protocol(e.to_string()))?)
            .connect()
            .await?;
        debug!(ups = %id, agent = %endpoint, "SNMP client ready");
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.insert(
            id.clone(),
            Entry {
                endpoint: endpoint.clone(),
                client: client.clone(),
                mib: None,
            },
        );
        Ok((client, None))
    }

    fn remember_mib(&self, id: &UpsId, mib: SnmpMib) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(e) = entries.get_mut(id) {
            e.mib = Some(mib);
        }
    }

    fn forget(&self, id: &UpsId) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
    }
}

/// The MIB the agent's `sysObjectID` points to.
async fn probe(client: &Client) -> Result<SnmpMib, SnmpError> {
    let oid = Oid::parse(mib::SYS_OBJECT_ID).map_err(|e| SnmpError::Protocol(e.to_string()))?;
    let response = client.get(&oid).await?;
    match response.single().map(|vb| &vb.value) {
        Some(Value::ObjectIdentifier(id)) => Ok(mib::mib_for_sys_object_id(&id.to_string())),
        // No sysObjectID (a minimal agent): the standard MIB is the only sensible guess.
        _ => Ok(SnmpMib::Ietf),
    }
}

/// The descriptions (dotted OIDs) of the rows of `mib`'s alarm table, at most
/// [`mib::MAX_ALARM_ROWS`]. Like any optional value, a table that cannot be read is left out
/// (with it, "replace battery"): the on-line/on-battery verdict was read already.
async fn alarm_descriptions(client: &Client, mib: SnmpMib) -> Vec<String> {
    let Some(table) = mib::alarm_table(mib) else {
        return Vec::new();
    };
    let Ok(column) = Oid::parse(table.descr_column) else {
        return Vec::new();
    };
    let mut walk = match client.walk(column) {
        Ok(walk) => walk,
        Err(e) => {
            debug!(error = %e, "the UPS's alarm table cannot be walked");
            return Vec::new();
        }
    };
    let mut descriptions = Vec::new();
    while descriptions.len() < mib::MAX_ALARM_ROWS {
        match walk.next().await {
            Some(Ok(vb)) => {
                if let Value::ObjectIdentifier(id) = &vb.value {
                    descriptions.push(id.to_string());
                }
            }
            Some(Err(e)) => {
                debug!(error = %e, "the UPS's alarm table was not read to its end");
                break;
            }
            None => break,
        }
    }
    descriptions
}

fn raw(value: &Value) -> Raw {
    match value {
        Value::Integer(v) => Raw::Number(i64::from(*v)),
        Value::Gauge32(v) | Value::Counter32(v) | Value::TimeTicks(v) | Value::UInteger32(v) => {
            Raw::Number(i64::from(*v))
        }
        Value::NoSuchObject | Value::NoSuchInstance | Value::EndOfMibView => Raw::Missing,
        // Described by type only: the value itself may be anything the agent sent.
        other => Raw::Other(format!("a value of type {}", other.kind().as_str())),
    }
}

fn auth(security: &SnmpSecurity) -> Result<Auth, SnmpError> {
    let missing =
        |what: &str| SnmpError::BadCredentials(format!("the {what} was not read from its file"));
    match security {
        SnmpSecurity::V1 { community } => {
            let c = community.as_ref().ok_or_else(|| missing("community"))?;
            Ok(Auth::v1(c.expose()))
        }
        SnmpSecurity::V2c { community } => {
            let c = community.as_ref().ok_or_else(|| missing("community"))?;
            Ok(Auth::v2c(c.expose()))
        }
        SnmpSecurity::V3(SnmpUsm {
            user,
            auth_protocol,
            auth_password,
            privacy,
            priv_password,
        }) => {
            let auth_pw = auth_password
                .as_ref()
                .ok_or_else(|| missing("auth password"))?;
            let usm = UsmConfig::new(user.clone().into_bytes());
            let bad = |e: async_snmp::v3::CryptoError| SnmpError::BadCredentials(e.to_string());
            let usm = match privacy {
                None => usm
                    .auth(auth_protocol_of(*auth_protocol), auth_pw.expose())
                    .map_err(bad)?,
                Some(p) => {
                    let priv_pw = priv_password
                        .as_ref()
                        .ok_or_else(|| missing("priv password"))?;
                    usm.auth_priv(
                        auth_protocol_of(*auth_protocol),
                        auth_pw.expose(),
                        priv_protocol_of(*p),
                        priv_pw.expose(),
                    )
                    .map_err(bad)?
                }
            };
            Ok(Auth::from(usm))
        }
    }
}

pub(crate) fn auth_protocol_of(p: SnmpAuthProtocol) -> AuthProtocol {
    match p {
        SnmpAuthProtocol::Sha1 => AuthProtocol::Sha1,
        SnmpAuthProtocol::Sha224 => AuthProtocol::Sha224,
        SnmpAuthProtocol::Sha256 => AuthProtocol::Sha256,
        SnmpAuthProtocol::Sha384 => AuthProtocol::Sha384,
        SnmpAuthProtocol::Sha512 => AuthProtocol::Sha512,
    }
}

/// AES-192/256 with Blumenthal key extension, which net-snmp's `AES192`/`AES256` use.
pub(crate) fn priv_protocol_of(p: SnmpPrivProtocol) -> PrivProtocol {
    match p {
        SnmpPrivProtocol::Aes128 => PrivProtocol::Aes128,
        SnmpPrivProtocol::Aes192 => PrivProtocol::Aes192Blumenthal,
        SnmpPrivProtocol::Aes256 => PrivProtocol::Aes256Blumenthal,
    }
}

impl UpsMonitor for SnmpMonitor {
    fn read<'a>(&'a self, ups: &'a Ups) -> BoxFuture<'a, Result<UpsReading, AdapterError>> {
        Box::pin(async move {
            self.reading(ups)
                .await
                .map_err(|e| e.to_adapter_error(&ups.source.to_string()))
        })
    }
}
