-- holds_second_factor: whether a user holds a second factor of strong customer authentication
-- (issue 17): a confirmed authenticator app (0017_second_factors.sql; a pending enrolment is not
-- one) or a passkey (0018_passkeys.sql). Recovery codes only stand in beside one of those, so they
-- do not count alone. post_transfer asks it before asking a payment for a second factor: a customer
-- without one is not asked (the enrolment gate sends those who must hold one to enrol first).
--
-- This is the function's one current source (a repeatable migration, as R__post_transfer.sql).
CREATE OR REPLACE FUNCTION holds_second_factor(p_user uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM totp_factors t WHERE t.user_id = p_user AND t.confirmed_at IS NOT NULL)
        OR EXISTS (SELECT 1 FROM passkeys p WHERE p.user_id = p_user);
$$;
