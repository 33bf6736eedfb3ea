-- 两级三责. A responsibility-list item (权责清单事项) declared at `scope_code` belongs to the
-- list of every node of `holder_level` in that subtree (the scope itself when it is of that
-- level): a city-wide street catalogue is one row an item, and a street's own item (an
-- admission, a removal) is a row at the street, which wins over the wider one. An edit
-- closes the current row (`valid_to`) and adds the next, so every version is kept.
CREATE TABLE duty_item (
    id             INTEGER PRIMARY KEY,
    scope_code     TEXT NOT NULL REFERENCES territory(code),
    holder_level   TEXT NOT NULL,
    category       TEXT NOT NULL,
    name           TEXT NOT NULL,
    area           TEXT NOT NULL,
    basis          TEXT NOT NULL,
    responsibility TEXT NOT NULL,
    office         TEXT NOT NULL,
    state          TEXT NOT NULL,
    admission_id   INTEGER,
    valid_from     TEXT NOT NULL,
    valid_to       TEXT
);
CREATE UNIQUE INDEX duty_item_current ON duty_item(category, holder_level, scope_code)
    WHERE valid_to IS NULL;
CREATE INDEX duty_item_scope ON duty_item(scope_code, holder_level) WHERE valid_to IS NULL;

-- A written request to put an item on one street's list (清单外事项准入): filed by a
-- department, answered in writing by the street, decided by the approving authority.
CREATE TABLE admission (
    id            INTEGER PRIMARY KEY,
    street_code   TEXT NOT NULL REFERENCES territory(code),
    category      TEXT NOT NULL,
    name          TEXT NOT NULL,
    area          TEXT NOT NULL,
    basis         TEXT NOT NULL,
    office        TEXT NOT NULL,
    requester     TEXT NOT NULL,
    request       TEXT NOT NULL,
    filed_by      TEXT NOT NULL,
    filed_at      TEXT NOT NULL,
    opinion_due   TEXT NOT NULL,
    stage         TEXT NOT NULL,
    opinion       TEXT,
    opinion_text  TEXT,
    answered_by   TEXT,
    answered_at   TEXT,
    decision_text TEXT,
    decided_by    TEXT,
    decided_at    TEXT,
    item_id       INTEGER REFERENCES duty_item(id)
);
CREATE INDEX admission_street ON admission(street_code, id);

-- A task (任务) sent down to one or many nodes, each of which it reached through the gate.
CREATE TABLE task (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    category    TEXT NOT NULL,
    area        TEXT NOT NULL,
    detail      TEXT NOT NULL,
    sender      TEXT NOT NULL,
    sender_code TEXT NOT NULL REFERENCES territory(code),
    evidence    TEXT NOT NULL,
    deadline    TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE TABLE task_target (
    id             INTEGER PRIMARY KEY,
    task_id        INTEGER NOT NULL REFERENCES task(id),
    territory_code TEXT NOT NULL REFERENCES territory(code),
    item_id        INTEGER REFERENCES duty_item(id),
    due            TEXT NOT NULL,
    status         TEXT NOT NULL,
    done_at        TEXT,
    -- The sender's quality rating (1–5) of the work done.
    rating         INTEGER CHECK (rating BETWEEN 1 AND 5),
    UNIQUE (task_id, territory_code)
);
CREATE INDEX task_target_territory ON task_target(territory_code, id);
CREATE INDEX task_target_open ON task_target(status, due);

-- Each escalation step taken on an overdue target (提醒 → 督办 → 约谈 → 通报: 1..4),
-- append-only: a target's step is the highest here. No foreign key to task_target: rows
-- are written only by the overdue scan, from target ids it read in the same transaction,
-- and targets are never deleted; a key check a row tripled the cost of a large scan.
CREATE TABLE escalation (
    id           INTEGER PRIMARY KEY,
    target_id    INTEGER NOT NULL,
    step         INTEGER NOT NULL,
    days_overdue INTEGER NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX escalation_target ON escalation(target_id, step);

-- The city's escalation ladder: after how many days overdue each step is taken.
CREATE TABLE escalation_rule (
    step         INTEGER PRIMARY KEY,
    days_overdue INTEGER NOT NULL
);
INSERT INTO escalation_rule (step, days_overdue) VALUES (1, 1), (2, 3), (3, 7), (4, 15);

-- The job queue: work the server does later or on a schedule, on the same database. A
-- job is named by (kind, key), so enqueueing the same work twice queues it once.
CREATE TABLE job (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    key        TEXT NOT NULL,
    payload    TEXT NOT NULL,
    run_at     TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    outcome    TEXT,
    done_at    TEXT,
    UNIQUE (kind, key)
);
CREATE INDEX job_due ON job(run_at) WHERE done_at IS NULL;
