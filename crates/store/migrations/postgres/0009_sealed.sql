-- Personal data sealed at rest (store::seal): with a data key, ID numbers and phone numbers
-- are stored as SM4-GCM ciphertext, and the one-record-a-person rule holds on the blind
-- index of the ID number (the UNIQUE on the ciphertext itself can no longer catch a
-- repeat). `data_key` keeps a sealed check value that tells the database's key.
ALTER TABLE member ADD COLUMN id_number_blind TEXT;
CREATE UNIQUE INDEX member_id_number_blind ON member(id_number_blind);
ALTER TABLE social_worker ADD COLUMN id_number_blind TEXT;
CREATE UNIQUE INDEX social_worker_id_number_blind ON social_worker(id_number_blind);
CREATE TABLE data_key (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    check_value TEXT NOT NULL
);
