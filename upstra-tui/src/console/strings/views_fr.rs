//! La vue historique et les formulaires en français.

use super::views::{FormWords, HistoryWords, detail_parts, filter_parts, power_word};
use crate::audit_words::AuditFact;
use crate::console::state::{FieldName, FormPurpose};

pub static HISTORY: HistoryWords = HistoryWords {
    title: "Historique",
    loading: "Lecture du journal d'audit…",
    empty: "Aucun enregistrement ne correspond au filtre.",
    records: |n| match n {
        0 | 1 => format!("{n} enregistrement"),
        n => format!("{n} enregistrements"),
    },
    no_filter: "tout (/ pour filtrer)",
    filter: |f| filter_parts(f, ["utilisateur", "action", "cible", "depuis"]),
    per_day: "Par jour",
    per_action: "Par action",
    col_time: "Heure (UTC)",
    col_user: "Utilisateur",
    col_action: "Action",
    col_target: "Cible",
    col_result: "Résultat",
    detail: |r| {
        detail_parts(
            r,
            |n| format!("n° {n}"),
            |u| format!("uid Unix {u}"),
            |c| format!("corrélation {c}"),
            fact,
        )
    },
    fact,
    hint_records: "lignes",
    bad_since: |t| format!("« {t} » n'est ni une durée (90m, 2h, 3d) ni une date (2026-11-25)."),
    filtered: "Filtré : / change le filtre ; des champs vides montrent tout.",
};

pub static FORMS: FormWords = FormWords {
    field: |f| match f {
        FieldName::User => "Utilisateur",
        FieldName::Action => "Action",
        FieldName::Target => "Cible",
        FieldName::Since => "Depuis",
        FieldName::Name => "Nom",
        FieldName::Role => "Rôle",
        FieldName::Password => "Mot de passe",
        FieldName::Repeat => "Confirmation",
        FieldName::Resource => "Sur",
        FieldName::Path => "Fichier",
        FieldName::Room => "Salle",
        FieldName::Nut => "NUT",
        FieldName::Url => "URL",
        FieldName::Fingerprint => "Certificat épinglé",
        FieldName::Kind => "Type",
        FieldName::Feeds => "Alimenté par",
        FieldName::Tier => "Niveau",
        FieldName::VsphereHost => "Hôte vSphere",
        FieldName::BmcUrl => "URL du BMC",
        FieldName::Source => "Lu par",
        FieldName::Address => "Adresse",
        FieldName::Version => "Version",
        FieldName::Community => "Communauté",
        FieldName::CommunityFile => "Fichier communauté",
        FieldName::SnmpUser => "Utilisateur",
        FieldName::AuthProtocol => "Protocole auth",
        FieldName::AuthPassword => "Mot de passe auth",
        FieldName::PrivProtocol => "Protocole priv",
        FieldName::PrivPassword => "Mot de passe priv",
        FieldName::Mib => "MIB",
    },
    title: |p| match p {
        FormPurpose::AuditFilter => "Filtrer l'historique",
        FormPurpose::AddUser => "Ajouter un utilisateur",
        FormPurpose::AddGrant => "Accorder un rôle",
        FormPurpose::SetupAdmin => "Le premier admin",
        FormPurpose::LabFile => "Charger un fichier de lab",
        FormPurpose::Room => "Ajouter une salle",
        FormPurpose::Ups | FormPurpose::UpsSnmp => "Ajouter un onduleur",
        FormPurpose::Vcenter => "Déclarer le vCenter",
        FormPurpose::Server => "Ajouter un serveur",
    },
    hint: |p| match p {
        FormPurpose::AuditFilter => {
            "Un champ vide laisse tout passer. Utilisateur, action : leur début (plan : \
             plan_run, plan_restore). Cible : une partie (server:, db-01). Depuis : une durée \
             (90m, 2h, 3d) ou une date (2026-11-25)."
        }
        FormPurpose::AddUser => {
            "Rôles : admin, operator, viewer, ou un rôle créé dans l'onglet des rôles. Le mot \
             de passe se tape deux fois et ne s'affiche jamais."
        }
        FormPurpose::AddGrant => {
            "Sur : all, room:NOM, ups:NOM, server:NOM ou vm:ID. Un droit sur une salle couvre \
             ses serveurs et leurs VM."
        }
        FormPurpose::SetupAdmin => "Le mot de passe se tape deux fois et ne s'affiche jamais.",
        FormPurpose::LabFile => {
            "Un chemin sur cette machine ; ses fichiers de mots de passe sont lus ici aussi, \
             relativement à lui, puis envoyés au démon (voir config/demo-lab.toml pour le \
             format)."
        }
        FormPurpose::Room => "Un nom court : lab-a, salle-2.",
        FormPurpose::Ups => {
            "Lu par : ←/→ pour NUT ou SNMP. NUT : nomups@hôte:port. Utilisateur et mot de passe \
             seulement si upsd les demande."
        }
        FormPurpose::UpsSnmp => {
            "←/→ parcourent les choix. Adresse : hôte[:port], 161 par défaut. Communauté : \
             tapée (jamais affichée), ou un fichier sur cette machine."
        }
        FormPurpose::Vcenter => {
            "URL : https://vcenter.exemple/sdk. Certificat épinglé : son empreinte SHA-256, ou \
             vide pour l'épingler plus tard avec `upstra trust`."
        }
        FormPurpose::Server => {
            "Type : hypervisor, storage, network ou other. Alimenté par : ses onduleurs, \
             séparés par des virgules. URL, utilisateur et mot de passe du BMC : son accès \
             Redfish."
        }
    },
    footer: "Tab champ suivant  Entrée valider  Échap annuler",
    pending: "Envoi…",
};

/// Le détail d'un enregistrement d'audit, en mots.
fn fact(f: &AuditFact) -> String {
    match f {
        AuditFact::Moved { from, to } => format!("déplacée de {from} vers {to}"),
        AuditFact::Power {
            action,
            before,
            after,
        } => {
            let done = match action.as_str() {
                "on" => "allumé".to_owned(),
                "off" => "éteint".to_owned(),
                "shutdown" => "arrêté proprement".to_owned(),
                "cycle" => "redémarré électriquement".to_owned(),
                other => other.to_owned(),
            };
            let state = |s: &str| power_word(s, "allumé", "éteint");
            match (before, after) {
                (Some(b), Some(a)) => {
                    format!("{done} : était {}, maintenant {}", state(b), state(a))
                }
                (Some(b), None) => format!("{done} : était {}", state(b)),
                _ => done,
            }
        }
        AuditFact::Run { ups, steps, reason } => {
            let mut text = format!("{steps} étapes pour l'onduleur {}", ups.join(", "));
            if !reason.is_empty() {
                text.push_str(&format!(" : {reason}"));
            }
            text
        }
        AuditFact::Step {
            run,
            step,
            action,
            outcome,
        } => format!("exécution {run}, étape {step} : {action} : {outcome}"),
        AuditFact::RunEnded {
            run,
            plan,
            done,
            failed,
            skipped,
        } => {
            let plan = match plan.as_str() {
                "shed" => "délestage",
                "restore" => "rétablissement",
                other => other,
            };
            let mut text = format!("exécution {run} ({plan}) : {done} faites");
            for (n, what) in [(failed, "en échec"), (skipped, "sautées")] {
                if *n > 0 {
                    text.push_str(&format!(", {n} {what}"));
                }
            }
            text
        }
        AuditFact::Role {
            role,
            resource: Some(on),
        } => format!("rôle {role} sur {on}"),
        AuditFact::Role {
            role,
            resource: None,
        } => format!("rôle {role}"),
        AuditFact::Refusals { count, window_s } => {
            format!("{count} connexions refusées en {window_s} s")
        }
        AuditFact::Reason(why) => why.clone(),
        AuditFact::Fields(fields) => fields
            .iter()
            .map(|(k, v)| {
                if k.is_empty() {
                    v.clone()
                } else {
                    format!("{k} : {v}")
                }
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}
