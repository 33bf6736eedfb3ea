-- A list is held by a kind of node, not a level: 街道 and 乡镇 keep lists of their own
-- (duty_item.holder: city, district, street, town). Every earlier street-level item was
-- the streets'; towns start with an empty list and are configured separately.
ALTER TABLE duty_item RENAME COLUMN holder_level TO holder;

-- Office templates likewise: the 5+2+1 template is the streets'; towns get their own.
-- Columns in PostgreSQL's order (its ADD COLUMN appends), so backups move across.
CREATE TABLE office_template_by_holder (
    position INTEGER NOT NULL,
    name     TEXT NOT NULL,
    kind     TEXT NOT NULL,
    holder   TEXT NOT NULL,
    PRIMARY KEY (holder, position)
);
INSERT INTO office_template_by_holder (position, name, kind, holder)
    SELECT position, name, kind, 'street' FROM office_template;
DROP TABLE office_template;
ALTER TABLE office_template_by_holder RENAME TO office_template;
