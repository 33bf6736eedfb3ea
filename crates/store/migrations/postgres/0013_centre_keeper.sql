-- A 党员中心户 is kept by a member: the household names the member who keeps it.
CREATE TABLE centre_keeper (
    household_code TEXT COLLATE "C" PRIMARY KEY REFERENCES territory(code),
    member_id      BIGINT NOT NULL REFERENCES member(id)
);
