//! The follower: event log → outbox rows, durably from its cursor.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use upstra_core::api::v1::{PlanType, RunStatus};
use upstra_core::events::{DomainEvent, EventRecord};

use super::compose::{Composer, Draft, Report, Reports};
use crate::shared::Shared;
use crate::store::NewOutboxRow;

/// Events read per round trip to the store.
const BATCH: u32 = 256;
/// The wait after the store failed, before trying again.
const RETRY: Duration = Duration::from_secs(2);

/// Reports of the runs that ended in a batch, read from the store before composing.
struct Fetched(BTreeMap<i64, Report>);

impl Reports for Fetched {
    fn report(
        &mut self,
        run: i64,
        plan: PlanType,
        state: RunStatus,
        counts: (u32, u32, u32),
    ) -> Report {
        let mut r = self.0.remove(&run).unwrap_or_default();
        r.run = run;
        r.plan = plan;
        r.state = state;
        (r.done, r.failed, r.skipped) = counts;
        r
    }
}

pub async fn run(shared: Arc<Shared>) {
    let stop = shared.stopping.clone();
    let window = shared.config.notify.coalesce_window;
    let mut composer = Composer::new(window);
    let start = loop {
        let first = shared.events.last_seq();
        match shared
            .store
            .call(move |db| {
                db.notify_trim(super::KEEP_FINISHED)?;
                match db.notify_cursor()? {
                    Some(c) => Ok(c),
                    // The first start with channels: what happened before is not news.
                    None => {
                        db.notify_enqueue(&[], first, super::MAX_PENDING, "")?;
                        Ok(first)
                    }
                }
            })
            .await
        {
            Ok(c) => break c,
            Err(e) => {
                tracing::error!(error = %e, "notify: cannot read the outbox cursor; retrying");
                tokio::select! {
                    () = tokio::time::sleep(RETRY) => {}
                    () = stop.cancelled() => return,
                }
            }
        }
    };
    let mut read = start;
    loop {
        if stop.is_cancelled() {
            return;
        }
        let batch = match shared
            .store
            .call(move |db| db.events_after(read, BATCH))
            .await
        {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, "notify: cannot read the event log");
                tokio::select! {
                    () = tokio::time::sleep(RETRY) => {}
                    () = stop.cancelled() => return,
                }
                continue;
            }
        };
        let mut fetched = Fetched(reports(&shared, &batch).await);
        seed_runtimes(&shared.live, &batch, &mut composer);
        let mut drafts = Vec::new();
        for e in &batch {
            drafts.extend(composer.event(e, &mut fetched));
        }
        if let Some(last) = batch.last() {
            read = last.seq;
        }
        drafts.extend(composer.tick(crate::clock::now().millis()));
        // The composer has taken these events and `read` is past them: the same drafts are
        // written again until the store takes them, or they would be lost until a restart
        // replays the log from the saved cursor.
        while !write(&shared, &drafts, composer.settled()).await {
            tokio::select! {
                () = tokio::time::sleep(RETRY) => {}
                () = stop.cancelled() => return,
            }
        }
        if batch.is_empty() {
            let due = composer.next_due_ms().map(|at| {
                let ms = at.saturating_sub(crate::clock::now().millis()).max(0);
                Duration::from_millis(ms.unsigned_abs()) + Duration::from_millis(10)
            });
            tokio::select! {
                () = shared.events.wait_after(read, &stop) => {}
                () = sleep_or_forever(due) => {}
            }
        }
    }
}

async fn sleep_or_forever(d: Option<Duration>) {
    match d {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

/// The runtimes of the UPS a shed in `batch` answers, as the monitor last read them.
fn seed_runtimes(live: &crate::live::Live, batch: &[EventRecord], composer: &mut Composer) {
    live.ups(|live| {
        for e in batch {
            if let DomainEvent::RunStarted { ups, .. } = &e.event {
                for u in ups {
                    if let Some(upstra_core::state::UpsLive::Reading { reading, .. }) = live.get(u)
                        && let Some(r) = reading.runtime_s
                    {
                        composer.seed_runtime(u.as_str(), r);
                    }
                }
            }
        }
    });
}

/// Reads the reports of the runs that end in `batch`.
async fn reports(shared: &Shared, batch: &[EventRecord]) -> BTreeMap<i64, Report> {
    let ended: Vec<i64> = batch
        .iter()
        .filter_map(|e| match &e.event {
            DomainEvent::RunEnded { run, .. } => Some(*run),
            _ => None,
        })
        .collect();
    if ended.is_empty() {
        return BTreeMap::new();
    }
    let read = shared
        .store
        .call(move |db| {
            let mut out = BTreeMap::new();
            for id in ended {
                let Some(run) = db.run(id)? else { continue };
                let mut r = Report {
                    restored: run.info.restored.map(|t| (t.restored, t.of)),
                    ..Report::default()
                };
                for shed in &run.info.undoes {
                    if let Some(s) = db.run(*shed)? {
                        for n in s.info.not_restored.unwrap_or_default() {
                            let found = n.found.unwrap_or_else(|| "unreadable".into());
                            let mut line =
                                format!("{}: expected {}, found {found}", n.target, n.expected);
                            if let Some(err) = n.error {
                                line.push_str(&format!(" ({err})"));
                            }
                            r.not_back.push(line);
                        }
                    }
                }
                out.insert(id, r);
            }
            Ok(out)
        })
        .await;
    read.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "notify: cannot read a run's report; sending the counts only");
        BTreeMap::new()
    })
}

/// Writes the rows of `drafts` and the cursor; false when the store failed (nothing written).
async fn write(shared: &Shared, drafts: &[Draft], cursor: u64) -> bool {
    let site = shared.config.bus.site.clone();
    let mut rows = Vec::new();
    let mut woken = Vec::new();
    for d in drafts {
        let mut channels: Vec<&str> = Vec::new();
        for r in &shared.config.notify.routes {
            if r.takes(d.kind, d.severity) {
                for c in &r.channels {
                    if !channels.contains(&c.as_str()) {
                        channels.push(c);
                    }
                }
            }
        }
        for name in channels {
            let Some(slot) = shared.notify.slot(name) else {
                continue;
            };
            let (title, body) = super::text::render(&d.facts, slot.config.language);
            let m = super::message(
                &site,
                &d.key,
                name,
                d.kind,
                d.severity,
                d.at_ms,
                (title, body, d.facts.details()),
            );
            let Ok(json) = serde_json::to_string(&m) else {
                continue;
            };
            rows.push(NewOutboxRow {
                id: m.id,
                channel: name.to_owned(),
                kind: d.kind.to_owned(),
                created_ms: d.at_ms,
                message: json,
            });
            woken.push(slot.clone());
        }
    }
    let cap = format!(
        "not sent: the outbox holds {} messages waiting (its cap)",
        super::MAX_PENDING
    );
    let count = rows.len();
    let kinds: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r.channel.clone(), r.kind.clone()))
        .collect();
    match shared
        .store
        .call(move |db| db.notify_enqueue(&rows, cursor, super::MAX_PENDING, &cap))
        .await
    {
        Ok(dropped) => {
            if dropped > 0 {
                tracing::error!(
                    dropped,
                    cap = super::MAX_PENDING,
                    "notify: the outbox is full; new messages are marked failed, not sent"
                );
                for (channel, _) in kinds.iter().rev().take(dropped as usize) {
                    shared.metrics.notification(channel, "failed");
                }
            }
            if count > 0 {
                tracing::debug!(count, "notify: messages queued");
            }
            for slot in woken {
                slot.wake.notify_one();
            }
            true
        }
        Err(e) => {
            tracing::error!(error = %e, "notify: cannot write the outbox; retrying");
            false
        }
    }
}
