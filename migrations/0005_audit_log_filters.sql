-- The audit trail is filtered by target, actor and action (GET /api/manage/audit), newest first;
-- it now also holds customers' security events (failed sign-ins among them), so these filters
-- must not scan it whole. Each index serves one filter with the id order of the keyset pages.
CREATE INDEX audit_log_target_id_idx ON audit_log (target_id, id DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (lower(actor_username), id DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, id DESC);
