-- The receiving end of a task as its receiver works it: signed for (签收), then done with
-- the evidence (佐证材料) the sender asked for, kept in the database like a milestone's.
ALTER TABLE task_target ADD COLUMN signed_at TEXT;
ALTER TABLE task_target ADD COLUMN signed_by TEXT;
CREATE TABLE task_evidence (
    id           INTEGER PRIMARY KEY,
    target_id    INTEGER NOT NULL REFERENCES task_target(id),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    digest       TEXT NOT NULL,
    content      BLOB NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TEXT NOT NULL
);
CREATE INDEX task_evidence_target ON task_evidence(target_id);
