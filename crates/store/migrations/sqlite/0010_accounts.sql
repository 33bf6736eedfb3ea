-- Accounts that are people and units: a `member` assignment names the member record the
-- account is, a `unit` assignment the resident unit it acts for (access::Own).
ALTER TABLE role_assignment ADD COLUMN member_id INTEGER REFERENCES member(id);
ALTER TABLE role_assignment ADD COLUMN unit_id INTEGER REFERENCES unit(id);
