-- A list is held by a kind of node, not a level: 街道 and 乡镇 keep lists of their own
-- (duty_item.holder: city, district, street, town). Every earlier street-level item was
-- the streets'; towns start with an empty list and are configured separately.
ALTER TABLE duty_item RENAME COLUMN holder_level TO holder;

-- Office templates likewise: the 5+2+1 template is the streets'; towns get their own.
ALTER TABLE office_template ADD COLUMN holder TEXT NOT NULL DEFAULT 'street';
ALTER TABLE office_template ALTER COLUMN holder DROP DEFAULT;
ALTER TABLE office_template DROP CONSTRAINT office_template_pkey;
ALTER TABLE office_template ADD PRIMARY KEY (holder, position);
