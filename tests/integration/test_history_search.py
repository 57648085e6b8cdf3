"""History search (`q`) against a real PostgreSQL: words and word beginnings, all of them, with
punctuation splitting words on both sides; input that looks like SQL or tsquery is only words; pages
under `q` follow each other without gaps whichever strategy serves them; and a word rare in a long
history is found by the index, not by walking the account's entries (the plan, read after ANALYZE)."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from bench.fixtures import RARE_WORD, fill_history
from shared import cursors
from shared.db import SORTS_OFF
from shared.history import entry_filter
from shared.models import HistoryQuery
from shared.repositories.history import page_query
from shared.repositories.history_filters import WALK_PROBE
from tests.integration.test_ledger import new_customer
from tests.integration.test_statements_and_filters import descriptions, posted_at

LAST_YEAR = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)


def a_described_history(run, runtime, sql):
    owner, mine = new_customer(run, runtime, "1000.00")
    _, shop = new_customer(run, runtime, "1000.00")
    for minutes, text in enumerate(["Rent December", "Café Ólafur", "Invoice #INV-2024/05 (paid)",
                                    "rent-deposit refund", "Groceries", "Parent teacher fee"]):
        posted_at(sql, mine, shop, 100, text, LAST_YEAR + timedelta(minutes=minutes))
    return owner, mine


def test_q_finds_words_and_word_beginnings_not_any_substring(run, runtime, sql):
    owner, mine = a_described_history(run, runtime, sql)
    assert descriptions(run, runtime, owner, account=mine, q="rent") == ["rent-deposit refund", "Rent December"]
    assert descriptions(run, runtime, owner, account=mine, q="dece") == ["Rent December"]
    assert descriptions(run, runtime, owner, account=mine, q="ent") == []  # inside "Parent", not a beginning
    assert descriptions(run, runtime, owner, account=mine, q="REFUND") == ["rent-deposit refund"]


def test_q_with_several_words_needs_all_of_them_in_any_order(run, runtime, sql):
    owner, mine = a_described_history(run, runtime, sql)
    assert descriptions(run, runtime, owner, account=mine, q="december rent") == ["Rent December"]
    assert descriptions(run, runtime, owner, account=mine, q="rent dep") == ["rent-deposit refund"]
    assert descriptions(run, runtime, owner, account=mine, q="rent groceries") == []


def test_punctuation_splits_words_in_the_search_and_the_description(run, runtime, sql):
    owner, mine = a_described_history(run, runtime, sql)
    invoice = ["Invoice #INV-2024/05 (paid)"]
    assert descriptions(run, runtime, owner, account=mine, q="2024/05") == invoice
    assert descriptions(run, runtime, owner, account=mine, q="inv 05") == invoice
    assert descriptions(run, runtime, owner, account=mine, q="(paid)") == invoice
    assert descriptions(run, runtime, owner, account=mine, q="deposit refund") == ["rent-deposit refund"]


def test_letter_case_is_ignored_and_accents_count(run, runtime, sql):
    owner, mine = a_described_history(run, runtime, sql)
    assert descriptions(run, runtime, owner, account=mine, q="CAFÉ") == ["Café Ólafur"]
    assert descriptions(run, runtime, owner, account=mine, q="ólaf") == ["Café Ólafur"]
    assert descriptions(run, runtime, owner, account=mine, q="cafe") == []  # no unaccent in 'simple'


@pytest.mark.parametrize("q", ["%", "&|!", " -- ", "'\"*:()"])
def test_a_search_of_only_symbols_is_refused_naming_q(q):
    with pytest.raises(ValidationError) as refused:
        HistoryQuery.model_validate({"q": q})
    assert refused.value.errors()[0]["loc"] == ("q",)


def test_input_that_looks_like_sql_or_a_tsquery_is_only_words(run, runtime, sql):
    owner, mine = a_described_history(run, runtime, sql)
    assert descriptions(run, runtime, owner, account=mine, q="rent') OR 1=1 --") == []
    assert descriptions(run, runtime, owner, account=mine, q="'; DROP TABLE transfers; --") == []
    assert descriptions(run, runtime, owner, account=mine, q="rent & !x | y") == []
    assert descriptions(run, runtime, owner, account=mine, q="dec:* & rent") == ["Rent December"]
    assert descriptions(run, runtime, owner, account=mine, q="#" + "1") == []  # an account's own lexeme is '#id'
    assert sql.execute("SELECT count(*) FROM transfers").fetchone()[0] > 0


def test_pages_of_a_rare_word_in_a_long_history_follow_each_other_with_every_filter(run, runtime, sql,
                                                                                   database_url):
    owner, mine = new_customer(run, runtime, "1000.00")
    _, shop = new_customer(run, runtime, "1000.00")
    fill_history(database_url, mine, WALK_PROBE + 200)  # newer than the fees: the walk finds none of them
    for i in range(7):
        posted_at(sql, mine, shop, 100 + i, f"Yearly fee {i}", LAST_YEAR + timedelta(days=i))
        posted_at(sql, shop, mine, 100 + i, f"Yearly fee refund {i}", LAST_YEAR + timedelta(days=i, hours=1))
    assert descriptions(run, runtime, owner, account=mine, q="yearly fee", limit=2) == [
        text for i in range(6, -1, -1) for text in (f"Yearly fee refund {i}", f"Yearly fee {i}")]
    assert descriptions(run, runtime, owner, q="fee", direction="out", min_amount="1.02", max_amount="1.05",
                        counterparty=shop, from_="2025-12-02", to="2025-12-31", limit=3) == [
        f"Yearly fee {i}" for i in (5, 4, 3, 2)]
    assert descriptions(run, runtime, owner, account=mine, q="quixotic") == []


def test_pages_of_a_common_word_follow_each_other(run, runtime, sql, database_url):
    owner, mine = new_customer(run, runtime, "1000.00")
    fill_history(database_url, mine, 120)
    seen = descriptions(run, runtime, owner, account=mine, q="bench hist", limit=50)
    assert seen == [f"bench history {n}" + (f" {RARE_WORD}" if n == 60 else "") for n in range(120, 0, -1)]


def _plan_nodes(node: dict) -> list[dict]:
    return [node, *(found for child in node.get("Plans", []) for found in _plan_nodes(child))]


def _plan(sql, owner_id, account: str, q: str) -> dict:
    query, params = page_query(entry_filter(HistoryQuery.model_validate({"q": q})))
    sql.execute("BEGIN READ ONLY; " + SORTS_OFF)  # as shared/history.py reads a page with words
    plan = sql.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + query,
                       {"owner": owner_id, "account": account, "limit": 51,
                        "before": cursors.page_below(None), **params}).fetchone()[0][0]["Plan"]
    sql.execute("ROLLBACK")
    return plan


def test_a_rare_word_is_found_by_the_index_without_walking_the_accounts_entries(run, runtime, sql, database_url):
    """The account holds 5,000 entries and the word one of them, the 2,500th newest: the walk stops
    after its probe, and the words index hands over the one transfer."""
    owner, mine = new_customer(run, runtime, "1000.00")
    fill_history(database_url, mine, 5000)
    sql.execute("ANALYZE transfers")
    sql.execute("ANALYZE entries")
    plan = _plan(sql, owner.id, mine, RARE_WORD)
    nodes = _plan_nodes(plan)
    assert plan["Actual Rows"] == 1
    entries_read = sum(node["Actual Rows"] * node["Actual Loops"] for node in nodes
                       if node.get("Relation Name") == "entries")
    assert entries_read <= WALK_PROBE + 2  # the probe, the one entry found, the cursor's lookup
    assert any(node.get("Index Name") == "transfers_words_idx" for node in nodes)
    # A word every entry holds: a page of the newest entries, and the index is never read.
    common = _plan_nodes(_plan(sql, owner.id, mine, "bench"))
    assert sum(node["Actual Rows"] * node["Actual Loops"] for node in common
               if node.get("Relation Name") == "entries") <= 2 * 51
    assert all(node.get("Actual Loops", 0) == 0 for node in common if node.get("Index Name") == "transfers_words_idx")
