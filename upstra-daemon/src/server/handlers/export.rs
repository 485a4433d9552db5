//! `export_lab`: the stored declaration without its secrets. Audited although it changes
//! nothing: it hands over the whole lab at once (addresses, logins, pinned keys), which the
//! lists only show piece by piece, and it is a deliberate act, rare enough to record.

use upstra_core::api::v1::{ApiError, LabExport};

use crate::server::service::Connection;
use crate::store::AuditEntry;

pub async fn export_lab(c: &Connection) -> Result<LabExport, ApiError> {
    let who = c.who()?.user.clone();
    let export = LabExport::of(&c.shared.inventory());
    c.audit(AuditEntry::new("export", "ok").actor(&who)).await;
    Ok(export)
}
