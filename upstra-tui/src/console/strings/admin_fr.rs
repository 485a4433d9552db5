//! La vue des comptes en français.

use upstra_core::api::v1::SessionScope;

use super::admin::AdminWords;
use crate::console::call::Request;
use crate::console::state::AdminTab;
use upstra_core::api::v1::ConflictReason;

pub static ADMIN: AdminWords = AdminWords {
    title: "Comptes",
    tab: |t| match t {
        AdminTab::Users => "Utilisateurs",
        AdminTab::Roles => "Rôles",
        AdminTab::Grants => "Droits",
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
    roles_title: "Rôles (+ en crée un, Suppr en retire un non intégré)",
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
        SessionScope::Unknown => "?",
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
        Request::RemoveUser { user } => format!(
            "Supprimer l'utilisateur {user} ? Ses droits partent avec lui et ses sessions se \
             ferment ; c'est définitif."
        ),
        Request::SetRole { user, role } => {
            format!("Donner à {user} le rôle {role} sur tout, à la place de celui qu'il y a ?")
        }
        Request::RemoveRole { name } => format!("Supprimer le rôle {name} ?"),
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
        Request::RemoveUser { .. } => Some(
            "Désactiver l'utilisateur à la place garde le compte et son historique.".to_owned(),
        ),
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
        Request::RemoveUser { user } => format!("Suppression de {user}…"),
        Request::SetRole { user, role } => format!("Attribution du rôle {role} à {user}…"),
        Request::RemoveRole { name } => format!("Suppression du rôle {name}…"),
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
        Request::RemoveUser { user } => format!("{user} est supprimé."),
        Request::SetRole { user, role } => format!("{user} a maintenant le rôle {role} sur tout."),
        Request::RemoveRole { name } => format!("Le rôle {name} est supprimé."),
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
            Request::RemoveUser { user } => format!("supprimer {user}"),
            Request::SetRole { user, role } => format!("donner à {user} le rôle {role}"),
            Request::RemoveRole { name } => format!("supprimer le rôle {name}"),
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

    permission: |name| match name {
        "read" => "voir le lab et son état",
        "write" => "modifier l'inventaire",
        "delete" => "retirer des objets de l'inventaire",
        "power" => "allumer et éteindre serveurs et VM",
        "migrate" => "migrer des VM, mode maintenance",
        "ssh" => "ouvrir un shell sur un serveur",
        "plan" => "lancer et annuler les plans de coupure",
        "audit" => "lire l'historique d'audit",
        "admin" => "utilisateurs, rôles, droits, réglages",
        _ => "",
    },
    role_title: "Nouveau rôle",
    role_permissions: "Permissions",
    role_hint: "Espace coche ou décoche la permission sous le repère. Un rôle se donne avec + \
                dans l'onglet des droits, ou sur tout avec A dans celui des utilisateurs.",
    role_footer: "Tab ↑↓ aller  Espace cocher  Entrée créer  Échap annuler",
    need_permission: "Cochez au moins une permission.",
    role_created: |name| format!("Rôle {name} créé."),
    builtin_role: |name| format!("{name} est un rôle intégré : il ne peut pas être supprimé."),
    picker_title: |user| format!("Rôle de {user} sur tout"),
    picker_current: "actuel",
    picker_footer: "↑↓ choisir  Entrée donner ce rôle  Échap annuler",
    problem: |p| {
        Some(match p {
            ConflictReason::LastAdmin => {
                "C'est le dernier admin : donnez d'abord le rôle admin à un autre utilisateur."
                    .to_owned()
            }
            ConflictReason::BuiltinRole => "C'est un rôle intégré.".to_owned(),
            ConflictReason::RoleInUse { grants: 1 } => {
                "Un droit le donne encore : retirez-le d'abord, dans l'onglet des droits."
                    .to_owned()
            }
            ConflictReason::RoleInUse { grants: n } => format!(
                "{n} droits le donnent encore : retirez-les d'abord, dans l'onglet des droits."
            ),
            ConflictReason::RoleExists => "Un rôle de ce nom existe déjà.".to_owned(),
            _ => return None,
        })
    },
};
