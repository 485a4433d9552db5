//! The SSH pane's words, in English ([`EN`]) and French ([`FR`]). A struct like the main
//! catalog, so a language that misses an entry does not compile; the main catalog reaches
//! this one through `Strings::ssh`.

use super::SshMessage;
use crate::console::strings::Strings;
use crate::ssh::{End, SshError};

/// One language's words for the pane.
pub struct SshStrings {
    pub authorizing: fn(&str) -> String,
    pub connecting: fn(&str, &str) -> String,
    pub password: fn(&str, &str) -> String,
    pub password_retry: &'static str,
    pub passphrase: fn(&str) -> String,
    pub prompt_hint: &'static str,
    pub host_key_title: &'static str,
    /// The server and the fingerprint it showed, with how to check it.
    pub host_key_text: fn(&str, &str) -> String,
    pub host_key_question: &'static str,
    pub host_key_not_admin: fn(&str) -> String,
    pub host_key_pinning: &'static str,
    pub footer_open: &'static str,
    pub footer_prompt: &'static str,
    pub footer_host_key_admin: &'static str,
    pub footer_host_key: &'static str,
    pub footer_waiting: &'static str,
    pub scrolled: fn(usize) -> String,
    pub no_shell: &'static str,
    pub refused: fn(&str, &str) -> String,
    pub pin_failed: fn(&str, &str) -> String,
    pub ended: fn(&str, &End, &str) -> String,
    pub error: fn(&SshError) -> String,
}

impl Strings {
    /// A message about shells, in this language.
    pub fn ssh_message(&self, message: &SshMessage) -> String {
        let s = self.ssh;
        match message {
            SshMessage::NoShell => s.no_shell.to_owned(),
            SshMessage::Refused { server, why } => (s.refused)(server, &self.message(why)),
            SshMessage::PinFailed { server, why } => (s.pin_failed)(server, &self.message(why)),
            SshMessage::Ended { server, end } => {
                let error = match end {
                    End::Failed(e) => (s.error)(e),
                    _ => String::new(),
                };
                (s.ended)(server, end, &error)
            }
        }
    }
}

pub static EN: SshStrings = SshStrings {
    authorizing: |server| format!("Asking the daemon for a shell on {server}…"),
    connecting: |server, address| format!("Connecting to {server} ({address})…"),
    password: |login, server| format!("Password of {login}@{server}"),
    password_retry: "Wrong password: try again.",
    passphrase: |path| format!("Passphrase of the key {path}"),
    prompt_hint: "Nothing you type is shown. Enter sends it, Esc gives up.",
    host_key_title: "Unknown host key",
    host_key_text: |server, fingerprint| {
        format!(
            "No host key is pinned for {server} in the inventory. It shows this one:\n\n  \
             {fingerprint}\n\nCompare it with the server's own (`ssh-keygen -lf` on its host key \
             file, or its console) before trusting it: a wrong key lets whoever sits in between \
             read everything typed here."
        )
    },
    host_key_question: "Pin this key in the inventory and connect?",
    host_key_not_admin: |server| {
        format!(
            "Only an admin can confirm a host key. Ask one to open a shell on {server} once, \
             or to pin it with `upstra ssh {server}`."
        )
    },
    host_key_pinning: "Pinning the key…",
    footer_open: "Ctrl-] back to the lab  Shift-PgUp/PgDn scroll back",
    footer_prompt: "Enter send  Esc give up  Ctrl-] back to the lab",
    footer_host_key_admin: "←→ No/Yes  Enter answer  Esc close",
    footer_host_key: "Esc close  Ctrl-] back to the lab",
    footer_waiting: "Esc give up  Ctrl-] back to the lab",
    scrolled: |lines| format!("scrolled back {lines} lines"),
    no_shell: "No shell is open: select a server and press e.",
    refused: |server, why| format!("No shell on {server}: {why}"),
    pin_failed: |server, why| format!("The host key of {server} was not pinned: {why}"),
    ended: |server, end, error| match end {
        End::Exited(Some(status)) => {
            format!("The shell on {server} ended: the remote shell exited (status {status}).")
        }
        End::Exited(None) => format!("The shell on {server} ended: the remote shell exited."),
        End::Killed(signal) => {
            format!("The shell on {server} ended: the remote shell was killed ({signal}).")
        }
        End::ClosedHere => format!("The shell on {server} is closed."),
        End::Lost(why) => format!("The shell on {server} ended: the connection was lost ({why})."),
        End::Failed(_) => format!("No shell on {server}: {error}"),
    },
    error: |e| e.to_string(),
};

pub static FR: SshStrings = SshStrings {
    authorizing: |server| format!("Demande d’un shell sur {server} au démon…"),
    connecting: |server, address| format!("Connexion à {server} ({address})…"),
    password: |login, server| format!("Mot de passe de {login}@{server}"),
    password_retry: "Mot de passe incorrect : réessayez.",
    passphrase: |path| format!("Phrase de passe de la clé {path}"),
    prompt_hint: "Rien de ce que vous tapez ne s’affiche. Entrée l’envoie, Échap abandonne.",
    host_key_title: "Clé d’hôte inconnue",
    host_key_text: |server, fingerprint| {
        format!(
            "Aucune clé d’hôte n’est épinglée pour {server} dans l’inventaire. Il présente \
             celle-ci :\n\n  {fingerprint}\n\nComparez-la à celle du serveur (`ssh-keygen -lf` \
             sur son fichier de clé d’hôte, ou sa console) avant de vous y fier : une mauvaise \
             clé permet à qui s’interpose de lire tout ce qui est tapé ici."
        )
    },
    host_key_question: "Épingler cette clé dans l’inventaire et se connecter ?",
    host_key_not_admin: |server| {
        format!(
            "Seul un administrateur peut confirmer une clé d’hôte. Demandez-lui d’ouvrir une \
             fois un shell sur {server}, ou de l’épingler avec `upstra ssh {server}`."
        )
    },
    host_key_pinning: "Épinglage de la clé…",
    footer_open: "Ctrl-] retour au labo  Maj-PgPréc/PgSuiv historique",
    footer_prompt: "Entrée envoyer  Échap abandonner  Ctrl-] retour au labo",
    footer_host_key_admin: "←→ Non/Oui  Entrée répondre  Échap fermer",
    footer_host_key: "Échap fermer  Ctrl-] retour au labo",
    footer_waiting: "Échap abandonner  Ctrl-] retour au labo",
    scrolled: |lines| format!("{lines} lignes plus haut"),
    no_shell: "Aucun shell ouvert : sélectionnez un serveur et appuyez sur e.",
    refused: |server, why| format!("Pas de shell sur {server} : {why}"),
    pin_failed: |server, why| format!("La clé d’hôte de {server} n’a pas été épinglée : {why}"),
    ended: |server, end, error| match end {
        End::Exited(Some(status)) => {
            format!(
                "Le shell sur {server} est terminé : le shell distant a quitté (code {status})."
            )
        }
        End::Exited(None) => {
            format!("Le shell sur {server} est terminé : le shell distant a quitté.")
        }
        End::Killed(signal) => {
            format!("Le shell sur {server} est terminé : le shell distant a été tué ({signal}).")
        }
        End::ClosedHere => format!("Le shell sur {server} est fermé."),
        End::Lost(why) => {
            format!("Le shell sur {server} est terminé : la connexion est perdue ({why}).")
        }
        End::Failed(_) => format!("Pas de shell sur {server} : {error}"),
    },
    error: |e| match e {
        SshError::Connect {
            server,
            address,
            detail,
        } => format!("impossible de joindre {server} ({address}) : {detail}"),
        SshError::Timeout {
            server,
            address,
            seconds,
        } => format!("{server} ({address}) n’a pas répondu en {seconds} s"),
        SshError::HostKeyMismatch { server, .. } => format!(
            "la clé d’hôte de {server} ne correspond pas à celle épinglée dans l’inventaire : \
             c’est peut-être une attaque de l’homme du milieu ; rien n’a été envoyé"
        ),
        SshError::HostKeyUnpinned {
            server,
            fingerprint,
            ..
        } => format!(
            "la clé d’hôte de {server} n’est pas encore épinglée (empreinte {fingerprint}) ; \
             un administrateur doit la confirmer"
        ),
        SshError::BadPinnedKey { server, detail } => {
            format!(
                "la clé d’hôte épinglée pour {server} n’est pas une clé OpenSSH valide : {detail}"
            )
        }
        SshError::AuthFailed {
            server,
            login,
            tried,
        } => format!("{server} a refusé la connexion de {login} (essayé : {tried})"),
        SshError::Cancelled { server } => format!("la connexion à {server} est abandonnée"),
        SshError::Session { server, detail } => {
            format!("la session SSH avec {server} a échoué : {detail}")
        }
    },
};
