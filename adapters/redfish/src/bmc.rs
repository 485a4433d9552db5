//! [`RedfishBmc`]: the daemon's driver for every declared server's BMC, implementing the core
//! [`Bmc`] trait on top of one [`RedfishClient`] per server.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::time::Instant;
use upstra_core::ids::ServerId;
use upstra_core::model::{BmcEndpoint, Server};
use upstra_core::state::PowerState;
use upstra_core::traits::{AdapterError, Bmc, BmcStatus, BoxFuture, ResetType};

use crate::{Options, RedfishClient};

/// Talks Redfish to the BMC of any server it is handed. Keeps one client (and so at most one
/// session) per server, rebuilt when the server's BMC endpoint changes; the replaced client
/// logs its session out as it is dropped.
#[derive(Debug, Default)]
pub struct RedfishBmc {
    options: Options,
    /// A std mutex: it is held only to look up or insert, never across an await.
    clients: Mutex<HashMap<ServerId, (BmcEndpoint, Arc<RedfishClient>)>>,
}

impl RedfishBmc {
    /// A driver whose clients all use `options`.
    pub fn new(options: Options) -> Self {
        Self {
            options,
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// The client for `server`'s BMC, created on first use or when its endpoint changed.
    pub fn client(&self, server: &Server) -> Result<Arc<RedfishClient>, AdapterError> {
        let peer = server.id.as_str();
        let endpoint = server
            .bmc
            .as_ref()
            .ok_or_else(|| AdapterError::Unsupported {
                peer: peer.to_owned(),
                what: "power control: no BMC is declared for it".into(),
            })?;
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((known, client)) = clients.get(&server.id)
            && known == endpoint
        {
            return Ok(client.clone());
        }
        let client = RedfishClient::new(peer, endpoint, self.options.clone())
            .map_err(|e| e.into_adapter_error(peer))?;
        let client = Arc::new(client);
        clients.insert(server.id.clone(), (endpoint.clone(), client.clone()));
        Ok(client)
    }

    /// Waits until `server`'s power state is `target`, polling until `deadline`.
    pub async fn wait_for_power(
        &self,
        server: &Server,
        target: PowerState,
        deadline: Instant,
    ) -> Result<(), AdapterError> {
        let client = self.client(server)?;
        client
            .wait_for_power(target, deadline)
            .await
            .map_err(|e| e.into_adapter_error(server.id.as_str()))
    }

    /// The reset types `server`'s system accepts, by Redfish name (`None`: not listed).
    pub async fn allowed_resets(
        &self,
        server: &Server,
    ) -> Result<Option<Vec<String>>, AdapterError> {
        let client = self.client(server)?;
        client
            .allowed_resets()
            .await
            .map_err(|e| e.into_adapter_error(server.id.as_str()))
    }

    /// Logs out every session the clients opened, and forgets the clients. Call it on
    /// shutdown: a session left open counts against an iLO's limit until its idle timeout.
    pub async fn close(&self) {
        let clients: Vec<_> = self
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .drain()
            .map(|(_, (_, c))| c)
            .collect();
        for client in clients {
            if let Err(e) = client.logout().await {
                tracing::warn!(peer = client.peer(), error = %e, "redfish logout failed");
            }
        }
    }
}

impl Bmc for RedfishBmc {
    fn status<'a>(&'a self, server: &'a Server) -> BoxFuture<'a, Result<BmcStatus, AdapterError>> {
        Box::pin(async move {
            let client = self.client(server)?;
            client
                .status()
                .await
                .map_err(|e| e.into_adapter_error(server.id.as_str()))
        })
    }

    fn reset<'a>(
        &'a self,
        server: &'a Server,
        reset: ResetType,
    ) -> BoxFuture<'a, Result<(), AdapterError>> {
        Box::pin(async move {
            let client = self.client(server)?;
            client
                .reset(reset)
                .await
                .map_err(|e| e.into_adapter_error(server.id.as_str()))
        })
    }
}
