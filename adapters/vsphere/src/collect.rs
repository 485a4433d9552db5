//! Reading through the property collector, and waiting on tasks and power states.
//!
//! Waiting is polling with a deadline: a task's `info.state` or a VM's `runtime.powerState` is
//! read at growing intervals (20 ms doubling to 1 s), so a vcsim task that finishes at once is
//! seen on the first read and a real vMotion is not hammered.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;
use upstra_core::model::VmPower;

use crate::error::VsphereError;
use crate::inventory;
use crate::request::{self, MoRef, Objects, PropertySpec};
use crate::response::{self, ObjectContent, localized_fault};
use crate::session::Session;

const FIRST_POLL: Duration = Duration::from_millis(20);
const MAX_POLL: Duration = Duration::from_secs(1);

/// Objects asked for per page of a view read. A vCenter answers 10,000 VMs' properties in
/// one answer of about 20 MB, held as text while it is parsed: paging keeps each answer near
/// 2 MB, so the daemon's peak memory does not grow with the lab. 1,000 objects is still few round trips (11 for 10,000 VMs and 1,000 hosts).
/// A server may page lower; one that ignores the option (older vcsim) answers in one piece.
const PAGE_OBJECTS: u32 = 1_000;

/// Reads `props` of every object of `types` below the root folder, handing each object to
/// `sink` as it is parsed: one container view, one `RetrievePropertiesEx`,
/// `ContinueRetrievePropertiesEx` while a token comes back, and `DestroyView` in every case.
pub(crate) async fn read_view(
    session: &Session,
    types: &[&str],
    props: &[PropertySpec<'_>],
    sink: &mut (dyn FnMut(ObjectContent) -> Result<(), VsphereError> + Send),
) -> Result<(), VsphereError> {
    let content = session.content().await?;
    let body = request::create_container_view(&content.view_manager, &content.root_folder, types);
    let view = response::returned_moref(
        "CreateContainerView",
        &session.call("CreateContainerView", &body).await?,
    )?;
    let result = read_pages(session, &content.property_collector, props, &view, sink).await;
    let destroyed = session
        .call("DestroyView", &request::destroy_view(&view))
        .await
        .and_then(|text| response::empty("DestroyView", &text));
    if let Err(e) = destroyed {
        // The view dies with the session anyway; a failure here must not hide the data.
        tracing::debug!(error = %e, "DestroyView failed");
    }
    result
}

async fn read_pages(
    session: &Session,
    collector: &MoRef,
    props: &[PropertySpec<'_>],
    view: &MoRef,
    sink: &mut (dyn FnMut(ObjectContent) -> Result<(), VsphereError> + Send),
) -> Result<(), VsphereError> {
    let body =
        request::retrieve_properties(collector, props, Objects::View(view), Some(PAGE_OBJECTS));
    let text = session.call("RetrievePropertiesEx", &body).await?;
    let mut token = response::retrieve_objects("RetrievePropertiesEx", &text, sink)?;
    // The text goes before the next page comes.
    drop(text);
    while let Some(current) = token.take() {
        let body = request::continue_retrieve(collector, &current);
        let next = match session.call("ContinueRetrievePropertiesEx", &body).await {
            Ok(text) => response::retrieve_objects("ContinueRetrievePropertiesEx", &text, sink),
            Err(e) => Err(e),
        };
        match next {
            Ok(next) => token = next,
            Err(e) => {
                let cancel = request::cancel_retrieve(collector, &current);
                let _ = session.call("CancelRetrievePropertiesEx", &cancel).await;
                return Err(e);
            }
        }
    }
    Ok(())
}

/// Reads `paths` of one object; `NotFound` when it does not exist.
pub(crate) async fn read_one(
    session: &Session,
    obj: &MoRef,
    paths: &[&str],
) -> Result<ObjectContent, VsphereError> {
    let content = session.content().await?;
    let props = [PropertySpec {
        kind: &obj.kind,
        paths,
    }];
    let body =
        request::retrieve_properties(&content.property_collector, &props, Objects::One(obj), None);
    let text = session.call("RetrievePropertiesEx", &body).await?;
    response::retrieve_result("RetrievePropertiesEx", &text)?
        .objects
        .into_iter()
        .next()
        .ok_or_else(|| VsphereError::NotFound {
            what: format!("{}:{}", obj.kind, obj.value),
        })
}

/// Calls `check` until it returns `Some`, or fails with `Deadline` naming `what`.
async fn poll<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> Result<T, VsphereError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, VsphereError>>,
{
    let deadline = Instant::now() + timeout;
    let mut delay = FIRST_POLL;
    loop {
        if let Some(done) = check().await? {
            return Ok(done);
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(VsphereError::Deadline {
                what: what.to_owned(),
                secs: timeout.as_secs().max(1),
            });
        }
        tokio::time::sleep_until((now + delay).min(deadline)).await;
        delay = (delay * 2).min(MAX_POLL);
    }
}

/// Waits for `task` (started by `method`) to succeed; its error becomes
/// [`VsphereError::TaskFailed`] with the fault. Past the deadline the task is cancelled (best
/// effort: not every task can be, and vcsim has no `CancelTask`).
pub(crate) async fn wait_task(
    session: &Session,
    method: &'static str,
    task: &MoRef,
    timeout: Duration,
) -> Result<(), VsphereError> {
    let what = format!("{method} ({})", task.value);
    let waited = poll(&what, timeout, || async {
        let info = read_one(session, task, &["info.state", "info.error"]).await?;
        let state = info.prop("info.state").map(|v| v.text.trim());
        match state {
            Some("success") => Ok(Some(())),
            Some("error") => Err(VsphereError::TaskFailed {
                method,
                task: task.value.clone(),
                fault: info
                    .prop("info.error")
                    .map(localized_fault)
                    .unwrap_or_else(|| {
                        crate::error::Fault::new("UnknownFault".into(), String::new(), Vec::new())
                    }),
            }),
            Some("queued" | "running") => Ok(None),
            other => Err(VsphereError::Malformed {
                method,
                detail: format!("task {} in state {other:?}", task.value),
            }),
        }
    })
    .await;
    if let Err(VsphereError::Deadline { .. }) = &waited {
        let _ = session
            .call("CancelTask", &request::on_object("CancelTask", task))
            .await;
    }
    waited
}

/// Waits until `vm` reports `target` as its power state.
pub(crate) async fn wait_power(
    session: &Session,
    vm: &MoRef,
    target: VmPower,
    timeout: Duration,
) -> Result<(), VsphereError> {
    let what = format!("VM {} reaching {}", vm.value, target.as_str());
    poll(&what, timeout, || async {
        let obj = read_one(session, vm, &["runtime.powerState"]).await?;
        let state = inventory::power(obj.prop("runtime.powerState").map(|v| v.text.trim()));
        Ok((state == Some(target)).then_some(()))
    })
    .await
}
