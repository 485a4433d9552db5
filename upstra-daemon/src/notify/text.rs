//! The words of each message, in English and French. Names in them come from lab files and
//! peers: they are escaped (`upstra_core::text`) so a hostile one cannot forge a line of a
//! mail or drive a terminal that shows it.

use upstra_core::api::v1::PlanType;
use upstra_core::text::escape;

use super::compose::{Facts, Report};
use crate::config::notify::Language;

/// A duration as an operator reads it: `45 s`, `3 min 20 s`, `1 h 5 min`.
fn span(s: u64) -> String {
    match s {
        0..60 => format!("{s} s"),
        60..3600 if s.is_multiple_of(60) => format!("{} min", s / 60),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// `(title, body)` of a message in `lang`.
pub fn render(facts: &Facts, lang: Language) -> (String, String) {
    let fr = lang == Language::Fr;
    let e = |s: &str| escape(s).into_owned();
    match facts {
        Facts::OnBattery {
            ups,
            grace_s,
            flips,
        } => {
            let ups = e(ups);
            let grace = grace_s.map(span).unwrap_or_default();
            if fr {
                let mut body = format!("L'onduleur {ups} est sur batterie : le secteur est coupé.");
                if !grace.is_empty() {
                    body.push_str(&format!(" Délai de grâce : {grace}."));
                }
                if *flips > 0 {
                    body.push_str(&format!(" (après {flips} retour(s) bref(s) du secteur)"));
                }
                (format!("{ups} sur batterie"), body)
            } else {
                let mut body = format!("UPS {ups} is on battery: mains has failed.");
                if !grace.is_empty() {
                    body.push_str(&format!(" Grace period: {grace}."));
                }
                if *flips > 0 {
                    body.push_str(&format!(" (after mains returned briefly {flips} time(s))"));
                }
                (format!("{ups} on battery"), body)
            }
        }
        Facts::OnMains {
            ups,
            after_s,
            acted,
        } => {
            let ups = e(ups);
            match (fr, acted) {
                (false, true) => (
                    format!("{ups} back on mains"),
                    format!(
                        "Mains is back on UPS {ups}. The restore follows once mains is stable."
                    ),
                ),
                (true, true) => (
                    format!("{ups} de nouveau sur secteur"),
                    format!(
                        "Le secteur est revenu sur l'onduleur {ups}. La remise en route suit dès qu'il est stable."
                    ),
                ),
                (false, false) => (
                    format!("{ups} back on mains"),
                    format!(
                        "Mains failed on UPS {ups} and returned within {}, nothing done.",
                        span(*after_s)
                    ),
                ),
                (true, false) => (
                    format!("{ups} de nouveau sur secteur"),
                    format!(
                        "Le secteur a manqué sur l'onduleur {ups} et est revenu en {}, rien n'a été fait.",
                        span(*after_s)
                    ),
                ),
            }
        }
        Facts::Flapping {
            ups,
            failures,
            span_s,
        } => {
            let ups = e(ups);
            if fr {
                (
                    format!("{ups} : secteur instable"),
                    format!(
                        "Le secteur a manqué puis est revenu {failures} fois en {} sur l'onduleur {ups}, rien n'a été fait.",
                        span(*span_s)
                    ),
                )
            } else {
                (
                    format!("{ups}: mains flapping"),
                    format!(
                        "Mains failed and returned {failures} times in {} on UPS {ups}, nothing done.",
                        span(*span_s)
                    ),
                )
            }
        }
        Facts::LowBattery { ups, status } => {
            let (ups, status) = (e(ups), e(status));
            if fr {
                (
                    format!("{ups} : batterie faible"),
                    format!("L'onduleur {ups} signale une batterie faible ({status})."),
                )
            } else {
                (
                    format!("{ups}: low battery"),
                    format!("UPS {ups} reports a low battery ({status})."),
                )
            }
        }
        Facts::CommsLost { ups, reason } => {
            let (ups, reason) = (e(ups), e(reason));
            if fr {
                (
                    format!("{ups} ne répond plus"),
                    format!("L'onduleur {ups} ne répond plus : {reason}"),
                )
            } else {
                (
                    format!("{ups} not answering"),
                    format!("UPS {ups} cannot be read: {reason}"),
                )
            }
        }
        Facts::CommsRestored { ups } => {
            let ups = e(ups);
            if fr {
                (
                    format!("{ups} répond de nouveau"),
                    format!("L'onduleur {ups} répond de nouveau."),
                )
            } else {
                (
                    format!("{ups} answers again"),
                    format!("UPS {ups} answers again."),
                )
            }
        }
        Facts::PlanTriggered {
            run,
            ups,
            reason,
            steps,
            makespan_s,
            runtime_s,
        } => {
            let ups = e(&ups.join(", "));
            let reason = e(reason);
            let runtime = runtime_s.map(span);
            if fr {
                let left = runtime.map_or("autonomie restante inconnue".to_owned(), |r| {
                    format!("autonomie restante {r}")
                });
                (
                    format!("Délestage lancé ({ups})"),
                    format!(
                        "Plan de délestage {run} lancé pour {ups} : {reason}\n{steps} étapes, durée prévue {} ; {left}.",
                        span(*makespan_s)
                    ),
                )
            } else {
                let left = runtime.map_or("runtime left unknown".to_owned(), |r| {
                    format!("runtime left {r}")
                });
                (
                    format!("Shed started ({ups})"),
                    format!(
                        "Shed run {run} started for {ups}: {reason}\n{steps} steps, predicted to take {} against {left}.",
                        span(*makespan_s)
                    ),
                )
            }
        }
        Facts::StepFailed {
            run,
            step,
            action,
            detail,
        } => {
            let (action, detail) = (e(action), e(detail));
            if fr {
                (
                    format!("Étape {step} en échec (run {run})"),
                    format!("L'étape {step} ({action}) du run {run} a échoué : {detail}"),
                )
            } else {
                (
                    format!("Step {step} failed (run {run})"),
                    format!("Step {step} ({action}) of run {run} failed: {detail}"),
                )
            }
        }
        Facts::PlanFinished(r) => report(r, fr),
        Facts::UncleanStart { previous_start_ms } => {
            let since = previous_start_ms
                .map(|ms| {
                    let at = std::time::UNIX_EPOCH
                        + std::time::Duration::from_millis(ms.max(0).unsigned_abs());
                    humantime::format_rfc3339_seconds(at).to_string()
                })
                .unwrap_or_default();
            if fr {
                let mut body = "Le démon a redémarré après un arrêt inachevé (tué, planté ou coupure de courant) : ce qu'il faisait peut être à moitié fait. Vérifiez `upstra plan status`.".to_owned();
                if !since.is_empty() {
                    body.push_str(&format!(
                        "
Exécution précédente démarrée le {since}."
                    ));
                }
                ("Upstra a redémarré après un arrêt brutal".into(), body)
            } else {
                let mut body = "The daemon started after a stop it did not finish (killed, crashed, or power lost): what it was doing may be half done. Check `upstra plan status`.".to_owned();
                if !since.is_empty() {
                    body.push_str(&format!(
                        "
The previous run started at {since}."
                    ));
                }
                ("Upstra restarted after an unclean stop".into(), body)
            }
        }
        Facts::LoginFailures {
            failures,
            within_s,
            users,
        } => {
            let users: Vec<String> = users.iter().map(|u| e(u)).collect();
            let users = users.join(", ");
            if fr {
                (
                    "Échecs de connexion en rafale".into(),
                    format!(
                        "{failures} connexions ont échoué en {} (noms essayés : {users}). Quelqu'un essaie peut-être de deviner un mot de passe : voir `upstra audit --action login`.",
                        span(*within_s)
                    ),
                )
            } else {
                (
                    "A burst of failed logins".into(),
                    format!(
                        "{failures} logins failed within {} (names tried: {users}). Someone may be guessing passwords: see `upstra audit --action login`.",
                        span(*within_s)
                    ),
                )
            }
        }
        Facts::AuditBroken { verified, problem } => {
            let problem = e(problem);
            if fr {
                (
                    "Journal d'audit altéré".into(),
                    format!(
                        "`audit verify` a trouvé la chaîne d'audit rompue après {verified} enregistrements : {problem}"
                    ),
                )
            } else {
                (
                    "Audit trail tampered with".into(),
                    format!(
                        "`audit verify` found the audit chain broken after {verified} records: {problem}"
                    ),
                )
            }
        }
    }
}

fn report(r: &Report, fr: bool) -> (String, String) {
    let state = r.state.as_str();
    let shed = r.plan == PlanType::Shed;
    let mut body = if fr {
        let what = if shed {
            "Le délestage"
        } else {
            "La remise en route"
        };
        format!(
            "{what} (run {}) est terminé(e) : {state}. {} faites, {} en échec, {} sautées.",
            r.run, r.done, r.failed, r.skipped
        )
    } else {
        let what = if shed { "The shed" } else { "The restore" };
        format!(
            "{what} (run {}) ended: {state}. {} done, {} failed, {} skipped.",
            r.run, r.done, r.failed, r.skipped
        )
    };
    if let Some((n, of)) = r.restored {
        body.push_str(&if fr {
            format!("\nVérifié de retour : {n} sur {of}.")
        } else {
            format!("\nVerified back: {n} of {of}.")
        });
    }
    if !r.not_back.is_empty() {
        body.push_str(if fr {
            "\nPas de retour :"
        } else {
            "\nNot back:"
        });
        for n in &r.not_back {
            body.push_str(&format!("\n- {}", escape(n)));
        }
    }
    if !r.failures.is_empty() {
        body.push_str(if fr {
            "\nÉtapes en échec :"
        } else {
            "\nFailed steps:"
        });
        for f in &r.failures {
            body.push_str(&format!("\n- {}", escape(f)));
        }
    }
    let title = match (fr, shed) {
        (false, true) => format!("Shed report: {state}"),
        (false, false) => format!("Restore report: {state}"),
        (true, true) => format!("Rapport de délestage : {state}"),
        (true, false) => format!("Rapport de remise en route : {state}"),
    };
    (title, body)
}

/// The test message of `upstra notify test`.
pub fn test_message(lang: Language, channel: &str) -> (String, String) {
    let channel = escape(channel);
    if lang == Language::Fr {
        (
            "Message de test d'Upstra".into(),
            format!("Ceci est un message de test du canal {channel}. Rien ne s'est passé."),
        )
    } else {
        (
            "Upstra test message".into(),
            format!("This is a test message of channel {channel}. Nothing happened."),
        )
    }
}
