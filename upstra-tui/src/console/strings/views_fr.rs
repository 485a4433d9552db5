//! La vue historique et les formulaires en français.

use super::views::{FormWords, HistoryWords, filter_parts};
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
        let mut parts = vec![format!("n° {}", r.seq)];
        if let Some(uid) = r.peer_uid {
            parts.push(format!("uid Unix {uid}"));
        }
        if let Some(c) = &r.correlation {
            parts.push(format!("corrélation {c}"));
        }
        if let Some(d) = &r.detail {
            parts.push(d.clone());
        }
        parts.join(" · ")
    },
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
    },
    title: |p| match p {
        FormPurpose::AuditFilter => "Filtrer l'historique",
        FormPurpose::AddUser => "Ajouter un utilisateur",
        FormPurpose::AddGrant => "Accorder un rôle",
        FormPurpose::SetupAdmin => "Le premier admin",
        FormPurpose::LabFile => "Charger un fichier de lab",
        FormPurpose::Room => "Ajouter une salle",
        FormPurpose::Ups => "Ajouter un onduleur",
        FormPurpose::Vcenter => "Déclarer le vCenter",
        FormPurpose::Server => "Ajouter un serveur",
    },
    hint: |p| match p {
        FormPurpose::AuditFilter => {
            "Un champ vide laisse tout passer. Depuis : une durée (90m, 2h, 3d) ou une date \
             (2026-11-25, 2026-11-25T10:00:00Z). Cible : une partie (server:, esx-a1)."
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
            "NUT : nomups@hôte:port. Utilisateur et mot de passe seulement si upsd les demande."
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
