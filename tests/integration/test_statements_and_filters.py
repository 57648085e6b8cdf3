"""History filters and statements against a real PostgreSQL: each filter, filters with keyset
paging across pages, and statements that reconcile with the ledger while transfers land."""

import asyncio
import threading
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from shared import history, ledger, periods, statements
from shared.db import Database
from shared.errors import AccountNotFound
from shared.models import HistoryQuery, StatementQuery, TransferRequest
from tests.helpers import signed_in
from tests.integration.test_ledger import new_customer


def posted_at(sql, source: str, target: str, amount: int, description: str, when: datetime) -> None:
    """A transfer booked at a chosen instant (post_transfer stamps now()): the transfers row, both
    legs and the balances, as post_transfer writes them."""
    with sql.transaction():
        ids = dict(sql.execute("SELECT number, id FROM accounts WHERE number IN (%s, %s)", (source, target)).fetchall())
        transfer_id = sql.execute(
            "INSERT INTO transfers (debit_account_id, credit_account_id, amount, currency, description, kind,"
            " created_at) VALUES (%s, %s, %s, 'EUR', %s, 'transfer', %s) RETURNING id",
            (ids[source], ids[target], amount, description, when)).fetchone()[0]
        sql.execute("INSERT INTO entries (transfer_id, account_id, counterparty_account_id, amount, created_at)"
                    " VALUES (%s, %s, %s, %s, %s), (%s, %s, %s, %s, %s)",
                    (transfer_id, ids[source], ids[target], -amount, when,
                     transfer_id, ids[target], ids[source], amount, when))
        sql.execute("UPDATE accounts SET balance = balance - %s WHERE id = %s", (amount, ids[source]))
        sql.execute("UPDATE accounts SET balance = balance + %s WHERE id = %s", (amount, ids[target]))


def descriptions(run, runtime, owner, **filters) -> list[str]:
    """Every matching entry's description, newest first, following next_cursor page by page."""
    seen, cursor = [], None
    while True:
        params = {key.rstrip("_"): value for key, value in filters.items()}
        page = run(history.history_page(runtime.db, owner.id, HistoryQuery.model_validate(
            {**params, **({"cursor": cursor} if cursor else {})})))
        seen += [entry.description for entry in page.items]
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


JULY_1_IN_DUBLIN = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 July, Irish summer time


def a_history(run, runtime, sql):
    """A customer with a year of entries at known instants, against two counterparties."""
    owner, mine = new_customer(run, runtime, "1000.00")
    _, shop = new_customer(run, runtime, "1000.00")
    _, landlord = new_customer(run, runtime, "1000.00")
    posted_at(sql, mine, shop, 1250, "Groceries at SHOP", datetime(2026, 6, 30, 12, 0, tzinfo=UTC))
    posted_at(sql, mine, landlord, 80000, "June rent 50%_off", datetime(2026, 6, 30, 22, 30, tzinfo=UTC))
    posted_at(sql, shop, mine, 300, "Refund from shop", JULY_1_IN_DUBLIN)
    posted_at(sql, mine, shop, 4999, "groceries again", datetime(2026, 7, 15, 9, 0, tzinfo=UTC))
    posted_at(sql, landlord, mine, 5000, "Deposit back", datetime(2026, 7, 31, 22, 59, tzinfo=UTC))
    posted_at(sql, mine, shop, 100, "Coffee", datetime(2026, 8, 1, 0, 0, tzinfo=UTC))  # 01:00, 1 Aug in Dublin
    return owner, mine, shop, landlord


def test_each_history_filter_keeps_only_matching_entries(run, runtime, sql):
    owner, mine, shop, landlord = a_history(run, runtime, sql)
    assert descriptions(run, runtime, owner, account=mine, from_="2026-07-01", to="2026-07-31") == [
        "Deposit back", "groceries again", "Refund from shop"]  # Dublin days: 22:30 UTC on 30 June is June
    assert descriptions(run, runtime, owner, account=mine, to="2026-06-30") == [
        "June rent 50%_off", "Groceries at SHOP"]  # the opening deposit is today's
    assert descriptions(run, runtime, owner, account=mine, min_amount="12.50", max_amount="49.99") == [
        "groceries again", "Groceries at SHOP"]
    assert descriptions(run, runtime, owner, account=mine, direction="in") == [
        "test deposit", "Deposit back", "Refund from shop"]
    assert descriptions(run, runtime, owner, account=mine, direction="out", max_amount="1.00") == ["Coffee"]
    assert descriptions(run, runtime, owner, counterparty=landlord) == ["Deposit back", "June rent 50%_off"]
    assert descriptions(run, runtime, owner, q="GROCERIES") == ["groceries again", "Groceries at SHOP"]
    assert descriptions(run, runtime, owner, q="50%_") == ["June rent 50%_off"]
    assert descriptions(run, runtime, owner, q="0%x") == []  # % is a character, not a wildcard
    assert descriptions(run, runtime, owner, account=shop) == []  # not the owner's account


def test_combined_filters_page_across_pages_without_gaps_or_repeats(run, runtime, sql):
    owner, mine, shop, _ = a_history(run, runtime, sql)
    start = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    for i in range(23):
        posted_at(sql, mine, shop, 100 + i, f"Card payment {i}" if i % 3 else f"Standing order {i}",
                  start + timedelta(minutes=i))
    posted_at(sql, shop, mine, 150, "Card payment refund", start + timedelta(minutes=30))
    wanted = [f"Card payment {i}" for i in reversed(range(23)) if i % 3 and 105 <= 100 + i <= 120]
    everything = descriptions(run, runtime, owner, account=mine, from_="2026-09-01", to="2026-09-01",
                              direction="out", min_amount="1.05", max_amount="1.20", counterparty=shop,
                              q="card", limit=3)
    assert everything == wanted and len(wanted) > 6  # several pages of 3


def test_a_cursor_resumes_after_its_entry_even_when_entries_share_an_instant(run, runtime, sql):
    owner, mine, shop, _ = a_history(run, runtime, sql)
    same = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    for i in range(7):
        posted_at(sql, mine, shop, 10, f"Same instant {i}", same)
    assert descriptions(run, runtime, owner, q="same instant", limit=2) == [f"Same instant {i}" for i in range(6, -1, -1)]


def statement_of(run, runtime, owner_id, number, first: str, last: str):
    return run(statements.statement(runtime.db, owner_id, number,
                                    StatementQuery.model_validate({"from": first, "to": last})))


def ledger_balance_at(sql, number: str, instant: datetime) -> int:
    return sql.execute("SELECT COALESCE(sum(e.amount), 0) FROM entries e JOIN accounts a ON a.id = e.account_id"
                       " WHERE a.number = %s AND e.created_at < %s", (number, instant)).fetchone()[0]


def test_a_statement_opens_and_closes_on_the_ledger_balances_of_its_days(run, runtime, sql):
    owner, mine, _, _ = a_history(run, runtime, sql)
    july = statement_of(run, runtime, owner.id, mine, "2026-07-01", "2026-07-31")
    assert july.opening_balance == ledger_balance_at(sql, mine, periods.day_start(date(2026, 7, 1)))
    assert july.closing_balance == ledger_balance_at(sql, mine, periods.day_after(date(2026, 7, 31)))
    assert [line.description for line in july.lines] == ["Refund from shop", "groceries again", "Deposit back"]
    assert (july.paid_in, july.paid_out) == (5300, 4999)
    assert [line.balance for line in july.lines] == [july.opening_balance + 300, july.opening_balance - 4699,
                                                     july.closing_balance]
    august = statement_of(run, runtime, owner.id, mine, "2026-08-01", "2026-08-31")
    assert august.opening_balance == july.closing_balance
    assert july.holder == "Test Person"


def test_someone_elses_account_has_no_statement(run, runtime, sql):
    owner, _, shop, _ = a_history(run, runtime, sql)
    with pytest.raises(AccountNotFound):
        statement_of(run, runtime, owner.id, shop, "2026-07-01", "2026-07-31")
    staff_view = run(statements.statement(runtime.db, None, shop, StatementQuery.model_validate(
        {"from": "2026-07-01", "to": "2026-07-31"})))
    assert staff_view.account == shop


def test_a_statement_read_while_transfers_land_still_reconciles(run, runtime, sql):
    """Opening balance, entries and closing balance come from one snapshot: for the whole life of
    the account the opening is zero and the closing is the balance the ledger had at that moment."""
    owner, mine = new_customer(run, runtime, "500.00")
    _, other = new_customer(run, runtime)
    today = datetime.now(periods.BANK_ZONE).date()
    stop = threading.Event()
    # The payments run on their own event loop and pool, as another worker would.
    payer_loop = asyncio.Runner()
    payer_db = Database(runtime.settings)
    credentials = signed_in(run, runtime, owner.id)

    def payer() -> None:
        while not stop.is_set():
            payer_loop.run(ledger.transfer(payer_db, credentials, TransferRequest(
                from_account=mine, to_account=other, amount="0.01"), str(uuid.uuid4())))

    thread = threading.Thread(target=payer)
    thread.start()
    try:
        seen = set()
        for _ in range(25):
            result = statement_of(run, runtime, owner.id, mine, (today - timedelta(days=1)).isoformat(),
                                  today.isoformat())
            assert result.opening_balance == 0
            assert result.closing_balance == 50000 - (len(result.lines) - 1)
            assert result.lines[-1].balance == result.closing_balance
            seen.add(len(result.lines))
    finally:
        stop.set()
        thread.join()
        payer_loop.run(payer_db.close())
        payer_loop.close()
    assert len(seen) > 5  # the payments really landed between statements
