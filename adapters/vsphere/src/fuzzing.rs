//! The entry point of the `vsphere_soap` fuzz target (`fuzz/`), compiled only under
//! `--cfg fuzzing`, which the fuzzer sets: a SOAP answer read as every kind of answer the client
//! expects, and mapped as the client maps it, with no HTTP.

use crate::inventory::VsphereInventory;
use crate::response::{self, localized_fault};
use crate::session::ServiceContent;

/// Parses `text` (an answer body, already checked to be UTF-8 as the transport does) as each
/// kind of answer, and an inventory page all the way to the core's types.
pub fn answers(text: &str) {
    let _ = ServiceContent::parse(text).map(|c| c.about);
    let _ = response::returned_moref("CreateContainerView", text).map(|m| m.value);
    let _ = response::empty("Logout", text).map_err(|e| e.into_adapter("fuzz"));
    match response::retrieve_result("RetrievePropertiesEx", text) {
        Ok(page) => {
            for object in &page.objects {
                if let Some(error) = object.prop("info.error") {
                    let _ = localized_fault(error).to_string();
                }
            }
            if let Ok(inventory) = VsphereInventory::from_objects(&page.objects) {
                let core = inventory.to_core();
                assert_eq!(core.vms.len(), inventory.vms.len());
            }
        }
        Err(e) => {
            let _ = (e.fault().map(ToString::to_string), e.is_unsupported());
        }
    }
}
