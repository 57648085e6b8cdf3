-- History pages and statements walk one account's entries in time order (issue 16): newest first
-- for history, filtered by a period of days, and oldest first within a period for a statement.
-- A page resumes below the last entry's (created_at, id), so a period in the past is an index
-- range, not a walk from the newest entry. The counterparty filter has its own index with the
-- same order. Both cost a btree insert per ledger leg (two per transfer).
CREATE INDEX entries_account_created_at_id_idx ON entries (account_id, created_at DESC, id DESC);
CREATE INDEX entries_account_counterparty_created_at_id_idx
    ON entries (account_id, counterparty_account_id, created_at DESC, id DESC);
