//! Reading SOAP answers: the body or the fault, and the property collector's `ObjectContent`.
//!
//! Parsing is namespace-aware and tolerant: unknown elements are ignored, since every vSphere
//! release adds properties. It pulls the answer element by element (`pull.rs`, on
//! `quick-xml`) and never builds a document tree: an inventory read of 10,000 VMs parsed into
//! one cost about ten times its 20 MB of text. Values become a small owned tree ([`Value`]),
//! one property-collector object at a time, handed on before the next is read. No I/O here.

mod pull;

use pull::{Pull, Start};

use crate::error::{Fault, VsphereError};
use crate::request::MoRef;

const SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// The deepest element nesting an answer may have. [`Value`] is dropped by recursion, one
/// stack frame per level, on a runtime worker's stack; the transport admits answers of up to
/// 128 MiB, so without this bound a hostile or broken peer could nest deep enough to overflow
/// it and abort the daemon. Real answers stay under 20 levels (envelope, body, response,
/// `returnval`, `objects`, `propSet`, `val`, and a property's own structure).
const MAX_DEPTH: usize = 64;

/// An XML element as a value: its text, its `type` attributes and its element children.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Value {
    /// `xsi:type`, e.g. `xsd:int`, `ManagedObjectReference`, `InvalidPowerState`.
    pub xsi_type: Option<String>,
    /// The plain `type` attribute a `ManagedObjectReference` carries (`HostSystem`).
    pub mo_type: Option<String>,
    /// The text content of a leaf (trimmed of nothing: names may have spaces).
    pub text: String,
    pub children: Vec<(String, Value)>,
}

impl Value {
    /// The first child element called `name`.
    pub fn child(&self, name: &str) -> Option<&Value> {
        self.children
            .iter()
            .find_map(|(n, v)| (n == name).then_some(v))
    }

    /// The text of the child `name`, if present.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|v| v.text.as_str())
    }

    /// This element read as a managed object reference.
    pub fn as_moref(&self) -> Option<MoRef> {
        let kind = self.mo_type.as_deref()?;
        (!self.text.is_empty()).then(|| MoRef::new(kind, &self.text))
    }

    /// Leaf children as `name=value` pairs (fault details).
    fn leaf_pairs(&self) -> Vec<(String, String)> {
        self.children
            .iter()
            .filter(|(_, v)| v.children.is_empty())
            .map(|(n, v)| (n.clone(), v.text.clone()))
            .collect()
    }
}

/// One object from the property collector: its moref and the properties that were read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ObjectContent {
    pub obj: MoRef,
    pub props: Vec<(String, Value)>,
}

impl ObjectContent {
    /// The property at `path` (as requested, e.g. `runtime.powerState`).
    pub fn prop(&self, path: &str) -> Option<&Value> {
        self.props
            .iter()
            .find_map(|(n, v)| (n == path).then_some(v))
    }
}

/// One page of `RetrievePropertiesEx` / `ContinueRetrievePropertiesEx`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RetrieveResult {
    pub objects: Vec<ObjectContent>,
    /// Present when more pages follow.
    pub token: Option<String>,
}

/// Parses an answer and hands its response element (`<XResponse>`, just started) to `f`,
/// which reads it whole; a `Fault` in the body becomes [`VsphereError::Fault`] (classified by
/// the caller's method). The rest of the answer is read too: a broken tail is refused.
fn parse<T>(
    method: &'static str,
    text: &str,
    f: impl FnOnce(&mut Pull<'_>, Start) -> Result<T, VsphereError>,
) -> Result<T, VsphereError> {
    let mut pull = Pull::new(method, text);
    // The root's name is not checked: its `Body` child is what counts.
    if !matches!(pull.next()?, pull::Item::Start(_)) {
        return Err(pull.malformed("not XML: no root element".into()));
    }
    let mut f = Some(f);
    let mut outcome: Option<Result<T, VsphereError>> = None;
    let mut body_seen = false;
    pull.each_child(|pull, child| {
        if body_seen || !child.is_soap("Body") {
            return pull.skip();
        }
        body_seen = true;
        pull.each_child(|pull, first| {
            let Some(f) = f.take() else {
                return pull.skip();
            };
            // A fault is read whole and the answer checked to its end before it is the
            // outcome; an answer `f` refuses is refused at once, its tail unread.
            outcome = Some(if first.is_soap("Fault") {
                let fault = pull.value(first)?;
                Err(VsphereError::from_fault(method, parse_fault(&fault)))
            } else {
                Ok(f(pull, first)?)
            });
            Ok(())
        })
    })?;
    pull.finish()?;
    if !body_seen {
        return Err(pull.malformed("no SOAP Body".into()));
    }
    outcome.unwrap_or_else(|| Err(pull.malformed("empty SOAP Body".into())))
}

/// A SOAP fault: the type from the detail's `xsi:type` (or its element name without the
/// `Fault` suffix), the message from `faultstring`.
fn parse_fault(fault: &Value) -> Fault {
    let message = fault
        .child_text("faultstring")
        .unwrap_or_default()
        .to_owned();
    let detail = fault.child("detail").and_then(|d| d.children.first());
    match detail {
        Some((tag, v)) => {
            let name = v
                .xsi_type
                .clone()
                .unwrap_or_else(|| tag.strip_suffix("Fault").unwrap_or(tag).to_owned());
            Fault::new(name, message, fault_details(v))
        }
        None => Fault::new("SoapFault".into(), message, Vec::new()),
    }
}

/// The detail fields worth showing: leaves, and morefs as `Type:id`.
fn fault_details(v: &Value) -> Vec<(String, String)> {
    let mut out = v.leaf_pairs();
    for (name, child) in &mut out {
        if let Some(mo) = v.child(name).and_then(Value::as_moref) {
            *child = format!("{}:{}", mo.kind, mo.value);
        }
    }
    out
}

/// A task's `info.error` (`LocalizedMethodFault`) as a [`Fault`].
pub(crate) fn localized_fault(v: &Value) -> Fault {
    let inner = v.child("fault");
    let name = inner
        .and_then(|f| f.xsi_type.clone())
        .unwrap_or_else(|| "UnknownFault".into());
    let message = v
        .child_text("localizedMessage")
        .unwrap_or_default()
        .to_owned();
    Fault::new(name, message, inner.map(fault_details).unwrap_or_default())
}

/// The first `returnval` child of the response element just started, as a [`Value`].
fn returnval(pull: &mut Pull<'_>) -> Result<Option<Value>, VsphereError> {
    let mut found = None;
    pull.each_child(|pull, child| {
        if found.is_none() && child.name == "returnval" {
            found = Some(pull.value(child)?);
            Ok(())
        } else {
            pull.skip()
        }
    })?;
    Ok(found)
}

/// The `returnval` as a moref (a `Task`, a `ContainerView`).
pub(crate) fn returned_moref(method: &'static str, text: &str) -> Result<MoRef, VsphereError> {
    parse(method, text, |pull, _| {
        returnval(pull)?
            .and_then(|v| v.as_moref())
            .ok_or_else(|| malformed(method, "no managed object in returnval".into()))
    })
}

/// The `returnval` element as a [`Value`] (`ServiceContent`, `UserSession`).
pub(crate) fn returned_value(method: &'static str, text: &str) -> Result<Value, VsphereError> {
    parse(method, text, |pull, _| {
        returnval(pull)?.ok_or_else(|| malformed(method, "no returnval".into()))
    })
}

/// An answer with nothing in it but that it is not a fault (`ShutdownGuest`, `Logout`).
pub(crate) fn empty(method: &'static str, text: &str) -> Result<(), VsphereError> {
    parse(method, text, |pull, _| pull.skip())
}

/// A property collector page, whole: [`retrieve_objects`] collecting into a `Vec`.
pub(crate) fn retrieve_result(
    method: &'static str,
    text: &str,
) -> Result<RetrieveResult, VsphereError> {
    let mut objects = Vec::new();
    let token = retrieve_objects(method, text, &mut |object| {
        objects.push(object);
        Ok(())
    })?;
    Ok(RetrieveResult { objects, token })
}

/// A property collector page, object by object: each `objects` element is read into an
/// [`ObjectContent`] and handed to `sink` before the next is read, so a page never exists as
/// a whole. Returns the token of the next page, if any. An answer without `returnval` means
/// no objects matched.
pub(crate) fn retrieve_objects(
    method: &'static str,
    text: &str,
    sink: &mut dyn FnMut(ObjectContent) -> Result<(), VsphereError>,
) -> Result<Option<String>, VsphereError> {
    parse(method, text, |pull, _| {
        let mut token = None;
        let mut returnval_seen = false;
        pull.each_child(|pull, child| {
            if returnval_seen || child.name != "returnval" {
                return pull.skip();
            }
            returnval_seen = true;
            pull.each_child(|pull, child| match child.name.as_str() {
                "token" if token.is_none() => {
                    token = Some(pull.value(child)?.text);
                    Ok(())
                }
                "objects" => sink(object_content(method, pull.value(child)?)?),
                _ => pull.skip(),
            })
        })?;
        Ok(token)
    })
}

/// One `objects` element: its moref and its `propSet`s' names and values.
fn object_content(method: &'static str, obj: Value) -> Result<ObjectContent, VsphereError> {
    let mo = obj
        .child("obj")
        .and_then(Value::as_moref)
        .ok_or_else(|| malformed(method, "an object without a moref".into()))?;
    let props = obj
        .children
        .into_iter()
        .filter(|(n, _)| n == "propSet")
        .filter_map(|(_, mut p)| {
            let name = p.child_text("name")?.to_owned();
            let at = p.children.iter().position(|(n, _)| n == "val")?;
            Some((name, p.children.swap_remove(at).1))
        })
        .collect();
    Ok(ObjectContent { obj: mo, props })
}

fn malformed(method: &'static str, detail: String) -> VsphereError {
    VsphereError::Malformed { method, detail }
}

#[cfg(test)]
mod tests;
