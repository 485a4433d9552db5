-- Identity and access: two-factor, recovery codes, password resets, roles and grants,
-- limited sessions, login challenges, settings, persistent rate limits, the audit hash chain.

ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
-- An admin reset: argon2id hash of the one-time secret, and when it stops working.
ALTER TABLE users ADD COLUMN reset_hash TEXT;
ALTER TABLE users ADD COLUMN reset_expires_at INTEGER;
-- Two-factor: the active secret (base32), one waiting for confirmation, and the last time
-- step accepted (a code is never accepted twice).
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending TEXT;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;

CREATE TABLE recovery_codes (
    user      TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   INTEGER
);

CREATE TABLE roles (
    name        TEXT PRIMARY KEY,
    permissions INTEGER NOT NULL,
    builtin     INTEGER NOT NULL DEFAULT 0
);
-- Bits: read 1, write 2, delete 4, power 8, migrate 16, ssh 32, plan 64, audit 128, admin 256.
INSERT INTO roles (name, permissions, builtin) VALUES
    ('admin', 511, 1),
    ('operator', 123, 1),
    ('viewer', 1, 1);

CREATE TABLE grants (
    user     TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    role     TEXT NOT NULL REFERENCES roles(name),
    resource TEXT NOT NULL,
    PRIMARY KEY (user, role, resource)
);
-- Until now a user's role applied to everything.
INSERT INTO grants (user, role, resource) SELECT name, role, 'all' FROM users;

ALTER TABLE sessions ADD COLUMN scope TEXT NOT NULL DEFAULT 'full';
-- A short public id for listing and revoking; never the token.
ALTER TABLE sessions ADD COLUMN public_id TEXT;
UPDATE sessions SET public_id = substr(token_hash, 1, 12);

CREATE TABLE challenges (
    token_hash TEXT PRIMARY KEY,
    user       TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    peer_uid   INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE rate_limits (
    key        TEXT PRIMARY KEY,
    tokens     REAL NOT NULL,
    updated_at INTEGER NOT NULL
);

ALTER TABLE audit ADD COLUMN correlation TEXT;
-- SHA-256 chained over the previous record's hash; filled in by the daemon for older rows.
ALTER TABLE audit ADD COLUMN hash BLOB;
