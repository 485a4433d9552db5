//! A pull reader over one SOAP answer: element starts (namespace-resolved, with the two `type`
//! attributes vSphere uses), text and ends, one at a time, never a document tree.
//!
//! `quick-xml` does the tokenizing; this layer adds what the answers' readers rely on: a
//! bounded depth, one root element, no DTD, entity references resolved, and every failure as
//! [`VsphereError::Malformed`].

use std::borrow::Cow;

use quick_xml::NsReader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use super::{MAX_DEPTH, SOAP_ENV, Value, XSI};
use crate::error::VsphereError;

/// An element's start tag, read.
#[derive(Debug)]
pub(crate) struct Start {
    /// Its local name (`Body`, `returnval`, `propSet`).
    pub name: String,
    /// Whether it is in the SOAP envelope's namespace.
    pub soap: bool,
    /// `xsi:type`, e.g. `xsd:int`, `ManagedObjectReference`, `InvalidPowerState`.
    pub xsi_type: Option<String>,
    /// The plain `type` attribute a `ManagedObjectReference` carries (`HostSystem`).
    pub mo_type: Option<String>,
}

impl Start {
    /// An element of the SOAP envelope's namespace called `name`.
    pub fn is_soap(&self, name: &str) -> bool {
        self.soap && self.name == name
    }
}

/// What comes next in the answer.
pub(crate) enum Item<'a> {
    Start(Start),
    Text(Cow<'a, str>),
    End,
    Eof,
}

/// The reader, with the method whose answer it reads (for errors) and the current depth.
pub(crate) struct Pull<'a> {
    method: &'static str,
    reader: NsReader<&'a [u8]>,
    depth: usize,
    root_seen: bool,
}

impl<'a> Pull<'a> {
    pub fn new(method: &'static str, text: &'a str) -> Self {
        let mut reader = NsReader::from_str(text);
        // `<a/>` comes as a start and an end, so that every reader handles one shape.
        reader.config_mut().expand_empty_elements = true;
        Self {
            method,
            reader,
            depth: 0,
            root_seen: false,
        }
    }

    pub fn malformed(&self, detail: String) -> VsphereError {
        VsphereError::Malformed {
            method: self.method,
            detail,
        }
    }

    /// The next start, text or end. Declarations, comments and processing instructions are
    /// skipped; outside the root element only whitespace may stand.
    pub fn next(&mut self) -> Result<Item<'a>, VsphereError> {
        loop {
            let event = self
                .reader
                .read_event()
                .map_err(|e| self.malformed(format!("not XML: {e}")))?;
            let item = match event {
                Event::Start(start) => {
                    if self.depth == 0 && self.root_seen {
                        return Err(self.malformed("not XML: a second root element".into()));
                    }
                    self.depth += 1;
                    self.root_seen = true;
                    if self.depth > MAX_DEPTH {
                        return Err(self
                            .malformed(format!("elements nested deeper than {MAX_DEPTH} levels")));
                    }
                    Item::Start(self.start(&start)?)
                }
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    Item::End
                }
                Event::Text(text) => Item::Text(text.xml10_content()),
                Event::CData(data) => Item::Text(data.xml10_content()),
                Event::GeneralRef(reference) => {
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(c)) => Cow::Owned(c.to_string()),
                        Ok(None) => resolve_predefined_entity(&reference)
                            .map(Cow::Borrowed)
                            .ok_or_else(|| {
                                self.malformed(format!("not XML: unknown entity `{}`", &*reference))
                            })?,
                        Err(e) => return Err(self.malformed(format!("not XML: {e}"))),
                    };
                    Item::Text(resolved)
                }
                Event::DocType(_) => {
                    // SOAP forbids a DTD; refusing it also refuses its entity definitions.
                    return Err(self.malformed("a document type declaration".into()));
                }
                Event::Empty(_) | Event::Decl(_) | Event::PI(_) | Event::Comment(_) => continue,
                Event::Eof if self.depth > 0 => {
                    return Err(self.malformed("not XML: it ends inside an element".into()));
                }
                Event::Eof if !self.root_seen => {
                    return Err(self.malformed("not XML: no root element".into()));
                }
                Event::Eof => Item::Eof,
            };
            if self.depth == 0
                && let Item::Text(text) = &item
            {
                if text.trim().is_empty() {
                    continue;
                }
                return Err(self.malformed("not XML: text outside the root element".into()));
            }
            return Ok(item);
        }
    }

    fn start(&self, start: &BytesStart<'_>) -> Result<Start, VsphereError> {
        let resolver = self.reader.resolver();
        let (ns, local) = resolver.resolve_element(start.name());
        let soap = match ns {
            ResolveResult::Bound(ns) => ns.as_ref() == SOAP_ENV,
            ResolveResult::Unbound => false,
            ResolveResult::Unknown(prefix) => {
                return Err(self.malformed(format!("not XML: undeclared prefix `{prefix}`")));
            }
        };
        let mut out = Start {
            name: local.as_ref().to_owned(),
            soap,
            xsi_type: None,
            mo_type: None,
        };
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|e| self.malformed(format!("not XML: {e}")))?;
            let (ns, local) = resolver.resolve_attribute(attribute.key);
            if local.as_ref() != "type" {
                continue;
            }
            let slot = match ns {
                ResolveResult::Bound(ns) if ns.as_ref() == XSI => &mut out.xsi_type,
                ResolveResult::Unbound => &mut out.mo_type,
                ResolveResult::Bound(_) => continue,
                ResolveResult::Unknown(prefix) => {
                    return Err(self.malformed(format!("not XML: undeclared prefix `{prefix}`")));
                }
            };
            let value = attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| self.malformed(format!("not XML: {e}")))?;
            *slot = Some(value.into_owned());
        }
        Ok(out)
    }

    /// Calls `f` with each child element of the element just started, up to its end; `f`
    /// must read its child whole ([`Pull::value`], [`Pull::skip`] or this again). Text
    /// between the children is ignored.
    pub fn each_child(
        &mut self,
        mut f: impl FnMut(&mut Self, Start) -> Result<(), VsphereError>,
    ) -> Result<(), VsphereError> {
        loop {
            match self.next()? {
                Item::Start(start) => f(self, start)?,
                Item::Text(_) => {}
                Item::End => return Ok(()),
                Item::Eof => return Err(self.malformed("not XML: it ends too early".into())),
            }
        }
    }

    /// Reads the rest of the element just started as a [`Value`], without recursion.
    pub fn value(&mut self, start: Start) -> Result<Value, VsphereError> {
        let mut open: Vec<(String, Value)> = vec![(String::new(), Value::from_start(start).1)];
        loop {
            match self.next()? {
                Item::Start(start) => open.push(Value::from_start(start)),
                Item::Text(text) => {
                    if let Some((_, v)) = open.last_mut() {
                        v.text.push_str(&text);
                    }
                }
                Item::End => {
                    let Some((name, done)) = open.pop() else {
                        return Err(self.malformed("not XML: unbalanced".into()));
                    };
                    match open.last_mut() {
                        Some((_, parent)) => parent.children.push((name, done)),
                        None => return Ok(done),
                    }
                }
                Item::Eof => return Err(self.malformed("not XML: it ends too early".into())),
            }
        }
    }

    /// Reads past the rest of the element just started.
    pub fn skip(&mut self) -> Result<(), VsphereError> {
        let mut open = 1usize;
        while open > 0 {
            match self.next()? {
                Item::Start(_) => open += 1,
                Item::End => open -= 1,
                Item::Text(_) => {}
                Item::Eof => return Err(self.malformed("not XML: it ends too early".into())),
            }
        }
        Ok(())
    }

    /// Reads to the end of the answer, so that a broken tail is refused like a broken head.
    pub fn finish(&mut self) -> Result<(), VsphereError> {
        loop {
            if let Item::Eof = self.next()? {
                return Ok(());
            }
        }
    }
}

impl Value {
    fn from_start(start: Start) -> (String, Value) {
        let value = Value {
            xsi_type: start.xsi_type,
            mo_type: start.mo_type,
            ..Value::default()
        };
        (start.name, value)
    }
}
