//! What a client does with its ComputerSystem: read status and power draw, reset, and wait for
//! a power state.

use reqwest::{Method, StatusCode, Url};
use serde_json::json;
use tokio::time::Instant;
use upstra_adapter_tls::TlsError;
use upstra_core::state::PowerState;
use upstra_core::traits::{BmcStatus, ResetType};

use crate::client::{Deadline, RedfishClient, whole_secs};
use crate::error::RedfishError;
use crate::payload::{self, ActionInfo, Chassis, Collection, EnvironmentMetrics, Power, System};

/// The Redfish name of a core reset type.
pub fn reset_name(reset: ResetType) -> &'static str {
    match reset {
        ResetType::On => "On",
        ResetType::GracefulShutdown => "GracefulShutdown",
        ResetType::ForceOff => "ForceOff",
        ResetType::GracefulRestart => "GracefulRestart",
        ResetType::ForceRestart => "ForceRestart",
    }
}

impl RedfishClient {
    /// Power state, health and, when the BMC reports it, power draw. A missing or unreadable
    /// power reading is `watts: None`, never an error.
    pub async fn status(&self) -> Result<BmcStatus, RedfishError> {
        let deadline = Deadline::after(self.options.timeout);
        self.within(deadline, async {
            let system = self.read_system(deadline).await?;
            let watts = match self.watts(&system, deadline).await {
                Ok(w) => w,
                Err(e) => {
                    tracing::debug!(peer = %self.peer, error = %e, "power reading unavailable");
                    None
                }
            };
            Ok(BmcStatus {
                power: payload::power_state(system.power_state.as_deref()),
                health: payload::health(&system.status),
                watts,
                post_finished: payload::post_finished(&system),
            })
        })
        .await
    }

    /// The power state alone (one request once the system URL is known).
    pub async fn power_state(&self) -> Result<PowerState, RedfishError> {
        let deadline = Deadline::after(self.options.timeout);
        self.within(deadline, async {
            let system = self.read_system(deadline).await?;
            Ok(payload::power_state(system.power_state.as_deref()))
        })
        .await
    }

    /// The reset types the system accepts, as the BMC lists them (`None`: it lists none, and
    /// a reset is sent unchecked).
    pub async fn allowed_resets(&self) -> Result<Option<Vec<String>>, RedfishError> {
        let deadline = Deadline::after(self.options.timeout);
        self.within(deadline, async {
            let system = self.read_system(deadline).await?;
            Ok(self.reset_action(system, deadline).await?.1)
        })
        .await
    }

    /// Sends `ComputerSystem.Reset`, checked first against the allowed values. Returns when
    /// the BMC accepted it; the power state changes later (see [`Self::wait_for_power`]).
    pub async fn reset(&self, reset: ResetType) -> Result<(), RedfishError> {
        self.reset_named(reset_name(reset)).await
    }

    /// [`Self::reset`] by Redfish name, for the values core does not model (iLO's
    /// `PushPowerButton`, `Nmi`). Checked against the allowed values the same way.
    pub async fn reset_named(&self, name: &str) -> Result<(), RedfishError> {
        let deadline = Deadline::after(self.options.timeout);
        self.within(deadline, async {
            let system = self.read_system(deadline).await?;
            let power = payload::power_state(system.power_state.as_deref());
            let (target, allowed) = self.reset_action(system, deadline).await?;
            if let Some(allowed) = allowed
                && !allowed.iter().any(|a| a == name)
            {
                return Err(RedfishError::ResetNotAllowed {
                    requested: name.to_owned(),
                    allowed,
                });
            }
            let body = json!({ "ResetType": name });
            match self.send(Method::POST, &target, Some(&body), deadline).await {
                Ok(_) => {
                    tracing::info!(peer = %self.peer, reset = name, "redfish reset accepted");
                    Ok(())
                }
                Err(RedfishError::Status {
                    status, message, ..
                }) => {
                    // iLO answers 400 InvalidOperationForSystemState to On when on and to
                    // ForceOff when off: the goal is already met.
                    let met = (name == "On" && power == PowerState::On)
                        || (matches!(name, "ForceOff" | "GracefulShutdown")
                            && power == PowerState::Off);
                    if status == StatusCode::BAD_REQUEST.as_u16() && met {
                        tracing::info!(peer = %self.peer, reset = name, "already in that power state");
                        return Ok(());
                    }
                    Err(RedfishError::ResetRefused {
                        requested: name.to_owned(),
                        status,
                        message,
                    })
                }
                Err(e) => Err(e),
            }
        })
        .await
    }

    /// Polls the power state every `poll_interval` until it is `target` or `deadline` passes.
    /// Connection hiccups while polling are retried until the deadline; a refused login, an
    /// untrusted certificate or a missing system end the wait at once.
    pub async fn wait_for_power(
        &self,
        target: PowerState,
        deadline: Instant,
    ) -> Result<(), RedfishError> {
        let started = Instant::now();
        let mut last = PowerState::Unknown;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let total = left.min(self.options.timeout);
            if !total.is_zero() {
                let step = Deadline::after(total);
                match self.within(step, self.read_system(step)).await {
                    Ok(system) => last = payload::power_state(system.power_state.as_deref()),
                    Err(e) if is_transient(&e) => {
                        tracing::debug!(peer = %self.peer, error = %e, "power poll failed; retrying");
                    }
                    Err(e) => return Err(e),
                }
                if last == target {
                    return Ok(());
                }
            }
            let next = Instant::now() + self.options.poll_interval;
            if next >= deadline {
                return Err(RedfishError::PowerWaitTimedOut {
                    target,
                    last,
                    secs: whole_secs(deadline.saturating_duration_since(started)),
                });
            }
            tokio::time::sleep_until(next).await;
        }
    }

    /// Runs `op` under the deadline, whatever its requests do.
    async fn within<T>(
        &self,
        deadline: Deadline,
        op: impl Future<Output = Result<T, RedfishError>>,
    ) -> Result<T, RedfishError> {
        tokio::time::timeout_at(deadline.at, op)
            .await
            .unwrap_or(Err(RedfishError::DeadlineExceeded {
                secs: whole_secs(deadline.total),
            }))
    }

    /// GETs the system document, finding the system URL first if needed.
    async fn read_system(&self, deadline: Deadline) -> Result<System, RedfishError> {
        let url = self
            .system
            .get_or_try_init(|| self.find_system(deadline))
            .await?;
        self.get_json(url, deadline).await
    }

    /// The configured URL when it names a system; else the one member of the systems
    /// collection (for a URL that stops at the host, the service root or `Systems`).
    async fn find_system(&self, deadline: Deadline) -> Result<Url, RedfishError> {
        let path = self.configured.path().trim_end_matches('/');
        if !(path.is_empty() || path == "/redfish/v1" || path == "/redfish/v1/Systems") {
            return Ok(self.configured.clone());
        }
        // Reads the service root on first use, which records its systems link.
        self.ensure_auth(deadline).await?;
        let collection = match self.systems.get() {
            Some(url) => url.clone(),
            None => self.resolve("/redfish/v1/Systems")?,
        };
        let systems: Collection = self.get_json(&collection, deadline).await?;
        match systems.members.as_slice() {
            [one] => self.resolve(&one.id),
            many => Err(RedfishError::AmbiguousSystem {
                url: self.configured.to_string(),
                count: many.len(),
                members: many.iter().map(|m| m.id.clone()).collect(),
            }),
        }
    }

    /// The reset target and allowed values (inline, or from the action's ActionInfo).
    async fn reset_action(
        &self,
        system: System,
        deadline: Deadline,
    ) -> Result<(Url, Option<Vec<String>>), RedfishError> {
        let action = system.actions.reset.ok_or(RedfishError::NoResetAction)?;
        let target = match (&action.target, &system.odata_id) {
            (Some(t), _) => self.resolve(t)?,
            (None, Some(id)) => self.resolve(&format!(
                "{}/Actions/ComputerSystem.Reset",
                id.trim_end_matches('/')
            ))?,
            (None, None) => return Err(RedfishError::NoResetAction),
        };
        let allowed = match (action.allowable, action.action_info) {
            (Some(list), _) => Some(list),
            (None, Some(info)) => {
                let info: ActionInfo = self.get_json(&self.resolve(&info)?, deadline).await?;
                info.reset_types()
            }
            (None, None) => None,
        };
        Ok((target, allowed))
    }

    /// Power draw from the system's chassis, if any reports it.
    async fn watts(
        &self,
        system: &System,
        deadline: Deadline,
    ) -> Result<Option<f32>, RedfishError> {
        let source = self
            .power_source
            .get_or_try_init(|| self.find_power_source(system, deadline))
            .await?;
        let Some(url) = source else {
            return Ok(None);
        };
        if url.path().contains("EnvironmentMetrics") {
            let m: EnvironmentMetrics = self.get_json(url, deadline).await?;
            Ok(m.watts())
        } else {
            let p: Power = self.get_json(url, deadline).await?;
            Ok(p.watts())
        }
    }

    /// The first chassis link offering `Power` (iLO 4/5/6) or `EnvironmentMetrics`.
    async fn find_power_source(
        &self,
        system: &System,
        deadline: Deadline,
    ) -> Result<Option<Url>, RedfishError> {
        for link in &system.links.chassis {
            let chassis: Chassis = self.get_json(&self.resolve(&link.id)?, deadline).await?;
            if let Some(l) = chassis.power.or(chassis.environment_metrics) {
                return self.resolve(&l.id).map(Some);
            }
        }
        Ok(None)
    }
}

/// Errors worth another poll: the BMC did not answer this time.
fn is_transient(e: &RedfishError) -> bool {
    matches!(
        e,
        RedfishError::DeadlineExceeded { .. }
            | RedfishError::Transport(TlsError::Unreachable { .. } | TlsError::TimedOut { .. })
    )
}
