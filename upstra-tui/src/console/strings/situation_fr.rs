//! Ce que fait la coupure maintenant, en français.

use upstra_core::api::v1::{PlanType, RunStatus};

use super::situation::{SituationWords, step_at};
use crate::format;

fn secs(s: u64) -> String {
    format::runtime(Some(s))
}

/// La durée d'un plan et la part de son chemin critique : deux grandeurs différentes quand
/// des migrations attendent une place sur un hôte.
pub fn length(makespan: u64, critical: u64) -> String {
    if critical >= makespan {
        format!("environ {}, tout sur le chemin critique", secs(makespan))
    } else {
        format!(
            "environ {} : chemin critique {}, le reste attend une place de migration",
            secs(makespan),
            secs(critical)
        )
    }
}

fn kind(kind: PlanType) -> &'static str {
    match kind {
        PlanType::Restore => "rétablissement",
        _ => "délestage",
    }
}

pub static SITUATION: SituationWords = SituationWords {
    on_battery: |ups, acting_in, plan, runtime| {
        let when = match acting_in {
            Some(0) => "action maintenant".to_owned(),
            Some(s) => format!("action dans {}", secs(s)),
            None => "le démon agit à la fin du délai de grâce ou sur batterie faible".to_owned(),
        };
        let battery = runtime
            .map(|r| format!(" ; autonomie de la batterie {}", secs(r)))
            .unwrap_or_default();
        format!(
            "Onduleur {ups} sur batterie : {when}. Son plan de {} : {} étape{}, {}{battery}.",
            kind(plan.kind),
            plan.steps.len(),
            if plan.steps.len() > 1 { "s" } else { "" },
            length(plan.makespan_s, plan.critical_path_s)
        )
    },
    triggered: |ups| format!("Onduleur {ups} : le plan est déclenché ; il démarre."),
    mains_back: |ups, by_hand| {
        if by_hand {
            format!(
                "Onduleur {ups} : le secteur est revenu ; le délestage a été lancé à la main : \
                 le lab reste délesté jusqu'à ce que vous le rétablissiez."
            )
        } else {
            format!(
                "Onduleur {ups} : le secteur est revenu ; le lab reste délesté jusqu'au \
                 rétablissement."
            )
        }
    },
    restoring: |ups| format!("Onduleur {ups} : rétablissement du lab en cours."),
    awaiting_restore: |runs| {
        let runs: Vec<String> = runs.iter().map(|r| format!("exécution {r}")).collect();
        format!(
            "Délesté, en attente de rétablissement ({}) : ce qui a été arrêté le reste \
             jusqu'au rétablissement.",
            runs.join(", ")
        )
    },
    running_elsewhere: |run, ups| {
        format!(
            "Exécution {} en cours : {}. Ci-dessous, le plan qu'une coupure de l'onduleur \
             {ups} lancerait maintenant.",
            run.id,
            (SITUATION.progress)(run)
        )
    },
    progress: |run| {
        let (at, of) = step_at(run);
        format!("{} : étape {at} sur {of}", (SITUATION.doing)(run))
    },
    doing: |run| match (run.plan.kind, run.state) {
        (_, RunStatus::Cancelling) => "annulation",
        (_, RunStatus::Halting) => "arrêt",
        (PlanType::Restore, _) => "rétablissement",
        _ => "délestage",
    },
    length,
    legend_run: |runtime| {
        let battery = runtime
            .map(|r| format!("  ┊ autonomie {}", secs(r)))
            .unwrap_or_default();
        format!("█ réel  ░ prévu  * chemin critique{battery}")
    },
    actual: |s| {
        let start = s.started_s?;
        let end = s
            .ended_s
            .map(secs)
            .unwrap_or_else(|| "toujours en cours".to_owned());
        Some(format!(
            "En réalité {} → {end} ; prévu {} → {}",
            secs(start),
            secs(s.start_s),
            secs(s.end_s)
        ))
    },
    help_view: "Cette vue",
    help_steps: "Choisir une étape",
    help_ups: "Onduleur précédent / suivant",
    help_toggle: "Passer du plan à l'exécution",
    help_move: "Monter / descendre",
    help_tabs: "Onglet précédent / suivant",
    help_fold: "Replier ou remonter / déplier ou descendre",
};
