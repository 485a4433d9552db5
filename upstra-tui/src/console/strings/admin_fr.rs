//! La vue des comptes en français.

use upstra_core::api::v1::SessionScope;

use super::admin::AdminWords;
use crate::console::call::Request;
use crate::console::state::AdminTab;

pub static ADMIN: AdminWords = AdminWords {
    title: "Comptes",
    tab: |t| match t {
        AdminTab::Users => "Utilisateurs",
        AdminTab::Access => "Rôles et droits",
        AdminTab::People => "Sessions et présence",
    },
    loading: "Lecture des comptes…",
    not_admin: "Les utilisateurs, rôles et droits demandent la permission admin : voici vos \
                sessions et qui est connecté.",
    no_users: "Aucun utilisateur.",
    col_name: "Utilisateur",
    col_role: "Rôle",
    col_scoped: "Droits",
    col_two_factor: "2FA",
    col_state: "État",
    col_created: "Créé (UTC)",
    user_state: |u| {
        if u.disabled {
            "DÉSACTIVÉ"
        } else if u.must_change_password {
            "doit changer son mot de passe"
        } else {
            "actif"
        }
    },
    yes: "oui",
    no: "non",
    roles_title: "Rôles",
    col_permissions: "Permissions",
    builtin: "intégré",
    grants_title: "Droits (Suppr en retire un, + en ajoute un)",
    col_user: "Utilisateur",
    col_on: "Sur",
    presence_title: "Connectés maintenant",
    nobody: "Personne d'autre.",
    col_since: "Depuis (UTC)",
    col_connections: "Connexions",
    col_uids: "uid Unix",
    sessions_title: |of| match of {
        None => "Vos sessions (Suppr en ferme une)".to_owned(),
        Some(user) => format!("Sessions de {user} (Suppr les ferme toutes)"),
    },
    col_id: "Id",
    col_scope: "Peut",
    col_last_seen: "Vue",
    col_expires: "Expire",
    scope: |s| match s {
        SessionScope::Full => "tout",
        SessionScope::EnrollTwoFactor => "activer la 2FA",
        SessionScope::ChangePassword => "changer de mot de passe",
    },
    this_one: "celle-ci",
    hint_tabs: "onglets",
    hint_rows: "lignes",

    secret_title: "Secret à usage unique",
    secret_intro: |user| {
        format!(
            "Donnez ce secret à {user}. Il permet une seule connexion, pour choisir un nouveau \
             mot de passe ; ses autres sessions ont été fermées :"
        )
    },
    secret_expires: |at| format!("Il est valable jusqu'à {at} et ne sera plus affiché."),
    secret_close: "Entrée : il est transmis (le secret est effacé de cette console)",

    question: |r| match r {
        Request::SetDisabled {
            user,
            disabled: true,
        } => format!("Désactiver l'utilisateur {user} ? Ses sessions se ferment aussitôt."),
        Request::SetDisabled {
            user,
            disabled: false,
        } => format!("Réactiver l'utilisateur {user} ?"),
        Request::ResetPassword { user } => format!(
            "Réinitialiser le mot de passe de {user} ? Son mot de passe ne marche plus et ses \
             sessions se ferment ; il se connecte une fois avec le secret affiché ensuite."
        ),
        Request::RemoveGrant(g) => format!(
            "Retirer le rôle {} de {} sur {} ?",
            g.role, g.user, g.resource
        ),
        Request::EndSession { id } => format!(
            "Fermer votre session {id} ? Si c'est celle-ci, la console vous demandera de vous \
             reconnecter."
        ),
        Request::EndSessionsOf { user } => format!("Fermer toutes les sessions de {user} ?"),
        _ => String::new(),
    },
    detail: |r| match r {
        Request::SetDisabled { disabled: true, .. } => {
            Some("Il ne peut plus se connecter tant qu'un admin ne le réactive pas.".to_owned())
        }
        _ => None,
    },
    working: |r| match r {
        Request::SetDisabled {
            user,
            disabled: true,
        } => format!("Désactivation de {user}…"),
        Request::SetDisabled { user, .. } => format!("Réactivation de {user}…"),
        Request::ResetPassword { user } => {
            format!("Réinitialisation du mot de passe de {user}…")
        }
        Request::RemoveGrant(g) => format!("Retrait du droit de {} sur {}…", g.user, g.resource),
        Request::EndSession { id } => format!("Fermeture de la session {id}…"),
        Request::EndSessionsOf { user } => format!("Fermeture des sessions de {user}…"),
        _ => String::new(),
    },
    done: |r| match r {
        Request::SetDisabled {
            user,
            disabled: true,
        } => format!("{user} est désactivé."),
        Request::SetDisabled { user, .. } => format!("{user} est réactivé."),
        Request::ResetPassword { user } => {
            format!("Le mot de passe de {user} est réinitialisé : transmettez le secret.")
        }
        Request::RemoveGrant(g) => {
            format!("{} n'a plus le rôle {} sur {}.", g.user, g.role, g.resource)
        }
        Request::EndSession { id } => format!("Session {id} fermée."),
        Request::EndSessionsOf { user } => format!("Les sessions de {user} sont fermées."),
        _ => String::new(),
    },
    failed: |r, why| {
        let what = match r {
            Request::SetDisabled {
                user,
                disabled: true,
            } => format!("désactiver {user}"),
            Request::SetDisabled { user, .. } => format!("réactiver {user}"),
            Request::ResetPassword { user } => {
                format!("réinitialiser le mot de passe de {user}")
            }
            Request::RemoveGrant(g) => {
                format!("retirer le droit de {} sur {}", g.user, g.resource)
            }
            Request::EndSession { id } => format!("fermer la session {id}"),
            Request::EndSessionsOf { user } => format!("fermer les sessions de {user}"),
            _ => "faire cela".to_owned(),
        };
        format!("Impossible de {what} : {why}")
    },
    user_added: |name| format!("Utilisateur {name} ajouté."),
    grant_added: |g| {
        format!(
            "{} a maintenant le rôle {} sur {}.",
            g.user, g.role, g.resource
        )
    },
    sessions_ended: |user, n| match n {
        0 => format!("{user} n'avait aucune session."),
        1 => format!("1 session de {user} fermée."),
        n => format!("{n} sessions de {user} fermées."),
    },
    need_field: |label| format!("Remplissez « {label} »."),
};
