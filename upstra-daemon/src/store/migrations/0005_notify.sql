-- The notification outbox. One row per (message, channel): `id` is the message's idempotency
-- id (the webhook body's `id`, the email's Message-ID), derived from the event that caused it
-- and the channel, so writing it again after a restart is ignored (INSERT OR IGNORE) and a
-- row marked delivered is never sent again. `notify_cursor` is the last event turned into
-- rows; both are written in one transaction.

CREATE TABLE notify_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);

CREATE TABLE notify_outbox (
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    -- milliseconds since the epoch
    created INTEGER NOT NULL,
    -- the Message, as JSON
    message TEXT NOT NULL,
    -- pending, delivered, rejected or failed
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    last_at INTEGER,
    -- what the server answered, or the last error
    answer TEXT
);

CREATE INDEX notify_outbox_due ON notify_outbox (channel, state, next_at);
CREATE INDEX notify_outbox_created ON notify_outbox (created);
