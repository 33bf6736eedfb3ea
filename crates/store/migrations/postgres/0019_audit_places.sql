-- The last write to the places (datong_http::memo: what is kept until one). Partial: the
-- few rows it holds cost the other writes nothing.
CREATE INDEX audit_log_places ON audit_log (seq) WHERE entity IN ('territory', 'city');
