//! L'assistant de première mise en service en français.

use upstra_core::api::v1::{ChangeKind, EntityKind, Reachability};
use upstra_core::state::PowerState;

use super::setup::SetupWords;
use crate::console::state::SetupChoice;
use crate::format;

pub static SETUP: SetupWords = SetupWords {
    title: "Première mise en service",
    steps: ["Admin", "Lab", "Vérification", "Fin"],
    admin_intro: "Le magasin du démon n'a encore aucun utilisateur. Créez le premier admin : la \
                  console se connecte ensuite avec.",
    menu_intro: "Déclarez le lab : depuis un fichier de lab (le format que lit `upstra apply`), \
                 ou élément par élément. Après chacun, tous les équipements sont lus pour \
                 montrer ce qui répond.",
    choice: |c| match c {
        SetupChoice::LabFile => "Charger un fichier de lab",
        SetupChoice::Room => "Ajouter une salle",
        SetupChoice::Ups => "Ajouter un onduleur",
        SetupChoice::Vcenter => "Déclarer le vCenter",
        SetupChoice::Server => "Ajouter un serveur",
        SetupChoice::Check => "Vérifier les connexions",
        SetupChoice::Finish => "Terminer : ouvrir le lab",
    },
    object: |kind, name| match kind {
        EntityKind::Room => format!("salle {name}"),
        EntityKind::Ups => format!("onduleur {name}"),
        EntityKind::Server => format!("serveur {name}"),
        EntityKind::Vcenter => "le vCenter".to_owned(),
        EntityKind::Plan => "les réglages du plan".to_owned(),
        EntityKind::Vm => format!("VM {name}"),
        EntityKind::Unknown => format!("objet {name}"),
    },
    declared_title: "Déclaré ici :",
    holds: |rooms, ups, servers, vms| {
        format!(
            "Le magasin contient {rooms} salle(s), {ups} onduleur(s), {servers} serveur(s) ; \
             {vms} VM vue(s)."
        )
    },
    review_title: "Ce que change le fichier de lab (rien n'est encore appliqué) :",
    change: |c| {
        let what = (SETUP.object)(c.entity, &c.name);
        match &c.kind {
            ChangeKind::Create => format!("création     {what}"),
            ChangeKind::Update { fields } => {
                format!("mise à jour  {what} ({})", fields.join(", "))
            }
            ChangeKind::Unchanged => format!("inchangé     {what}"),
            ChangeKind::Unknown => format!("changement   {what}"),
        }
    },
    check_title: "Ce qui répond maintenant",
    checking: "Lecture de chaque onduleur, BMC et du vCenter…",
    sync_line: |r| {
        format!(
            "{} onduleur(s) et {} serveur(s) lus ; {} VM vues sur le vCenter.",
            r.ups_read, r.servers_read, r.vms
        )
    },
    problems_title: "Ne répondent pas :",
    ups_line: |u| match u.reachability {
        Reachability::Ok => format!(
            "onduleur {:<10} répond : {} {}",
            u.name,
            u.status.as_deref().unwrap_or("?"),
            format::percent(u.charge_pct)
        ),
        Reachability::CommsLost => format!(
            "onduleur {:<10} NE RÉPOND PAS : {}",
            u.name,
            u.comms_lost_reason.as_deref().unwrap_or("?")
        ),
        _ => format!("onduleur {:<10} pas encore lu", u.name),
    },
    server_line: |s| match (&s.bmc_url, s.power) {
        (None, _) => format!("serveur {:<10} aucun BMC déclaré", s.name),
        (Some(_), PowerState::Unknown) => {
            format!("serveur {:<10} BMC non lu (voir plus bas)", s.name)
        }
        (Some(_), power) => {
            let power = match power {
                PowerState::On => "sous tension",
                PowerState::Off => "hors tension",
                other => other.as_str(),
            };
            format!("serveur {:<10} le BMC répond : {power}", s.name)
        }
    },
    busy: "En cours…",
    footer_admin: "Tab champ suivant  Entrée créer  Échap quitter",
    footer_menu: "↑↓ choisir  Entrée ouvrir  Échap terminer",
    footer_review: "Entrée appliquer  Échap retour",
    footer_check: "Entrée retour au menu",
    bad_number: |label| format!("« {label} » attend un nombre."),
    bad_address: |typed| {
        format!(
            "L'adresse « {typed} » n'est pas hôte[:port] (port de 1 à 65535, 161 s'il est omis)."
        )
    },
    not_one_of: |label, typed, choices| {
        format!("« {label} » prend l'une des valeurs {choices} (←/→ les propose), pas « {typed} ».")
    },
    either_or: |a, b| format!("Donnez soit « {a} », soit « {b} », pas les deux."),
    length: |label, min, max, len| {
        format!("« {label} » doit faire de {min} à {max} octets (il en fait {len}).")
    },
    priv_without_protocol: |password, protocol| {
        format!(
            "Un « {password} » demande un « {protocol} » autre que none (←/→), ou laissez-le \
             vide pour se passer de chiffrement."
        )
    },
    cannot_read: |path, reason| {
        format!(
            "Impossible de lire {path} : {reason}. Vérifiez le chemin sur cette machine et ses \
             droits ; rien n'a été appliqué."
        )
    },
    lab_problems: |n| match n {
        1 => "Le fichier de lab a un problème ; rien n'a été appliqué :".to_owned(),
        n => format!("Le fichier de lab a {n} problèmes ; rien n'a été appliqué :"),
    },
    applied: |n| match n {
        0 | 1 => format!("Appliqué : {n} élément déclaré."),
        n => format!("Appliqué : {n} éléments déclarés."),
    },
};
