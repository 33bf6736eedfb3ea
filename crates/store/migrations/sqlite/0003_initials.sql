-- Pinyin initials of each name (平城区 → pcq), for searching the tree as people type.
-- Filled by the code that writes names; rows older than this column are filled by the
-- migration's data step. Not indexed: a search walks the caller's subtree down to the
-- grids through the parent index (an index over every village would double the cost
-- of importing the nation).
ALTER TABLE territory ADD COLUMN initials TEXT NOT NULL DEFAULT '';
