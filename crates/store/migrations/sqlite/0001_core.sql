-- Territory tree: one row per code, the current version. Codes are materialised paths.
CREATE TABLE territory (
    code          TEXT PRIMARY KEY,
    parent_code   TEXT,
    name          TEXT NOT NULL,
    level         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    member_centre INTEGER NOT NULL DEFAULT 0,
    valid_from    TEXT NOT NULL,
    valid_to      TEXT
) WITHOUT ROWID;
CREATE INDEX territory_parent ON territory(parent_code, code);

-- Superseded versions of a territory node (a renamed street keeps its old name here).
CREATE TABLE territory_version (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL REFERENCES territory(code),
    name       TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to   TEXT NOT NULL
);
CREATE INDEX territory_version_code ON territory_version(code);

CREATE TABLE party_org (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    territory_code TEXT NOT NULL REFERENCES territory(code),
    parent_id      INTEGER REFERENCES party_org(id),
    path           TEXT NOT NULL,
    committee_size INTEGER NOT NULL DEFAULT 0,
    term_start     TEXT,
    term_end       TEXT,
    valid_from     TEXT NOT NULL,
    valid_to       TEXT,
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX party_org_territory ON party_org(territory_code);
CREATE INDEX party_org_parent ON party_org(parent_id);
CREATE INDEX party_org_path ON party_org(path);

CREATE TABLE member (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL,
    sex              TEXT NOT NULL,
    ethnicity        TEXT NOT NULL,
    birth_date       TEXT NOT NULL,
    id_number        TEXT NOT NULL UNIQUE,
    education        TEXT NOT NULL,
    joined_on        TEXT NOT NULL,
    full_on          TEXT,
    status           TEXT NOT NULL,
    extension_months INTEGER NOT NULL DEFAULT 0,
    org_id           INTEGER NOT NULL REFERENCES party_org(id),
    territory_code   TEXT NOT NULL REFERENCES territory(code),
    phone            TEXT,
    work_unit        TEXT,
    home_community   TEXT REFERENCES territory(code),
    mobile           INTEGER NOT NULL DEFAULT 0,
    mobile_note      TEXT,
    last_activity_on TEXT,
    version          INTEGER NOT NULL DEFAULT 1
);
-- Rosters read a subtree in place order: the range and the order come from one index.
CREATE INDEX member_territory ON member(territory_code, id);
CREATE INDEX member_name ON member(name, id);
CREATE INDEX member_org ON member(org_id);

CREATE TABLE member_transfer (
    id             INTEGER PRIMARY KEY,
    member_id      INTEGER NOT NULL REFERENCES member(id),
    from_org_id    INTEGER NOT NULL REFERENCES party_org(id),
    to_org_id      INTEGER NOT NULL REFERENCES party_org(id),
    transferred_on TEXT NOT NULL,
    reason         TEXT NOT NULL,
    actor          TEXT NOT NULL
);
CREATE INDEX member_transfer_member ON member_transfer(member_id);

CREATE TABLE org_activity (
    id       INTEGER PRIMARY KEY,
    org_id   INTEGER NOT NULL REFERENCES party_org(id),
    kind     TEXT NOT NULL,
    held_on  TEXT NOT NULL,
    topic    TEXT NOT NULL
);
CREATE TABLE activity_attendance (
    activity_id INTEGER NOT NULL REFERENCES org_activity(id),
    member_id   INTEGER NOT NULL REFERENCES member(id),
    PRIMARY KEY (activity_id, member_id)
);

CREATE TABLE unit (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    credit_code    TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL,
    territory_code TEXT NOT NULL REFERENCES territory(code),
    address        TEXT,
    coverage       TEXT NOT NULL,
    org_id         INTEGER REFERENCES party_org(id),
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX unit_territory ON unit(territory_code);
CREATE INDEX unit_org ON unit(org_id);

-- Subtree counts kept up to date on every write: rows for a node count what lies below it.
CREATE TABLE rollup_counter (
    node   TEXT NOT NULL,
    metric TEXT NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (node, metric)
) WITHOUT ROWID;

CREATE TABLE account (
    id            INTEGER PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT,
    created_at    TEXT NOT NULL
);

CREATE TABLE role_assignment (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account(id),
    role       TEXT NOT NULL,
    scope_code TEXT NOT NULL,
    unmask     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX role_assignment_account ON role_assignment(account_id);

-- Bearer tokens and browser sessions keep only the SM3 hash of the secret.
CREATE TABLE credential (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES account(id),
    kind         TEXT NOT NULL,
    secret_hash  TEXT NOT NULL UNIQUE,
    csrf_token   TEXT,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    last_used_at TEXT
);

CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before    TEXT,
    after     TEXT,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
-- The chain's head, kept beside it so that cutting rows off the end is detected too.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
