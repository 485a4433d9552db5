//! A lab file, as `upstra apply -f` reads it (UTF-8 text), checked against a store that
//! already knows a few names, so the checks against known names run too.
#![no_main]

use upstra_core::ids::{RoomId, ServerId, UpsId};
use upstra_core::lab::{self, KnownNames};

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let mut known = KnownNames::default();
    known.rooms.extend(RoomId::new("lab-a").ok());
    known.ups.extend(UpsId::new("ups1").ok());
    known.servers.extend(ServerId::new("esx-01").ok());
    match lab::parse(text, &known) {
        Ok(doc) => {
            for file in &doc.secret_files {
                assert!(file.line >= 1, "a secret file without a line");
            }
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "a refusal without a reason");
            assert!(
                errors.windows(2).all(|w| w[0].line <= w[1].line),
                "errors not sorted by line"
            );
            for e in &errors {
                let _ = e.to_string();
            }
        }
    }
});
