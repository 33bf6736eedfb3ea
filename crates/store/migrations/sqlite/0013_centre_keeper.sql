-- A 党员中心户 is kept by a member: the household names the member who keeps it.
CREATE TABLE centre_keeper (
    household_code TEXT PRIMARY KEY REFERENCES territory(code),
    member_id      INTEGER NOT NULL REFERENCES member(id)
);
