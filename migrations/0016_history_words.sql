-- History search by words (issue 16, threat model item 12): `q` finds entries whose transfer's
-- description holds every word of it, each as a word or the beginning of one. pg_trgm is not in
-- the embedded PostgreSQL, so this is built-in full-text search: the description's words (the
-- 'simple' configuration: lower case, no stemming, no stop words; punctuation splits words) and,
-- as lexemes no typed word can form ('#' and the account id), the two accounts of the transfer, so
-- "these words in this account" is one GIN lookup that costs what the rarest of them costs.
-- shared/repositories/history_filters.py holds the same expression (WORDS_OF_TRANSFER); a test
-- reads the plan to show this index is the one used. Transfers are append-only, so the index is
-- only ever inserted into (GIN's pending list keeps an insert cheap).
CREATE INDEX transfers_words_idx ON transfers USING gin ((
    to_tsvector('simple', regexp_replace(description, '[[:punct:][:space:]]+', ' ', 'g'))
    || array_to_tsvector(ARRAY['#' || debit_account_id::text, '#' || credit_account_id::text])));
