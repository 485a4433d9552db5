//! La vue du plan en français : « délestage » pour le plan qui arrête la charge d'un
//! onduleur, « rétablissement » pour celui qui la rend.

use upstra_core::api::v1::{PlanType, RunStatus, StepKind, StepStatus, WatchState};

use super::capitalise;
use super::plan::{PlanWords, split_target};
use crate::console::call::Request;
use crate::format;
use upstra_core::outage::Unfit;

fn secs(s: u64) -> String {
    format::runtime(Some(s))
}

pub static PLAN: PlanWords = PlanWords {
    title: "Plan",
    no_ups: "Aucun onduleur n'est déclaré : il n'y a rien à planifier.",
    loading: "Lecture du plan…",
    nothing_to_do: "Rien à faire : aucun serveur ne dépend de ce seul onduleur.",
    preview_line: |ups, plan| {
        let mut line = format!(
            "Si l'onduleur {ups} perdait le secteur maintenant : plan de {}, {} étape{}, {}",
            kind(plan.kind),
            plan.steps.len(),
            if plan.steps.len() > 1 { "s" } else { "" },
            super::situation_fr::length(plan.makespan_s, plan.critical_path_s)
        );
        if let Some(r) = plan.runtime_s {
            line.push_str(&format!(" ; autonomie de la batterie {}", secs(r)));
        }
        line.push('.');
        line
    },
    run_line: |run| {
        let c = &run.counts;
        let mut parts = vec![format!("{} faite{}", c.done, plural(c.done))];
        for (n, what) in [
            (c.running, "en cours"),
            (c.pending, "en attente"),
            (c.failed, "en échec"),
            (c.skipped, "sautée(s)"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        let by = run
            .by
            .as_deref()
            .map(|u| format!(", lancé par {u}"))
            .unwrap_or_default();
        if run.state.is_active() {
            // Pendant l'exécution, où elle en est : « délestage de l'onduleur ups-a1, étape 3 sur 5 ».
            let (at, of) = super::situation::step_at(run);
            return format!(
                "Exécution {} : {} de l'onduleur {}{by}, étape {at} sur {of} : {}. Raison : {}.",
                run.id,
                (super::situation_fr::SITUATION.doing)(run),
                run.plan.ups.join(", "),
                parts.join(", "),
                run.reason
            );
        }
        format!(
            "Exécution {} : {} de l'onduleur {}, {}{by} : {}. Raison : {}.",
            run.id,
            kind(run.plan.kind),
            run.plan.ups.join(", "),
            run_state(run.state),
            parts.join(", "),
            run.reason
        )
    },
    simulation_line: |ups, r| {
        let fits = match r.fits_runtime {
            Some(true) => "il tient dans l'autonomie annoncée par l'onduleur",
            Some(false) => "ATTENTION : il ne tient pas dans l'autonomie annoncée par l'onduleur",
            None => "l'onduleur n'annonce pas d'autonomie à laquelle le comparer",
        };
        format!(
            "Coupure simulée de l'onduleur {ups} : le démon agirait {} ; {fits}.",
            r.trigger
        )
    },
    phase: |p| match p {
        WatchState::Online => "sur secteur",
        WatchState::OnBattery => "SUR BATTERIE",
        WatchState::SelfTest => "autotest",
        WatchState::Triggered => "plan déclenché",
        WatchState::PowerBack => "secteur revenu, attente",
        WatchState::Restoring => "rétablissement",
        WatchState::Unknown => "?",
    },
    grace: |s| format!("grâce {}", secs(s)),
    step_label: |kind, name| match kind {
        StepKind::MigrateVm => format!("migrer la VM {name}"),
        StepKind::StopVm => format!("arrêter la VM {name}"),
        StepKind::StartVm => format!("démarrer la VM {name}"),
        StepKind::EnterMaintenance => format!("maintenance de {name}"),
        StepKind::ExitMaintenance => format!("fin de maintenance de {name}"),
        StepKind::ShutdownServer => format!("éteindre {name}"),
        StepKind::PowerOnServer => format!("allumer {name}"),
        StepKind::WaitConnected => format!("attendre {name}"),
        StepKind::UpsOff => format!("couper la sortie de {name}"),
        StepKind::ShutdownThisHost => format!("éteindre {name} (ici)"),
        StepKind::Unknown => format!("? {name}"),
    },
    step_state: |s| match s {
        None => "",
        Some(StepStatus::Pending) => "en attente",
        Some(StepStatus::Started | StepStatus::Dispatched) => "en cours",
        Some(StepStatus::Done) => "fait",
        Some(StepStatus::Failed) => "ÉCHEC",
        Some(StepStatus::Skipped) => "sauté",
        Some(StepStatus::Unknown) => "?",
    },
    run_state,
    col_step: "étape",
    col_state: "état",
    legend: |runtime| {
        let battery = runtime
            .map(|r| format!("  ┊ autonomie {}", secs(r)))
            .unwrap_or_default();
        format!("█ chemin critique  ▒ autres étapes{battery}")
    },
    legend_output_cut: |s| format!("╳ coupure {}", secs(s)),
    demo_last_out: |kind| match kind {
        StepKind::UpsOff => {
            Some("Démo : l'onduleur simulé coupe sa sortie ; aucun onduleur réel n'est sollicité.")
        }
        StepKind::ShutdownThisHost => Some(
            "Démo : simulé ; cet hôte s'éteindrait ici, mais cette machine ne s'éteint jamais.",
        ),
        _ => None,
    },
    step_title: |n| format!("Étape {n}"),
    step_facts: |s| {
        let mut parts = Vec::new();
        if !s.after.is_empty() {
            let after: Vec<String> = s.after.iter().map(|n| format!("n° {n}")).collect();
            parts.push(format!("après {}", after.join(", ")));
        }
        parts.push(format!("estimation {}", secs(s.estimate_s)));
        parts.push(format!("{} → {}", secs(s.start_s), secs(s.end_s)));
        if s.critical {
            parts.push("sur le chemin critique".to_owned());
        }
        capitalise(&parts.join(" · "))
    },
    step_result: |s| {
        let state = s.state?;
        let running = matches!(state, StepStatus::Started | StepStatus::Dispatched);
        let took = s
            .took_ms
            .map(|ms| {
                let took = format::millis(ms).replace('.', ",");
                if running {
                    format!(" depuis {took}")
                } else {
                    format!(" en {took}")
                }
            })
            .unwrap_or_default();
        let attempts = match s.attempts {
            0 | 1 => String::new(),
            n => format!(", {n} tentatives"),
        };
        let outcome = s
            .outcome
            .as_deref()
            .map(|o| format!(" : {o}"))
            .unwrap_or_default();
        Some(format!(
            "{}{took}{attempts}{outcome}",
            capitalise((PLAN.step_state)(Some(state)))
        ))
    },
    notes_title: "Remarques sur le plan :",
    preferred_title: "Hôtes préférés (migrate_to) :",
    preferred: |c, vm| {
        let why = |u: &Unfit| match u {
            Unfit::NotDeclared => "plus déclaré",
            Unfit::NotAHypervisor => "pas un hyperviseur",
            Unfit::Shed => "délesté par cette coupure",
            Unfit::PowerNotHealthy => "son onduleur n’est pas sur secteur",
            Unfit::NoManagedUps => "sur aucun onduleur géré",
            Unfit::NotInVcenter => "absent de vCenter",
            Unfit::Disconnected => "déconnecté",
            Unfit::InMaintenance => "en maintenance",
            Unfit::PoweredOff => "éteint",
            Unfit::NoRoom => "plus de place",
            Unfit::Unknown => "inutilisable",
        };
        let passed: Vec<String> = c
            .skipped
            .iter()
            .map(|s| format!("{} ({})", s.server, why(&s.why)))
            .collect();
        let passed = if passed.is_empty() {
            String::new()
        } else {
            format!(" ; écartés : {}", passed.join(", "))
        };
        match &c.used {
            Some(to) => format!("{vm} → {to}{passed}"),
            None => format!("{vm} : choix habituel{passed}"),
        }
    },
    report_title: |kind| match kind {
        PlanType::Restore => "Bilan du rétablissement",
        _ => "Bilan du délestage",
    },
    report_done: |kind, n| match kind {
        PlanType::Restore => format!("Rétabli ({n}) :"),
        _ => format!("Délesté ({n}) :"),
    },
    report_missed: |kind, n| match kind {
        PlanType::Restore => format!("Non rétabli ({n}) :"),
        _ => format!("Non délesté ({n}) :"),
    },
    report_running: "L'exécution continue ; son bilan s'affichera à la fin.",
    report_verified: |restored, of| {
        if restored == of {
            format!("Relu sur le lab : les {of} sont rétablis.")
        } else {
            format!("Relu sur le lab : {restored} sur {of} rétablis ; E relance le reste.")
        }
    },
    report_not_back: |n| format!("Pas revenus, d'après le lab ({n}) :"),
    report_owed: |o| {
        let mut text = format!("attendu {}", o.expected);
        if let Some(found) = &o.found {
            text.push_str(&format!(", trouvé {found}"));
        }
        if let Some(error) = &o.error {
            text.push_str(&format!(" ; dernière erreur : {error}"));
        }
        text
    },
    target: |t| match split_target(t) {
        ("server", name) => format!("serveur {name}"),
        ("vm", name) => format!("VM {name}"),
        ("ups", name) => format!("onduleur {name}"),
        (_, name) => name.to_owned(),
    },
    hint_steps: "étapes",
    hint_ups: "onduleur",
    hint_toggle: "plan/exécution",
    checks_title: "Vérifications (rien n'a été modifié)",
    check_ok: "ok",
    check_failed: "ÉCHEC",

    banner_runtime: |r| match r {
        Some(r) => format!("reste {}", secs(r)),
        None => String::new(),
    },
    banner_run: |run| {
        // The step the run is at, the same figure as the plan view's heading.
        let (at, of) = super::situation::step_at(run);
        format!("{} {at}/{of}", kind(run.plan.kind))
    },

    question: |r| match r {
        Request::PlanRun { ups } => format!(
            "Délester l'onduleur {ups} maintenant : migrer ou arrêter ses VM et éteindre ses \
             serveurs ?"
        ),
        Request::PlanCancel => "Arrêter le plan en cours ? Les étapes lancées se terminent ; \
                                aucune nouvelle ne démarre."
            .to_owned(),
        Request::PlanRestore => "Rétablir le lab maintenant : allumer les serveurs, ramener \
                                 les VM, redémarrer ce qui tournait ?"
            .to_owned(),
        Request::PowerCut { ups, cut: true } => format!(
            "Démo : couper le secteur de l'onduleur simulé {ups} ? Sa batterie se vide et le \
             démon réagit comme à une vraie coupure."
        ),
        Request::PowerCut { ups, cut: false } => {
            format!("Démo : rendre le secteur à l'onduleur simulé {ups} ?")
        }
        _ => String::new(),
    },
    detail: |r| match r {
        Request::PlanRun { .. } => Some(
            "Il démarre tout de suite, sans attendre le délai de grâce. Le lab reste \
                 délesté, même sur secteur, jusqu'à ce que vous le rétablissiez (E)."
                .to_owned(),
        ),
        Request::PowerCut { cut: true, .. } => Some(
            "Après le délai de grâce de l'onduleur, le plan s'exécute sur le lab simulé."
                .to_owned(),
        ),
        _ => None,
    },
    working: |r| match r {
        Request::PlanRun { ups } => format!("Lancement du plan de l'onduleur {ups}…"),
        Request::PlanCancel => "Arrêt du plan…".to_owned(),
        Request::PlanRestore => "Lancement du rétablissement…".to_owned(),
        Request::PowerCut { ups, cut: true } => {
            format!("Coupure du secteur de l'onduleur {ups}…")
        }
        Request::PowerCut { ups, cut: false } => {
            format!("Retour du secteur sur l'onduleur {ups}…")
        }
        _ => String::new(),
    },
    done: |r| match r {
        Request::PlanRun { ups } => {
            format!("Le plan de l'onduleur {ups} s'exécute : suivez-le ici.")
        }
        Request::PlanCancel => "Le plan s'arrête : les étapes lancées se terminent, rien de \
                                nouveau ne démarre."
            .to_owned(),
        Request::PlanRestore => "Le rétablissement s'exécute : suivez-le ici.".to_owned(),
        Request::PowerCut { ups, cut: true } => {
            format!("Démo : l'onduleur {ups} est maintenant sur batterie.")
        }
        Request::PowerCut { ups, cut: false } => {
            format!("Démo : l'onduleur {ups} a retrouvé le secteur.")
        }
        _ => String::new(),
    },
    failed: |r, why| {
        let what = match r {
            Request::PlanRun { ups } => format!("lancer le plan de l'onduleur {ups}"),
            Request::PlanCancel => "arrêter le plan".to_owned(),
            Request::PlanRestore => "lancer le rétablissement".to_owned(),
            Request::PowerCut { ups, .. } => format!("changer le secteur de l'onduleur {ups}"),
            _ => "faire cela".to_owned(),
        };
        format!("Impossible de {what} : {why}")
    },
    no_running_plan: "Aucun plan n'est en cours.",
    simulating: |ups| format!("Simulation d'une coupure de l'onduleur {ups} (rien n'est modifié)…"),
    simulated: |ups, problems| match problems {
        0 => format!("Le plan de l'onduleur {ups} passe toutes les vérifications."),
        1 => format!("Le plan de l'onduleur {ups} a 1 problème : voir les vérifications."),
        n => format!("Le plan de l'onduleur {ups} a {n} problèmes : voir les vérifications."),
    },
    simulation_failed: |ups, why| {
        format!("Impossible de simuler une coupure de l'onduleur {ups} : {why}")
    },
    demo_only: "Seul le lab simulé de la démo peut simuler une coupure ; `plan simulate` \
                vérifie un vrai plan.",
    not_in_this_view: |what| format!("« {what} » ne s'applique pas à cette vue."),
};

fn plural(n: u32) -> &'static str {
    if n > 1 { "s" } else { "" }
}

fn kind(kind: PlanType) -> &'static str {
    match kind {
        PlanType::Restore => "rétablissement",
        _ => "délestage",
    }
}

fn run_state(s: RunStatus) -> &'static str {
    match s {
        RunStatus::Running => "en cours",
        RunStatus::Cancelling => "annulation en cours",
        RunStatus::Halting => "arrêt en cours",
        RunStatus::Cancelled => "annulé",
        RunStatus::Halted => "arrêté",
        RunStatus::Finished => "terminé",
        RunStatus::Unknown => "?",
    }
}
