-- Users, sessions, the declared inventory, and the audit trail.
-- Inventory objects are stored as JSON documents keyed by name: the lab file is the schema,
-- and its fields grow without a migration for each one.

CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user         TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    peer_uid     INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);

CREATE TABLE rooms   (name TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE ups     (name TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE servers (name TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE vcenter (id INTEGER PRIMARY KEY CHECK (id = 1), doc TEXT NOT NULL);

CREATE TABLE audit (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    at       INTEGER NOT NULL,
    actor    TEXT,
    peer_uid INTEGER,
    action   TEXT NOT NULL,
    target   TEXT,
    result   TEXT NOT NULL,
    detail   TEXT
);
