"""The ledger's contract between SQL and Python: the outcome words post_transfer may answer are
one list, the SQL type posting_outcome, and shared/outcomes.py's PostingOutcome is its exact twin.

Integration tier: read from the real, migrated database.
"""

import psycopg
import pytest

from shared.outcomes import PostingOutcome

RESULT_COLUMNS = [("outcome", "posting_outcome"), ("id", "uuid"), ("from_account", "text"),
                  ("to_account", "text"), ("amount", "bigint"), ("currency", "text"),
                  ("description", "text"), ("kind", "text"), ("created_at", "timestamp with time zone")]
PARAMETERS = [("p_initiator", "uuid"), ("p_from", "text"), ("p_to", "text"), ("p_amount", "bigint"),
              ("p_description", "text"), ("p_kind", "text"), ("p_idempotency_key", "text"),
              ("p_request_hash", "bytea"), ("p_require_owner", "boolean"), ("p_session", "uuid"),
              ("p_session_secret", "bytea"), ("p_sca", "jsonb")]


@pytest.fixture(scope="module")
def sql_words(database_url: str) -> list[str]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT unnest(enum_range(NULL::posting_outcome))::text").fetchall()
    return [word for (word,) in rows]


def test_every_word_the_database_may_answer_has_a_python_member(sql_words):
    missing = sorted(set(sql_words) - {outcome.value for outcome in PostingOutcome})
    assert not missing, f"posting_outcome has {missing}, shared/outcomes.py PostingOutcome lacks them"


def test_every_python_member_is_a_word_of_the_database_type(sql_words):
    missing = sorted({outcome.value for outcome in PostingOutcome} - set(sql_words))
    assert not missing, f"PostingOutcome has {missing}, the SQL type posting_outcome lacks them"


def test_post_transfer_answers_its_outcome_as_that_type_with_the_columns_and_parameters_the_app_reads(sql):
    functions = sql.execute(
        """SELECT array_agg(a.name ORDER BY a.n) FILTER (WHERE a.mode = 'i'),
                  array_agg(format_type(a.type, NULL) ORDER BY a.n) FILTER (WHERE a.mode = 'i'),
                  array_agg(a.name ORDER BY a.n) FILTER (WHERE a.mode = 't'),
                  array_agg(format_type(a.type, NULL) ORDER BY a.n) FILTER (WHERE a.mode = 't')
             FROM pg_proc p
            CROSS JOIN LATERAL unnest(p.proallargtypes, p.proargmodes, p.proargnames)
                       WITH ORDINALITY AS a(type, mode, name, n)
            WHERE p.proname = 'post_transfer' AND p.pronamespace = 'public'::regnamespace
            GROUP BY p.oid""").fetchall()
    assert len(functions) == 1, "exactly one post_transfer: an overload could answer with other types"
    in_names, in_types, out_names, out_types = functions[0]
    assert list(zip(in_names, in_types, strict=True)) == PARAMETERS
    # The outcome typed posting_outcome means the SQL cannot return a word outside the type.
    assert list(zip(out_names, out_types, strict=True)) == RESULT_COLUMNS


def test_a_refusal_reaches_python_as_a_word_equal_to_its_member(sql):
    row = sql.execute(
        "SELECT outcome, id, amount FROM post_transfer(NULL, NULL, 'IE00IEBK00000000000000', 100, '', 'deposit',"
        " NULL, ''::bytea, false)").fetchone()
    assert row == (PostingOutcome.RECIPIENT_NOT_FOUND, None, None)
    assert type(row[0]) is str
