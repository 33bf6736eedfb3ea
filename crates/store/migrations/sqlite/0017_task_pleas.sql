-- A receiver's plea to a task's sender: a later due date (申请延期) or taking the task back
-- (退回), with its reason, then the sender's answer. At most one waits per receiving end.
CREATE TABLE task_plea (
    id          INTEGER PRIMARY KEY,
    target_id   INTEGER NOT NULL REFERENCES task_target(id),
    kind        TEXT NOT NULL,
    until       TEXT,
    reason      TEXT NOT NULL,
    filed_by    TEXT NOT NULL,
    filed_at    TEXT NOT NULL,
    stage       TEXT NOT NULL,
    answer      TEXT,
    decided_by  TEXT,
    decided_at  TEXT
);
CREATE INDEX task_plea_target ON task_plea(target_id);
CREATE UNIQUE INDEX task_plea_waiting ON task_plea(target_id) WHERE stage = 'pending';
