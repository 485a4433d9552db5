//! `export_lab`: the stored declaration, for `upstra export` to write as a lab file.

use serde::{Deserialize, Serialize};

use super::LabSpec;

/// The declaration as stored, without a single secret: every `LoginSpec::password` is `None`,
/// and [`Self::passwords_stored`] says which logins have one, so that the lab file can name a
/// password file for each.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabExport {
    pub spec: LabSpec,
    /// The logins with a password stored: `ups:NAME`, `bmc:SERVER` and `vcenter`.
    pub passwords_stored: Vec<String>,
}

/// The name [`LabExport::passwords_stored`] gives a login's secret.
pub fn secret_slot_name(slot: &crate::lab::SecretSlot) -> String {
    use crate::lab::SecretSlot;
    match slot {
        SecretSlot::UpsLogin(id) => format!("ups:{id}"),
        SecretSlot::Bmc(id) => format!("bmc:{id}"),
        SecretSlot::VCenter => "vcenter".to_owned(),
        SecretSlot::SnmpCommunity(id) => format!("snmp-community:{id}"),
        SecretSlot::SnmpAuth(id) => format!("snmp-auth:{id}"),
        SecretSlot::SnmpPriv(id) => format!("snmp-priv:{id}"),
    }
}

impl LabExport {
    /// The export of `inventory`: its declaration with every password dropped, and the names
    /// of the logins that had one.
    pub fn of(inventory: &crate::model::Inventory) -> Self {
        use crate::lab::SecretSlot;
        let mut bare = inventory.clone();
        let mut stored = Vec::new();
        for ups in bare.ups.values_mut() {
            if let Some(login) = ups.login.as_mut()
                && login.password.take().is_some()
            {
                stored.push(secret_slot_name(&SecretSlot::UpsLogin(ups.id.clone())));
            }
        }
        for ups in bare.ups.values_mut() {
            if let crate::model::UpsSource::Snmp(snmp) = &mut ups.source {
                stored.extend(
                    strip_snmp_secrets(&mut snmp.security)
                        .into_iter()
                        .map(|slot| secret_slot_name(&slot(ups.id.clone()))),
                );
            }
        }
        for server in bare.servers.values_mut() {
            if let Some(bmc) = server.bmc.as_mut()
                && bmc.login.password.take().is_some()
            {
                stored.push(secret_slot_name(&SecretSlot::Bmc(server.id.clone())));
            }
        }
        if let Some(vc) = bare.vcenter.as_mut()
            && vc.login.password.take().is_some()
        {
            stored.push(secret_slot_name(&SecretSlot::VCenter));
        }
        Self {
            spec: LabSpec::from(&bare),
            passwords_stored: stored,
        }
    }
}

/// Takes every secret out of an SNMP agent's security; says which were there.
fn strip_snmp_secrets(
    security: &mut crate::snmp::SnmpSecurity,
) -> Vec<fn(crate::ids::UpsId) -> crate::lab::SecretSlot> {
    use crate::lab::SecretSlot;
    use crate::snmp::SnmpSecurity;
    let mut had: Vec<fn(crate::ids::UpsId) -> SecretSlot> = Vec::new();
    match security {
        SnmpSecurity::V1 { community } | SnmpSecurity::V2c { community } => {
            if community.take().is_some() {
                had.push(SecretSlot::SnmpCommunity);
            }
        }
        SnmpSecurity::V3(usm) => {
            if usm.auth_password.take().is_some() {
                had.push(SecretSlot::SnmpAuth);
            }
            if usm.priv_password.take().is_some() {
                had.push(SecretSlot::SnmpPriv);
            }
        }
    }
    had
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::{KnownNames, SecretSlot, parse};
    use crate::secret::Secret;

    #[test]
    fn an_export_holds_no_secret_and_says_which_are_set() {
        let mut doc = parse(
            "[[room]]\nname = \"r\"\n[[ups]]\nname = \"u\"\nroom = \"r\"\nnut = \"u@h\"\nuser = \"m\"\n\
             [[server]]\nname = \"s\"\nroom = \"r\"\nfeeds = [\"u\"]\n\
             bmc = { url = \"https://b/redfish/v1/Systems/1\", user = \"admin\" }\n",
            &KnownNames::default(),
        )
        .expect("valid");
        let sid = crate::ids::ServerId::new("s").expect("id");
        doc.fill_secret(&SecretSlot::Bmc(sid), Secret::new("bmc-secret-value"));
        let export = LabExport::of(&doc.inventory);
        assert_eq!(export.passwords_stored, ["bmc:s"]);
        let json = serde_json::to_string(&export).expect("JSON");
        assert!(!json.contains("bmc-secret-value"), "{json}");
    }
}
