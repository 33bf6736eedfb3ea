-- The last write to an entity, read by what is kept until one (datong_http::memo).
CREATE INDEX audit_log_entity ON audit_log (entity, seq);
