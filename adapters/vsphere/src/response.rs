//! Reading SOAP answers: the body or the fault, and the property collector's `ObjectContent`.
//!
//! Parsing is namespace-aware (`roxmltree`) and tolerant: unknown elements are ignored, since
//! every vSphere release adds properties. Values become a small owned tree ([`Value`]), so the
//! document can be dropped before the caller maps it. No I/O here.

use roxmltree::{Document, Node};

use crate::error::{Fault, VsphereError};
use crate::request::MoRef;

const SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// The deepest element nesting an answer may have. [`Value`] is built (and dropped) by recursion,
/// one stack frame per level, on a runtime worker's stack; the transport admits answers of up to
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
    fn from_node(node: Node<'_, '_>) -> Self {
        let mut v = Value {
            xsi_type: node.attribute((XSI, "type")).map(str::to_owned),
            // Not `attribute("type")`: that also matches a prefixed `xsi:type`.
            mo_type: node
                .attributes()
                .find(|a| a.namespace().is_none() && a.name() == "type")
                .map(|a| a.value().to_owned()),
            ..Value::default()
        };
        for child in node.children() {
            if child.is_element() {
                v.children
                    .push((child.tag_name().name().to_owned(), Value::from_node(child)));
            } else if let Some(t) = child.text() {
                v.text.push_str(t);
            }
        }
        v
    }

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

/// Parses an answer and hands its response element (`<XResponse>`) to `f`; a `Fault` in the
/// body becomes [`VsphereError::Fault`] (classified by the caller's method).
pub(crate) fn parse<T>(
    method: &'static str,
    text: &str,
    f: impl FnOnce(Node<'_, '_>) -> Result<T, VsphereError>,
) -> Result<T, VsphereError> {
    let doc = Document::parse(text).map_err(|e| malformed(method, format!("not XML: {e}")))?;
    if nesting(&doc) > MAX_DEPTH {
        return Err(malformed(
            method,
            format!("elements nested deeper than {MAX_DEPTH} levels"),
        ));
    }
    let body = doc
        .root_element()
        .children()
        .find(|n| n.has_tag_name((SOAP_ENV, "Body")))
        .ok_or_else(|| malformed(method, "no SOAP Body".into()))?;
    let first = body
        .children()
        .find(Node::is_element)
        .ok_or_else(|| malformed(method, "empty SOAP Body".into()))?;
    if first.has_tag_name((SOAP_ENV, "Fault")) {
        return Err(VsphereError::from_fault(method, parse_fault(first)));
    }
    f(first)
}

/// How deep the document's elements nest, counted without recursion: in document order a
/// parent comes before its children, so each node's depth is its parent's plus one.
fn nesting(doc: &Document<'_>) -> usize {
    let mut depths: Vec<usize> = Vec::new();
    let mut deepest = 0;
    for node in doc.descendants() {
        let id = node.id().get_usize();
        if depths.len() <= id {
            depths.resize(id + 1, 0);
        }
        let parent = node
            .parent()
            .and_then(|p| depths.get(p.id().get_usize()).copied())
            .unwrap_or(0);
        depths[id] = parent + usize::from(node.is_element());
        deepest = deepest.max(depths[id]);
    }
    deepest
}

/// A SOAP fault: the type from the detail's `xsi:type` (or its element name without the
/// `Fault` suffix), the message from `faultstring`.
fn parse_fault(fault: Node<'_, '_>) -> Fault {
    let message = fault
        .children()
        .find(|n| n.has_tag_name("faultstring"))
        .and_then(|n| n.text())
        .unwrap_or_default()
        .to_owned();
    let detail = fault
        .children()
        .find(|n| n.has_tag_name("detail"))
        .and_then(|d| d.children().find(Node::is_element));
    match detail {
        Some(d) => {
            let v = Value::from_node(d);
            let name = v.xsi_type.clone().unwrap_or_else(|| {
                let tag = d.tag_name().name();
                tag.strip_suffix("Fault").unwrap_or(tag).to_owned()
            });
            Fault::new(name, message, fault_details(&v))
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

/// The `returnval` as a moref (a `Task`, a `ContainerView`).
pub(crate) fn returned_moref(method: &'static str, text: &str) -> Result<MoRef, VsphereError> {
    parse(method, text, |resp| {
        resp.children()
            .find(|n| n.has_tag_name("returnval"))
            .map(Value::from_node)
            .and_then(|v| v.as_moref())
            .ok_or_else(|| malformed(method, "no managed object in returnval".into()))
    })
}

/// The `returnval` element as a [`Value`] (`ServiceContent`, `UserSession`).
pub(crate) fn returned_value(method: &'static str, text: &str) -> Result<Value, VsphereError> {
    parse(method, text, |resp| {
        resp.children()
            .find(|n| n.has_tag_name("returnval"))
            .map(Value::from_node)
            .ok_or_else(|| malformed(method, "no returnval".into()))
    })
}

/// An answer with nothing in it but that it is not a fault (`ShutdownGuest`, `Logout`).
pub(crate) fn empty(method: &'static str, text: &str) -> Result<(), VsphereError> {
    parse(method, text, |_| Ok(()))
}

/// A property collector page. An answer without `returnval` means no objects matched.
pub(crate) fn retrieve_result(
    method: &'static str,
    text: &str,
) -> Result<RetrieveResult, VsphereError> {
    parse(method, text, |resp| {
        let Some(ret) = resp.children().find(|n| n.has_tag_name("returnval")) else {
            return Ok(RetrieveResult::default());
        };
        let v = Value::from_node(ret);
        let mut out = RetrieveResult {
            token: v.child_text("token").map(str::to_owned),
            objects: Vec::new(),
        };
        for (name, obj) in &v.children {
            if name != "objects" {
                continue;
            }
            let mo = obj
                .child("obj")
                .and_then(Value::as_moref)
                .ok_or_else(|| malformed(method, "an object without a moref".into()))?;
            let props = obj
                .children
                .iter()
                .filter(|(n, _)| n == "propSet")
                .filter_map(|(_, p)| {
                    Some((p.child_text("name")?.to_owned(), p.child("val")?.clone()))
                })
                .collect();
            out.objects.push(ObjectContent { obj: mo, props });
        }
        Ok(out)
    })
}

fn malformed(method: &'static str, detail: String) -> VsphereError {
    VsphereError::Malformed { method, detail }
}

#[cfg(test)]
mod tests;
