-- Community social workers (社区工作者): the people who staff a community, with their post
-- and their grade in the pay sequence (三岗十八级: grade 1 is the highest).
CREATE TABLE social_worker (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    sex            TEXT NOT NULL,
    birth_date     TEXT NOT NULL,
    id_number      TEXT NOT NULL UNIQUE,
    phone          TEXT,
    territory_code TEXT NOT NULL REFERENCES territory(code),
    post           TEXT NOT NULL,
    grade          INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 18),
    hired_on       TEXT NOT NULL,
    synthetic      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX social_worker_territory ON social_worker(territory_code, id);
