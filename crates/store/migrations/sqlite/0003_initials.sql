-- Pinyin initials of each name (平城区 → pcq), for searching the tree as people type.
-- Filled by the code that writes names; rows older than this column are filled by the
-- migration's data step.
ALTER TABLE territory ADD COLUMN initials TEXT NOT NULL DEFAULT '';
-- Villages (村, half a million nationally) and households are left out: indexing them
-- would double the cost of importing the nation; they are found by name and code.
CREATE INDEX territory_initials ON territory(initials, code) WHERE kind NOT IN ('village', 'household');
