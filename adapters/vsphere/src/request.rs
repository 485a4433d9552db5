//! The SOAP requests this client sends, as small string templates.
//!
//! Every interpolated value goes through [`escape`]: VM and host names are free text in vCenter
//! and may contain `<`, `&` or quotes. Elements are written in the order the vim25 WSDL declares
//! them, because real vCenters validate that order (vcsim does not). No I/O here.

use std::borrow::Cow;
use std::fmt::Write as _;

/// A managed object reference: the object's type and its id (`VirtualMachine` / `vm-42`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct MoRef {
    pub kind: String,
    pub value: String,
}

impl MoRef {
    pub fn new(kind: &str, value: &str) -> Self {
        Self {
            kind: kind.to_owned(),
            value: value.to_owned(),
        }
    }

    /// `<tag type="Kind">value</tag>`.
    fn xml(&self, tag: &str) -> String {
        format!(
            r#"<{tag} type="{}">{}</{tag}>"#,
            escape(&self.kind),
            escape(&self.value)
        )
    }
}

/// Escapes the five XML special characters, for text and attribute values alike.
pub(crate) fn escape(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Wraps a method element in a SOAP 1.1 envelope.
pub(crate) fn envelope(body: &str) -> String {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/""#,
            r#" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="urn:vim25">"#,
            "<soapenv:Body>{}</soapenv:Body></soapenv:Envelope>"
        ),
        body
    )
}

/// `<Method><_this ...>...</_this>{rest}</Method>`: the shape of every vim25 call.
fn call(method: &str, this: &MoRef, rest: &str) -> String {
    format!("<{method}>{}{rest}</{method}>", this.xml("_this"))
}

/// The unauthenticated entry point: returns the `ServiceContent` with the manager morefs.
pub(crate) fn retrieve_service_content() -> String {
    call(
        "RetrieveServiceContent",
        &MoRef::new("ServiceInstance", "ServiceInstance"),
        "",
    )
}

/// `SessionManager.Login`. The password is escaped like any other value.
pub(crate) fn login(session_manager: &MoRef, user: &str, password: &str) -> String {
    let rest = format!(
        "<userName>{}</userName><password>{}</password>",
        escape(user),
        escape(password)
    );
    call("Login", session_manager, &rest)
}

/// `SessionManager.Logout`.
pub(crate) fn logout(session_manager: &MoRef) -> String {
    call("Logout", session_manager, "")
}

/// `ViewManager.CreateContainerView` over `container`, recursively, for the given types.
pub(crate) fn create_container_view(
    view_manager: &MoRef,
    container: &MoRef,
    types: &[&str],
) -> String {
    let mut rest = container.xml("container");
    for t in types {
        let _ = write!(rest, "<type>{}</type>", escape(t));
    }
    rest.push_str("<recursive>true</recursive>");
    call("CreateContainerView", view_manager, &rest)
}

/// `View.DestroyView`.
pub(crate) fn destroy_view(view: &MoRef) -> String {
    call("DestroyView", view, "")
}

/// Which properties to read for objects of one type.
pub(crate) struct PropertySpec<'a> {
    pub kind: &'a str,
    pub paths: &'a [&'a str],
}

/// Where the property collector starts.
pub(crate) enum Objects<'a> {
    /// Every object a `ContainerView` holds (the view itself is skipped).
    View(&'a MoRef),
    /// One object.
    One(&'a MoRef),
}

/// `PropertyCollector.RetrievePropertiesEx`. `max_objects` caps a page; the server may cap
/// lower and then returns a token for [`continue_retrieve`].
pub(crate) fn retrieve_properties(
    collector: &MoRef,
    props: &[PropertySpec<'_>],
    objects: Objects<'_>,
    max_objects: Option<u32>,
) -> String {
    let mut rest = String::from("<specSet>");
    for p in props {
        let _ = write!(rest, "<propSet><type>{}</type>", escape(p.kind));
        for path in p.paths {
            let _ = write!(rest, "<pathSet>{}</pathSet>", escape(path));
        }
        rest.push_str("</propSet>");
    }
    match objects {
        Objects::View(view) => {
            let _ = write!(
                rest,
                concat!(
                    "<objectSet>{}<skip>true</skip>",
                    r#"<selectSet xsi:type="TraversalSpec"><name>view</name>"#,
                    "<type>ContainerView</type><path>view</path><skip>false</skip></selectSet>",
                    "</objectSet>"
                ),
                view.xml("obj")
            );
        }
        Objects::One(obj) => {
            let _ = write!(rest, "<objectSet>{}</objectSet>", obj.xml("obj"));
        }
    }
    rest.push_str("</specSet>");
    match max_objects {
        Some(n) => {
            let _ = write!(rest, "<options><maxObjects>{n}</maxObjects></options>");
        }
        None => rest.push_str("<options/>"),
    }
    call("RetrievePropertiesEx", collector, &rest)
}

/// `PropertyCollector.ContinueRetrievePropertiesEx`: the next page after `token`.
pub(crate) fn continue_retrieve(collector: &MoRef, token: &str) -> String {
    let rest = format!("<token>{}</token>", escape(token));
    call("ContinueRetrievePropertiesEx", collector, &rest)
}

/// `PropertyCollector.CancelRetrievePropertiesEx`: frees the server's paging state.
pub(crate) fn cancel_retrieve(collector: &MoRef, token: &str) -> String {
    let rest = format!("<token>{}</token>", escape(token));
    call("CancelRetrievePropertiesEx", collector, &rest)
}

/// A method that takes only `_this` (`PowerOnVM_Task`, `PowerOffVM_Task`, `ShutdownGuest`,
/// `CancelTask`, ...).
pub(crate) fn on_object(method: &str, this: &MoRef) -> String {
    call(method, this, "")
}

/// `VirtualMachine.RelocateVM_Task` with a `RelocateSpec` naming the target host and, when the
/// VM changes compute resource, the target's resource pool (`pool` comes before `host`).
pub(crate) fn relocate_vm(vm: &MoRef, host: &MoRef, pool: Option<&MoRef>) -> String {
    let mut spec = String::from("<spec>");
    if let Some(pool) = pool {
        spec.push_str(&pool.xml("pool"));
    }
    spec.push_str(&host.xml("host"));
    spec.push_str("</spec>");
    call("RelocateVM_Task", vm, &spec)
}

/// `HostSystem.EnterMaintenanceMode_Task` / `ExitMaintenanceMode_Task`; `timeout` 0 lets the
/// server wait as long as it needs (we apply our own deadline while tracking the task).
pub(crate) fn maintenance(host: &MoRef, enter: bool, timeout_secs: u32) -> String {
    let method = if enter {
        "EnterMaintenanceMode_Task"
    } else {
        "ExitMaintenanceMode_Task"
    };
    call(method, host, &format!("<timeout>{timeout_secs}</timeout>"))
}

/// `HostSystem.ShutdownHost_Task`; `force` shuts down even outside maintenance mode.
pub(crate) fn shutdown_host(host: &MoRef, force: bool) -> String {
    call(
        "ShutdownHost_Task",
        host,
        &format!("<force>{force}</force>"),
    )
}

#[cfg(test)]
mod tests;
