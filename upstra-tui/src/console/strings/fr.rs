//! Français. Written for operators: the words of French keyboards ("Entrée", "Échap") and of
//! vSphere in French ("sous tension", "hors tension"), "onduleur" for UPS, a space before
//! `:` and `?`, a decimal comma.

use upstra_core::api::v1::{
    ApiError, ConflictReason, PlanType, Reachability, SecondFactorCode, ServerCategory,
    ServerPowerAction, VmPowerRequest, VmPowerState,
};
use upstra_core::events::DomainEvent;
use upstra_core::state::Health;

use super::{KeyWords, Strings, capitalise};
use crate::console::command_table::{Applies, Command, Group};
use crate::console::message::Link;
use crate::console::operation::Operation;
use crate::format;

pub static FR: Strings = Strings {
    app: "Upstra",
    separator: " │ ",
    colon: " : ",
    keys: KeyWords {
        ctrl: "Ctrl",
        alt: "Alt",
        shift: "Maj",
        enter: "Entrée",
        esc: "Échap",
        tab: "Tab",
        backtab: "Maj-Tab",
        backspace: "Retour arrière",
        space: "Espace",
        home: "Début",
        end: "Fin",
        page_up: "Pg préc",
        page_down: "Pg suiv",
        delete: "Suppr",
        insert: "Inser",
    },
    not_logged_in: "non connecté",
    connecting: "connexion…",
    connected: "connecté",
    connection_lost: "connexion perdue",
    on_battery: "SUR BATTERIE",

    tree_title: "Lab",
    details_title: "Détails",
    loading: "Chargement de l'inventaire…",
    empty_lab: "Rien n'est encore déclaré : lancez `upstra apply -f lab.toml`.",
    nothing_selected: "Sélectionnez un élément à gauche.",
    unplaced_vms: "VM sur aucun serveur connu",
    also_fed_by: "aussi",
    no_ups: "sans onduleur",
    comms_lost: "liaison perdue",
    not_read_yet: "pas encore lu",
    checking_session: "Vérification de votre session…",
    tree_matches: |n| match n {
        0 => "aucun résultat".to_owned(),
        1 => "1 résultat".to_owned(),
        n => format!("{n} résultats"),
    },
    tree_no_match: |text| {
        format!(
            "Rien ne correspond à « {text} ». Retour arrière modifie le filtre, Échap l'efface."
        )
    },
    clear_filter: "effacer le filtre",

    footer_starting: "q quitter",
    footer_login: "Tab champ suivant  Entrée se connecter  Échap quitter  F1 aide",
    footer_second_totp: "Tab code de secours  Entrée se connecter  Échap retour",
    footer_second_recovery: "Tab code de l'application  Entrée se connecter  Échap retour",
    footer_enroll: "Entrée valider  Échap quitter  F1 aide",
    footer_enroll_failed: "Entrée réessayer  Échap quitter",
    footer_codes: "Entrée je les ai mis en lieu sûr",
    footer_password: "Tab champ suivant  Entrée enregistrer  Échap quitter",
    footer_palette: "↑↓ choisir  Entrée exécuter  Échap fermer",
    footer_confirm: "←→ Non/Oui  Entrée répondre  Échap non",
    footer_hosts: "↑↓ choisir  Entrée migrer là  Échap annuler",
    footer_help: "Échap fermer",
    footer_filter: "tapez un nom  ↑↓ aller  Entrée garder le filtre  Échap l'effacer",

    login_title: "Connexion à Upstra",
    login_daemon: "Démon",
    login_user: "Utilisateur",
    login_password: "Mot de passe",
    login_pending: "Connexion…",
    code_totp: "Code",
    code_recovery: "Code de secours",
    second_hint_totp: |user| {
        format!(
            "La double authentification est activée pour {user} : saisissez le code à \
             6 chiffres de votre application d'authentification."
        )
    },
    second_hint_recovery: "Saisissez l'un de vos codes de secours (ABCD-EFGH) ; chacun ne sert \
                           qu'une fois.",

    enroll_title: "Activer la double authentification",
    enroll_why: "Votre compte doit utiliser la double authentification avant toute autre chose.",
    enroll_requesting: "Demande d'une nouvelle clé au démon…",
    enroll_failed: "Impossible de démarrer l'activation :",
    enroll_step_scan: "1. Scannez le QR code avec votre application d'authentification, ou \
                       ajoutez cette clé à la main (basée sur l'heure, 6 chiffres, 30 s) :",
    enroll_step_code: "2. Saisissez le code à 6 chiffres qu'elle affiche :",
    enroll_confirming: "Vérification du code…",
    enroll_no_qr: "Impossible de dessiner le QR code de cette clé : ajoutez-la à la main.",
    enroll_too_small: "Agrandissez le terminal pour voir le QR code.",
    codes_title: "La double authentification est activée",
    codes_warning: "NOTEZ CES CODES DE SECOURS MAINTENANT : ils ne s'affichent qu'une fois.",
    codes_use: "Chacun permet une connexion si vous perdez votre application (Tab à l'étape du \
                code).",
    codes_keep: "Gardez-les dans un gestionnaire de mots de passe ou sur papier, pas sur cet \
                 ordinateur.",
    codes_next: "Appuyez ensuite sur Entrée et reconnectez-vous, avec un code de votre \
                 application.",

    password_title: "Choisir un nouveau mot de passe",
    password_why: |user| {
        format!(
            "Un administrateur a réinitialisé le mot de passe de {user} : choisissez-en un \
             nouveau pour continuer."
        )
    },
    password_new: "Nouveau",
    password_repeat: "Confirmation",
    password_pending: "Enregistrement…",

    palette_title: "Commandes et lab",
    palette_hint: "Tapez pour chercher commandes, salles, onduleurs, serveurs et VM",
    palette_empty: "Aucun résultat.",
    confirm_title: "Confirmer",
    confirm_yes: "Oui",
    confirm_no: "Non",
    confirm_question,
    confirm_detail,
    hosts_title: |vm| format!("Migrer la VM {vm} vers"),

    help_title: "Touches",
    help_group: |g| match g {
        Group::Navigation => "Navigation",
        Group::General => "Général",
        Group::Lab => "Sur la sélection (avec confirmation)",
        Group::Views => "Vues",
        Group::Plan => "Plan de coupure (avec confirmation)",
        Group::Admin => "Comptes (avec confirmation)",
    },
    help_note: "Ctrl-C quitte depuis n'importe où. Les touches se changent dans keys.toml.",
    help_demo: |user, password| format!("Connexion de la démo : {user} / {password}"),
    help_login: &[
        (
            "Tab ↑ ↓",
            "champ suivant ; au code : application ou secours",
        ),
        ("Entrée", "se connecter"),
        ("Échap", "revenir au mot de passe, ou quitter"),
        ("F1", "cette aide"),
    ],
    help_enroll: &[
        ("0-9", "le code qu'affiche votre application"),
        (
            "Entrée",
            "activer la double authentification ; ensuite, passer à la connexion",
        ),
        ("Échap", "quitter (activer plus tard)"),
    ],
    help_password: &[
        ("Tab ↑ ↓", "champ suivant"),
        ("Entrée", "enregistrer le nouveau mot de passe"),
        ("Échap", "quitter"),
    ],
    command: |c| match c {
        Command::Up => "Monter",
        Command::Down => "Descendre",
        Command::First => "Début / fin de liste",
        Command::Last => "Dernière ligne",
        Command::Collapse => "Replier ou remonter",
        Command::Expand => "Déplier ou descendre",
        Command::Toggle => "Replier ou déplier",
        Command::Palette => "Palette de commandes",
        Command::Help => "Touches (cette aide)",
        Command::Language => "Passer en anglais (English)",
        Command::Refresh => "Actualiser le lab",
        Command::Quit => "Quitter",
        Command::PowerOn => "Mettre sous tension",
        Command::Shutdown => "Arrêter (proprement)",
        Command::PowerOff => "Mettre hors tension (brutal)",
        Command::Cycle => "Redémarrer (proprement)",
        Command::Migrate => "Migrer vers un autre hôte",
        Command::Shell => "Ouvrir un shell (SSH)",
        Command::NextShell => "Onglet de shell suivant",
        Command::PageUp => "Page préc. / suiv.",
        Command::PageDown => "Page suivante",
        Command::ViewLab => "Lab : arbre et détails",
        Command::ViewPlan => "Plan de coupure",
        Command::ViewHistory => "Historique d'audit",
        Command::ViewAdmin => "Comptes et sessions",
        Command::ViewDashboard => "Tableau de bord",
        Command::NextView => "Vue suiv. / préc.",
        Command::PreviousView => "Vue précédente",
        Command::PlanRun => "Exécuter maintenant le plan de l'onduleur",
        Command::PlanCancel => "Annuler le plan en cours",
        Command::PlanRestore => "Rétablir le lab maintenant",
        Command::PlanSimulate => "Simuler une coupure (vérifications sans effet)",
        Command::DemoPowerCut => "Démo : couper ou rendre le secteur d'un onduleur",
        Command::Filter => "Filtrer la liste",
        Command::Add => "Ajouter un utilisateur, un rôle ou un droit",
        Command::Disable => "Désactiver ou réactiver l'utilisateur",
        Command::ResetPassword => "Réinitialiser le mot de passe",
        Command::SetRole => "Donner un rôle sur tout",
        Command::Remove => "Retirer l'utilisateur, le rôle, le droit, ou la session",
    },
    command_short: |c| match c {
        Command::Up | Command::Down => "aller",
        Command::Collapse | Command::Expand | Command::Toggle => "plier",
        Command::First => "début",
        Command::Last => "fin",
        Command::Palette => "palette",
        Command::Help => "aide",
        Command::Language => "english",
        Command::Refresh => "actualiser",
        Command::Quit => "quitter",
        Command::PowerOn => "allumer",
        Command::Shutdown => "arrêter",
        Command::PowerOff => "couper",
        Command::Cycle => "redémarrer",
        Command::Migrate => "migrer",
        Command::Shell => "shell",
        Command::NextShell => "shells",
        Command::PageUp | Command::PageDown => "page",
        Command::ViewLab => "lab",
        Command::ViewPlan => "plan",
        Command::ViewHistory => "historique",
        Command::ViewAdmin => "comptes",
        Command::ViewDashboard => "tableau",
        Command::NextView | Command::PreviousView => "vues",
        Command::PlanRun => "exécuter",
        Command::PlanCancel => "annuler",
        Command::PlanRestore => "rétablir",
        Command::PlanSimulate => "simuler",
        Command::DemoPowerCut => "démo coupure",
        Command::Filter => "filtrer",
        Command::Add => "ajouter",
        Command::Disable => "désactiver",
        Command::ResetPassword => "réinitialiser",
        Command::Remove => "retirer",
        Command::SetRole => "rôle",
    },

    need_user: "Saisissez votre nom d'utilisateur.",
    need_password: "Saisissez votre mot de passe.",
    need_code: "Saisissez le code à 6 chiffres de votre application.",
    need_recovery_code: "Saisissez l'un de vos codes de secours.",
    totp_format: "Le code compte 6 chiffres.",
    challenge_expired: "Les 5 minutes pour saisir le code sont écoulées : saisissez à nouveau \
                        votre mot de passe.",
    session_expired: "Votre session a pris fin : reconnectez-vous.",
    two_factor_on: "La double authentification est activée : reconnectez-vous, avec un code de \
                    votre application.",
    need_new_password: "Saisissez un nouveau mot de passe.",
    passwords_differ: "Les deux mots de passe diffèrent.",
    password_changed: "Mot de passe changé : connectez-vous avec le nouveau.",
    language_switched: "La console parle maintenant français.",
    select_target: |a| match a {
        Applies::ServersAndVms => "Sélectionnez d'abord un serveur ou une VM.",
        Applies::Servers => "Sélectionnez d'abord un serveur.",
        Applies::Vms => "Sélectionnez d'abord une VM.",
        Applies::Anything => "Sélectionnez d'abord un élément.",
        Applies::Ups => "Sélectionnez d'abord un onduleur (ou un serveur qu'il alimente).",
    },
    no_other_host: |vm| format!("Aucun autre hyperviseur vers lequel migrer la VM {vm}."),
    session_not_saved: |why| {
        format!("Impossible de garder la session pour les autres commandes upstra : {why}")
    },
    code_problem: |p| {
        Some(match p {
            SecondFactorCode::Replayed => {
                "Ce code a déjà servi : attendez le suivant (les codes changent toutes les 30 s)."
            }
            SecondFactorCode::Wrong => {
                "Code faux ou expiré : saisissez celui qu'affiche votre application."
            }
            SecondFactorCode::RecoveryUsed => "Ce code de secours a déjà servi.",
            SecondFactorCode::RecoveryWrong => "Code de secours faux ou déjà utilisé.",
            SecondFactorCode::NotRecoveryCode => {
                "Ce n'est pas un code de secours : ils ont la forme ABCD-EFGH."
            }
            SecondFactorCode::NotEnabled => {
                "La double authentification n'est pas activée pour ce compte."
            }
            SecondFactorCode::Unknown => return None,
        })
    },

    link: |l| match l {
        Link::NotRunning => {
            "Impossible de joindre le démon : upstrad tourne-t-il ? (voir --socket, \
                             UPSTRA_SOCKET)"
                .to_owned()
        }
        Link::NoPermission => {
            "Le socket du démon vous refuse : il est réservé à root et au groupe upstra.".to_owned()
        }
        Link::Closed => {
            "Le démon a fermé la connexion : s'est-il arrêté ou a-t-il redémarré ?".to_owned()
        }
        Link::Timeout(s) => format!("Le démon n'a pas répondu en {s} s."),
        Link::Other(why) => capitalise(why),
    },
    api_error,
    conflict,
    working: |op| format!("{}…", capitalise(&doing(op))),
    done: |op, report| {
        format!(
            "{} : {} (en {}).",
            capitalise(&target(op)),
            power_words(&report.state),
            format::millis(report.took_ms).replace('.', ",")
        )
    },
    operation_failed: |op, why| format!("Impossible de {} : {why}", phrase(op)),

    label_room: "Salle",
    label_ups: "Onduleur",
    label_server: "Serveur",
    label_vm: "VM",
    label_status: "État",
    label_charge: "Batterie",
    label_runtime: "Autonomie",
    label_load: "Charge",
    label_input: "Tension",
    label_reachability: "Joignable",
    label_nut: "NUT",
    label_snmp: "SNMP",
    label_updated: "Mis à jour",
    label_reason: "Raison",
    label_kind: "Type",
    label_power: "Alimentation",
    label_health: "Santé",
    label_feeds: "Alimenté par",
    label_tier: "Niveau",
    label_depends_on: "Dépend de",
    label_migrate_to: "Migrer vers",
    label_vsphere_host: "vSphere",
    label_bmc: "BMC",
    label_watts: "Conso",
    label_maintenance: "Maintenance",
    label_vms: "VM",
    label_servers: "Serveurs",
    label_host: "Hôte",
    label_cpus: "Processeurs",
    label_memory: "Mémoire",
    label_id: "Id",
    yes: "oui",
    no: "non",

    power: |p| match p {
        "on" => "sous tension",
        "off" => "hors tension",
        "powering-on" => "mise sous tension",
        "powering-off" => "mise hors tension",
        "suspended" => "interrompu",
        "unknown" => "inconnu",
        other => other,
    },
    health: |h| match h {
        Health::Ok => "ok",
        Health::Warning => "avertissement",
        Health::Critical => "critique",
        Health::Unknown => "inconnue",
    },
    kind: |k| match k {
        ServerCategory::Hypervisor => "hyperviseur",
        ServerCategory::Storage => "stockage",
        ServerCategory::Network => "réseau",
        ServerCategory::Other => "autre",
        ServerCategory::Unknown => "inconnu",
    },
    reachability: |r| match r {
        Reachability::Ok => "oui",
        Reachability::CommsLost => "liaison perdue",
        Reachability::Unknown => "inconnu",
    },
    vm_count: |n| format!("{n} VM"),
    event,
    ssh: &crate::console::ssh::strings::FR,

    plan: &super::plan_fr::PLAN,
    dashboard: &super::dashboard_fr::DASHBOARD,
    situation: &super::situation_fr::SITUATION,
    history: &super::views_fr::HISTORY,
    forms: &super::views_fr::FORMS,
    admin: &super::admin_fr::ADMIN,
    setup: &super::setup_fr::SETUP,
};

fn power_words(state: &str) -> String {
    let (first, rest) = state.split_once(' ').unwrap_or((state, ""));
    let word = (FR.power)(first);
    if rest.is_empty() {
        word.to_owned()
    } else {
        format!("{word} {rest}")
    }
}

/// "serveur esx-a1", "VM web-01".
fn target(op: &Operation) -> String {
    match op {
        Operation::Server { server, .. } => format!("serveur {server}"),
        Operation::Vm { name, .. } | Operation::Migrate { name, .. } => format!("VM {name}"),
    }
}

/// "le serveur esx-a1", "la VM web-01".
fn the_target(op: &Operation) -> String {
    format!(
        "{} {}",
        match op {
            Operation::Server { .. } => "le",
            _ => "la",
        },
        target(op)
    )
}

/// "mettre hors tension le serveur esx-a1": the operation as an infinitive phrase.
fn phrase(op: &Operation) -> String {
    let verb = match op {
        Operation::Server { action, .. } => match action {
            ServerPowerAction::On => "mettre sous tension",
            ServerPowerAction::Off => "mettre hors tension",
            ServerPowerAction::Shutdown => "arrêter",
            ServerPowerAction::Cycle => "redémarrer",
        },
        Operation::Vm { action, .. } => match action {
            VmPowerRequest::On => "mettre sous tension",
            VmPowerRequest::Off => "mettre hors tension",
            VmPowerRequest::Shutdown => "arrêter",
        },
        Operation::Migrate { name, to, .. } => return format!("migrer la VM {name} vers {to}"),
    };
    format!("{verb} {}", the_target(op))
}

/// "mise hors tension du serveur esx-a1".
fn doing(op: &Operation) -> String {
    let (noun, of) = match op {
        Operation::Server { action, server } => (
            match action {
                ServerPowerAction::On => "mise sous tension",
                ServerPowerAction::Off => "mise hors tension",
                ServerPowerAction::Shutdown => "arrêt",
                ServerPowerAction::Cycle => "redémarrage",
            },
            format!("du serveur {server}"),
        ),
        Operation::Vm { action, name, .. } => (
            match action {
                VmPowerRequest::On => "mise sous tension",
                VmPowerRequest::Off => "mise hors tension",
                VmPowerRequest::Shutdown => "arrêt du système invité",
            },
            format!("de la VM {name}"),
        ),
        Operation::Migrate { name, to, .. } => {
            return format!("migration de la VM {name} vers {to}");
        }
    };
    format!("{noun} {of}")
}

fn confirm_question(op: &Operation) -> String {
    let how = match op {
        Operation::Server { action, .. } => match action {
            ServerPowerAction::On => "",
            ServerPowerAction::Off => " (coupure brutale, comme débrancher la prise)",
            ServerPowerAction::Shutdown => " (arrêt propre, par son système d'exploitation)",
            ServerPowerAction::Cycle => " (redémarrage propre)",
        },
        Operation::Vm { action, name, .. } => match action {
            VmPowerRequest::On => "",
            VmPowerRequest::Off => " (coupure brutale, comme débrancher la prise)",
            VmPowerRequest::Shutdown => {
                return format!(
                    "Arrêter proprement le système invité de la VM {name} (par VMware Tools) ?"
                );
            }
        },
        Operation::Migrate { name, from, to, .. } => {
            let from = from
                .as_deref()
                .map(|f| format!(" depuis {f}"))
                .unwrap_or_default();
            return format!(
                "Migrer la VM {name}{from} vers {to} (à chaud : elle continue de tourner) ?"
            );
        }
    };
    format!("{}{how} ?", capitalise(&phrase(op)))
}

fn confirm_detail(op: &Operation, running_vms: usize) -> Option<String> {
    let one = running_vms == 1;
    match op {
        Operation::Server { action, .. } if running_vms > 0 => match action {
            ServerPowerAction::Off => Some(if one {
                "Sa VM en marche s'arrête net, sans arrêt propre.".to_owned()
            } else {
                format!("Ses {running_vms} VM en marche s'arrêtent net, sans arrêt propre.")
            }),
            ServerPowerAction::Shutdown => Some(if one {
                "Sa VM en marche s'arrête avec lui : migrez-la d'abord pour la garder.".to_owned()
            } else {
                format!(
                    "Ses {running_vms} VM en marche s'arrêtent avec lui : migrez-les d'abord \
                     pour les garder."
                )
            }),
            ServerPowerAction::Cycle => Some(if one {
                "Sa VM en marche redémarre avec lui.".to_owned()
            } else {
                format!("Ses {running_vms} VM en marche redémarrent avec lui.")
            }),
            ServerPowerAction::On => None,
        },
        Operation::Vm {
            action: VmPowerRequest::Off,
            ..
        } => Some("Le système invité n'a pas le temps d'enregistrer son travail.".to_owned()),
        _ => None,
    }
}

/// The conflicts not about accounts, in French: the daemon says them in English.
fn conflict(reason: ConflictReason) -> Option<String> {
    Some(match reason {
        ConflictReason::SetupDone => {
            "La mise en service est déjà faite : connectez-vous.".to_owned()
        }
        ConflictReason::UserExists => "Cet utilisateur existe déjà.".to_owned(),
        ConflictReason::GrantExists => {
            "Cet utilisateur a déjà ce rôle sur cette ressource.".to_owned()
        }
        ConflictReason::TwoFactorOn => {
            "La double authentification est déjà activée : désactivez-la d'abord.".to_owned()
        }
        ConflictReason::NothingToConfirm => {
            "Rien à confirmer : activez d'abord la double authentification.".to_owned()
        }
        ConflictReason::TwoFactorRequired => "La politique impose la double authentification \
                                              à votre compte ; un admin peut la changer."
            .to_owned(),
        ConflictReason::BackupInProgress { retry_after_s } => format!(
            "Une sauvegarde est déjà en cours : réessayez dans {}.",
            format::wait(retry_after_s)
        ),
        ConflictReason::RunInProgress { run } => {
            format!("L'exécution {run} est en cours : attendez sa fin, ou arrêtez-la.")
        }
        ConflictReason::NoRunningPlan => "Aucun plan ne tourne.".to_owned(),
        ConflictReason::NothingToRestore => {
            "Rien à rétablir : chaque délestage a été défait.".to_owned()
        }
        ConflictReason::UpsOnBattery => "Un onduleur est encore sur batterie : rétablir \
                                         maintenant remettrait des serveurs sur une \
                                         alimentation qui lâche."
            .to_owned(),
        // The figure first, as the daemon puts it: the status line may wrap.
        ConflictReason::UpsNotBackYet { retry_after_s } => format!(
            "Réessayez dans {retry_after_s} s : un onduleur qui devait couper puis rendre sa \
             sortie ne l'a pas encore rendue."
        ),
        ConflictReason::SshSessionClosed => {
            "Cette session SSH est déjà enregistrée comme fermée.".to_owned()
        }
        // Worded by `admin.problem`, or unknown to this console: the daemon's sentence.
        ConflictReason::RoleExists
        | ConflictReason::LastAdmin
        | ConflictReason::BuiltinRole
        | ConflictReason::RoleInUse { .. }
        | ConflictReason::Unknown => return None,
    })
}

fn api_error(e: &ApiError) -> String {
    match e {
        ApiError::Unauthenticated => "Votre session a pris fin.".to_owned(),
        ApiError::BadCredentials => "Nom d'utilisateur ou mot de passe incorrect.".to_owned(),
        ApiError::SecondFactorRefused { reason, .. } => format!("Code refusé : {reason}"),
        ApiError::SessionLimited { can, .. } => {
            format!("Cette session ne peut que {can}.")
        }
        ApiError::Forbidden { needed } => {
            format!("Permission refusée : il faut la permission {needed}.")
        }
        ApiError::RateLimited { retry_after_s } => format!(
            "Trop de tentatives : réessayez dans {}.",
            format::wait(*retry_after_s)
        ),
        ApiError::Busy { .. } => "Le démon vérifie d'autres connexions : réessayez dans \
                                  quelques secondes."
            .to_owned(),
        ApiError::NotFound { what } => format!("Introuvable : {what}."),
        ApiError::Invalid { problems } => format!("Refusé : {}.", problems.join(" ; ")),
        ApiError::Conflict { message, .. } => format!("Impossible : {message}."),
        ApiError::Unavailable { message } => {
            format!("Le démon ne peut pas le faire pour l'instant : {message}.")
        }
        ApiError::Misconfigured { message } => format!("Configuration à corriger : {message}."),
        ApiError::Internal { reference } => format!(
            "Erreur interne (référence {reference}) ; le journal du démon donne les détails."
        ),
        other => other.to_string(),
    }
}

fn plan_kind(kind: PlanType) -> &'static str {
    match kind {
        PlanType::Restore => "rétablissement",
        _ => "délestage",
    }
}

fn event(e: &DomainEvent) -> String {
    let power = |p: &str| (FR.power)(p).to_owned();
    match e {
        DomainEvent::DaemonStarted { version } => format!("démon {version} démarré"),
        DomainEvent::UpsStatusChanged { ups, from, to } => {
            format!("onduleur {ups} : {from} → {to}")
        }
        DomainEvent::UpsCommsLost { ups, reason } => {
            format!("onduleur {ups} : liaison perdue ({reason})")
        }
        DomainEvent::UpsCommsRestored { ups } => format!("onduleur {ups} : liaison rétablie"),
        DomainEvent::UpsBatteryChanged {
            ups,
            charge_pct,
            runtime_s,
        } => format!(
            "onduleur {ups} : batterie {}, autonomie {}",
            format::percent(*charge_pct),
            format::runtime(*runtime_s)
        ),
        DomainEvent::PeerUnreachable { peer, reason } => {
            format!("{peer} ne répond pas ({reason})")
        }
        DomainEvent::PeerRecovered { peer } => format!("{peer} répond à nouveau"),
        DomainEvent::ServerPowerChanged { server, from, to } => format!(
            "serveur {server} : {} → {}",
            power(from.as_str()),
            power(to.as_str())
        ),
        DomainEvent::VmPowerChanged { name, from, to, .. } => format!(
            "VM {name} : {} → {}",
            power(VmPowerState::from(*from).as_str()),
            power(VmPowerState::from(*to).as_str())
        ),
        DomainEvent::VmMoved { name, to, .. } => {
            format!("VM {name} déplacée vers {}", to.as_deref().unwrap_or("?"))
        }
        DomainEvent::VmGone { name, .. } => format!("VM {name} disparue"),
        DomainEvent::InventoryApplied {
            by,
            created,
            updated,
        } => format!(
            "{by} a appliqué un fichier de lab (ajouts : {created}, mises à jour : {updated})"
        ),
        DomainEvent::UserLoggedIn { user } => format!("connexion de {user}"),
        DomainEvent::UserLoggedOut { user } => format!("déconnexion de {user}"),
        DomainEvent::UserConnected { user } => format!("{user} est en ligne"),
        DomainEvent::UserDisconnected { user } => format!("{user} est hors ligne"),
        DomainEvent::OutageGraceStarted { ups, grace_s } => format!(
            "onduleur {ups} sur batterie : délai de grâce de {} en cours",
            format::runtime(Some(*grace_s))
        ),
        DomainEvent::OutagePowerReturned { ups, after_s } => format!(
            "onduleur {ups} : secteur revenu après {}, rien n'a été fait",
            format::runtime(Some(*after_s))
        ),
        DomainEvent::OutageSelfTestIgnored { ups } => {
            format!("onduleur {ups} : autotest sur batterie, pas une coupure")
        }
        DomainEvent::OutageCommsAlarm {
            ups,
            reason,
            silent_s,
            acts_in_s,
        } => match (silent_s, acts_in_s) {
            (Some(silent), Some(0)) => format!(
                "onduleur {ups} : aucune réponse depuis {} ({reason}) ; action immédiate",
                format::runtime(Some(*silent))
            ),
            (Some(silent), Some(acts)) => format!(
                "onduleur {ups} : aucune réponse depuis {} ({reason}) ; action dans {} s'il ne répond pas",
                format::runtime(Some(*silent)),
                format::runtime(Some(*acts))
            ),
            (Some(silent), None) => format!(
                "onduleur {ups} : aucune réponse depuis {} ({reason}) ; sa politique ne fait qu'alerter, rien n'est arrêté",
                format::runtime(Some(*silent))
            ),
            (None, _) => format!("onduleur {ups} muet ({reason})"),
        },
        DomainEvent::OutageTriggered { ups, reason } => {
            format!("onduleur {ups} : plan de coupure déclenché ({reason})")
        }
        DomainEvent::OutageMainsReturned { ups } => {
            format!("onduleur {ups} : secteur revenu après le début du délestage")
        }
        DomainEvent::OutagePowerLostAgain { ups } => {
            format!("onduleur {ups} : nouvelle perte du secteur")
        }
        DomainEvent::OutageRestoreReady { ups } => {
            format!("onduleur {ups} : secteur stable, prêt à rétablir")
        }
        DomainEvent::RunStarted {
            run,
            plan,
            ups,
            steps,
            estimate_s,
            ..
        } => format!(
            "exécution {run} lancée : {} de l'onduleur {}, {steps} étapes, environ {}",
            plan_kind(*plan),
            ups.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            format::runtime(Some(*estimate_s))
        ),
        DomainEvent::RunStopping { run, reason } => {
            format!("exécution {run} en cours d'arrêt : {reason}")
        }
        DomainEvent::RunEnded {
            run,
            plan,
            state,
            done,
            failed,
            skipped,
        } => format!(
            "exécution {run} ({}) {} : {done} faites, {failed} en échec, {skipped} sautées",
            plan_kind(*plan),
            (FR.plan.run_state)(*state)
        ),
        DomainEvent::StepStarted { run, step, action } => {
            format!("exécution {run}, étape {step} : {action}")
        }
        DomainEvent::StepEnded {
            run,
            step,
            state,
            detail,
        } => format!(
            "exécution {run}, étape {step} {} : {detail}",
            (FR.plan.step_state)(Some(*state))
        ),
        DomainEvent::DaemonUncleanStart { .. } => {
            "démon redémarré après un arrêt brutal".to_owned()
        }
        DomainEvent::LoginFailuresBurst {
            failures, within_s, ..
        } => format!("{failures} connexions échouées en {} min", within_s / 60),
        DomainEvent::AuditChainBroken { verified, .. } => {
            format!("chaîne d'audit rompue après {verified} enregistrements")
        }
        DomainEvent::Remote { site, event, .. } => format!("[{site}] {}", self::event(event)),
        DomainEvent::Unknown { kind, .. } => format!(
            "événement inconnu de cette console : {} (démon plus récent)",
            upstra_core::text::escape(kind)
        ),
        other => other.kind().replace('_', " "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_read_as_french() {
        let off = Operation::Server {
            server: "esx-01".into(),
            action: ServerPowerAction::Off,
        };
        assert_eq!(
            confirm_question(&off),
            "Mettre hors tension le serveur esx-01 (coupure brutale, comme débrancher la prise) ?"
        );
        assert_eq!(
            confirm_detail(&off, 1).as_deref(),
            Some("Sa VM en marche s'arrête net, sans arrêt propre.")
        );
        let vm = Operation::Vm {
            id: "vm-1".into(),
            name: "web-01".into(),
            action: VmPowerRequest::On,
        };
        assert_eq!(doing(&vm), "mise sous tension de la VM web-01");
        assert_eq!(phrase(&vm), "mettre sous tension la VM web-01");
    }
}
