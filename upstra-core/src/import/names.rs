//! Turning the predecessor's free-form names ("Salle B / 2ème", "ESX 01") into lab-file ids
//! ([`crate::ids::validate_name`]: ASCII letters, digits, `.`, `_`, `-`, at most 64), each
//! kind in its own namespace, collisions resolved with a numeric suffix and every change
//! reported so an operator can check it.

use std::collections::BTreeSet;

use crate::ids::{MAX_NAME_LEN, validate_name};

/// One name that did not come across as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renamed {
    /// `room`, `UPS`, `server`.
    pub kind: &'static str,
    pub from: String,
    pub to: String,
    /// The sanitized name was already taken by another record of the same kind.
    pub collided: bool,
}

/// The closest valid id to `original`: every other character becomes `-`, runs of `-` shrink
/// to one, it starts with a letter or digit and fits [`MAX_NAME_LEN`]. `fallback` stands in for
/// a name with nothing usable in it. A name that is already a valid id comes across as written
/// (`esx-` stays `esx-`), so the operator sees no rename where none was needed.
pub fn sanitize(original: &str, fallback: &str) -> String {
    if validate_name(original).is_ok() {
        return original.to_owned();
    }
    let mut out = String::with_capacity(original.len().min(MAX_NAME_LEN));
    for c in original.trim().chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            c
        } else {
            '-'
        };
        if c == '-' && out.ends_with('-') {
            continue;
        }
        if out.is_empty() && !c.is_ascii_alphanumeric() {
            continue;
        }
        out.push(c);
        if out.len() >= MAX_NAME_LEN {
            break;
        }
    }
    let trimmed = out.trim_end_matches(['-', '.', '_']);
    if trimmed.is_empty() {
        fallback.to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Hands out unique ids of one kind, remembering what it had to change.
#[derive(Debug)]
pub struct Namer {
    kind: &'static str,
    used: BTreeSet<String>,
    pub renamed: Vec<Renamed>,
}

impl Namer {
    pub fn new(kind: &'static str) -> Self {
        Self {
            kind,
            used: BTreeSet::new(),
            renamed: Vec::new(),
        }
    }

    /// A fresh id for `original`: itself when it is valid and free.
    pub fn name(&mut self, original: &str) -> String {
        let base = sanitize(original, self.kind_fallback());
        let mut candidate = base.clone();
        let mut n = 2u32;
        while self.used.contains(&candidate) {
            let suffix = format!("-{n}");
            let keep = MAX_NAME_LEN.saturating_sub(suffix.len()).min(base.len());
            candidate = format!("{}{suffix}", &base[..keep]);
            n = n.saturating_add(1);
        }
        debug_assert!(validate_name(&candidate).is_ok(), "{candidate}");
        self.used.insert(candidate.clone());
        if candidate != original {
            self.renamed.push(Renamed {
                kind: self.kind,
                from: original.to_owned(),
                to: candidate.clone(),
                collided: candidate != base,
            });
        }
        candidate
    }

    fn kind_fallback(&self) -> &'static str {
        match self.kind {
            "room" => "room",
            "UPS" => "ups",
            _ => "server",
        }
    }
}
