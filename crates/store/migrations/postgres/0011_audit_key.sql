-- The audit chain signed under a key kept apart from the database (audit::check_and_key):
-- rows from `keyed_from` on carry HMAC-SM3 under it; `check_value` tells the key.
CREATE TABLE audit_key (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    check_value TEXT NOT NULL,
    keyed_from  BIGINT NOT NULL
);
