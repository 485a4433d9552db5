-- Outage orchestration: plan settings and VM policies from the lab file, the journal of every
-- run and step, and the persistent event log that feeds the Redis outbox.

CREATE TABLE plan_settings (id INTEGER PRIMARY KEY CHECK (id = 1), doc TEXT NOT NULL);
CREATE TABLE vm_policies (name TEXT PRIMARY KEY, doc TEXT NOT NULL);

-- One shed or restore. `plan` is the plan as made (JSON); `doc` holds the rest of what the
-- run is about (the UPS it answers, why it started, the sheds a restore undoes).
CREATE TABLE runs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,
    state      TEXT NOT NULL,
    doc        TEXT NOT NULL,
    plan       TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at   INTEGER
);

-- Each step's record, written before acting (state started, with `before`), when the command
-- went out (dispatched), and after (done, failed or skipped, with `outcome`).
CREATE TABLE run_steps (
    run           INTEGER NOT NULL REFERENCES runs(id),
    step          INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    state         TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    before        TEXT,
    outcome       TEXT,
    started_at    INTEGER,
    dispatched_at INTEGER,
    ended_at      INTEGER,
    PRIMARY KEY (run, step)
);

-- The daemon's event log; `seq` continues across restarts.
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    at  INTEGER NOT NULL,
    doc TEXT NOT NULL
);

-- How far the event log has reached the Redis stream.
CREATE TABLE bus_outbox (id INTEGER PRIMARY KEY CHECK (id = 1), published INTEGER NOT NULL);
