//! `upstra export [--json]`: the stored declaration as a lab file on standard output, which
//! `upstra apply` reads back without a change. Secrets stay in the daemon: a login that has a
//! password gets a `password_file` line naming the file to fill in next to the lab file.

use std::path::Path;

use upstra_core::api::v1::{LabExport, secret_slot_name};
use upstra_core::lab::export::render;
use upstra_core::model::Inventory;

use super::{out, out_json, signed_in};
use crate::client::timeouts;
use crate::error::CliError;

pub async fn run(socket: &Path, json: bool) -> Result<(), CliError> {
    let (conn, token) = signed_in(socket).await?;
    let export: LabExport = conn
        .call(timeouts::CALL, |c, ctx| async move {
            c.export_lab(ctx, token).await
        })
        .await?;
    if json {
        return out_json(&export);
    }
    let stored = export.passwords_stored.clone();
    // The daemon's declaration was checked when applied; checked again here all the same, as
    // every reply is, rather than written out unseen.
    let inventory = export
        .spec
        .into_inventory(&Inventory::default())
        .map_err(|problems| {
            CliError::Failed(format!(
                "the daemon's declaration does not read as a lab file ({}); please report it",
                problems.join("; ")
            ))
        })?;
    out(&render(&inventory, &|slot| {
        stored.contains(&secret_slot_name(slot))
    }))
}
