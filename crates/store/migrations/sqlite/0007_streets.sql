-- The street's offices and centres (5+2+1), from a template the city may change, and
-- their staff. `position` orders them and names a template row across streets.
CREATE TABLE office_template (
    position INTEGER PRIMARY KEY,
    name     TEXT NOT NULL,
    kind     TEXT NOT NULL
);
INSERT INTO office_template (position, name, kind) VALUES
    (1, '党建办公室', 'office'),
    (2, '公共管理办公室', 'office'),
    (3, '公共服务办公室', 'office'),
    (4, '公共安全办公室', 'office'),
    (5, '综合行政执法办公室', 'office'),
    (6, '党群服务中心', 'centre'),
    (7, '综合便民服务中心', 'centre'),
    (8, '退役军人服务站', 'station');

CREATE TABLE street_office (
    id          INTEGER PRIMARY KEY,
    street_code TEXT NOT NULL REFERENCES territory(code),
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    UNIQUE (street_code, position)
);

CREATE TABLE office_staff (
    id        INTEGER PRIMARY KEY,
    office_id INTEGER NOT NULL REFERENCES street_office(id),
    name      TEXT NOT NULL,
    post      TEXT NOT NULL,
    synthetic INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX office_staff_office ON office_staff(office_id);

-- The streets' five powers. Departments of a district, and their agencies stationed in a
-- street (派出机构: 派出所, 市场监管所 …), each with its head.
CREATE TABLE department (
    id            INTEGER PRIMARY KEY,
    district_code TEXT NOT NULL REFERENCES territory(code),
    name          TEXT NOT NULL,
    UNIQUE (district_code, name)
);
-- The accounts that act for a department (answer summonses).
CREATE TABLE department_account (
    department_id INTEGER NOT NULL REFERENCES department(id),
    login         TEXT NOT NULL,
    PRIMARY KEY (department_id, login)
);
CREATE TABLE agency (
    id            INTEGER PRIMARY KEY,
    department_id INTEGER NOT NULL REFERENCES department(id),
    street_code   TEXT NOT NULL REFERENCES territory(code),
    name          TEXT NOT NULL,
    head          TEXT
);
CREATE INDEX agency_street ON agency(street_code);

-- 1. The street rates each agency head once a period.
CREATE TABLE agency_rating (
    id        INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agency(id),
    period    TEXT NOT NULL,
    head      TEXT NOT NULL,
    grade     TEXT NOT NULL,
    comment   TEXT NOT NULL,
    rated_by  TEXT NOT NULL,
    rated_at  TEXT NOT NULL,
    UNIQUE (agency_id, period)
);

-- 2. Appointing or removing an agency head takes the street's recorded consent.
CREATE TABLE appointment (
    id           INTEGER PRIMARY KEY,
    agency_id    INTEGER NOT NULL REFERENCES agency(id),
    action       TEXT NOT NULL,
    person       TEXT NOT NULL,
    reason       TEXT NOT NULL,
    proposed_by  TEXT NOT NULL,
    proposed_at  TEXT NOT NULL,
    consent      TEXT,
    consent_text TEXT,
    consent_by   TEXT,
    consent_at   TEXT
);
CREATE INDEX appointment_agency ON appointment(agency_id);

-- 3 and 5. Written exchanges with a time limit: the district consults the street on a
-- major construction project (planning), the street advises the district on a major
-- decision (advice); the other side answers in writing.
CREATE TABLE consultation (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    street_code TEXT NOT NULL REFERENCES territory(code),
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    filed_by    TEXT NOT NULL,
    filed_at    TEXT NOT NULL,
    due         TEXT NOT NULL,
    answer      TEXT,
    answered_by TEXT,
    answered_at TEXT
);
CREATE INDEX consultation_street ON consultation(street_code, id);

-- 4. 吹哨报到: the street summons departments to a matter; each must report, then act.
CREATE TABLE summons (
    id          INTEGER PRIMARY KEY,
    street_code TEXT NOT NULL REFERENCES territory(code),
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    report_by   TEXT NOT NULL,
    resolve_by  TEXT NOT NULL,
    filed_by    TEXT NOT NULL,
    filed_at    TEXT NOT NULL
);
CREATE INDEX summons_street ON summons(street_code, id);
CREATE TABLE summoned (
    summons_id    INTEGER NOT NULL REFERENCES summons(id),
    department_id INTEGER NOT NULL REFERENCES department(id),
    reported_by   TEXT,
    reported_at   TEXT,
    action        TEXT,
    resolved_at   TEXT,
    resolution    TEXT,
    PRIMARY KEY (summons_id, department_id)
);
