-- 项目化履责: a responsibility item run as a project. `path` is the chain of ids from the
-- root project ("/1/5/"), so a project's whole tree is one prefix match, as with the
-- organisation tree. Progress is computed from the milestones, never stored.
CREATE TABLE project (
    id             INTEGER PRIMARY KEY,
    territory_code TEXT NOT NULL REFERENCES territory(code),
    item_id        INTEGER NOT NULL REFERENCES duty_item(id),
    parent_id      INTEGER REFERENCES project(id),
    path           TEXT NOT NULL,
    name           TEXT NOT NULL,
    owner          TEXT NOT NULL,
    weight         INTEGER NOT NULL CHECK (weight BETWEEN 0 AND 1000),
    starts_on      TEXT NOT NULL,
    ends_on        TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX project_territory ON project(territory_code, id);
CREATE INDEX project_path ON project(path);

CREATE TABLE milestone (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES project(id),
    name       TEXT NOT NULL,
    weight     INTEGER NOT NULL CHECK (weight BETWEEN 0 AND 1000),
    due        TEXT NOT NULL,
    percent    INTEGER NOT NULL DEFAULT 0 CHECK (percent BETWEEN 0 AND 100),
    done_at    TEXT
);
CREATE INDEX milestone_project ON milestone(project_id);

-- Files a milestone's progress rests on, kept in the database so a backup holds them and
-- an upload commits with its audit row. `digest` is the SM3 of the content.
CREATE TABLE evidence (
    id           INTEGER PRIMARY KEY,
    milestone_id INTEGER NOT NULL REFERENCES milestone(id),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    digest       TEXT NOT NULL,
    content      BLOB NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TEXT NOT NULL
);
CREATE INDEX evidence_milestone ON evidence(milestone_id);
