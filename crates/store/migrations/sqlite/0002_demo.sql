-- Synthetic records say so: the demo city's people and units.
ALTER TABLE member ADD COLUMN synthetic INTEGER NOT NULL DEFAULT 0;
ALTER TABLE unit ADD COLUMN synthetic INTEGER NOT NULL DEFAULT 0;

-- Where a node lies: a point (buildings, community centres) and, for areas, a polygon as
-- GeoJSON coordinates ([[[lon, lat], …]]), WGS 84.
CREATE TABLE territory_geo (
    code    TEXT PRIMARY KEY REFERENCES territory(code),
    lon     REAL NOT NULL,
    lat     REAL NOT NULL,
    polygon TEXT
) WITHOUT ROWID;
