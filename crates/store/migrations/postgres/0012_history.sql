-- An organisation ends (valid_to) with the reason it ended: merged, dissolved, its
-- territory redistricted. Ended rows stay: history is read, never lost.
ALTER TABLE party_org ADD COLUMN end_reason TEXT;
