-- Synthetic records say so: the demo city's people and units.
ALTER TABLE member ADD COLUMN synthetic BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE unit ADD COLUMN synthetic BOOLEAN NOT NULL DEFAULT FALSE;

-- Where a node lies: a point (buildings, community centres) and, for areas, a polygon as
-- GeoJSON coordinates ([[[lon, lat], …]]), WGS 84.
CREATE TABLE territory_geo (
    code    TEXT COLLATE "C" PRIMARY KEY REFERENCES territory(code),
    lon     DOUBLE PRECISION NOT NULL,
    lat     DOUBLE PRECISION NOT NULL,
    polygon TEXT
);
