"""Dual control of large cash deposits and the open-account limit (issue 16), on a real PostgreSQL:
the threshold's boundary, a second admin's approval posting exactly once under concurrency,
rejection moving nothing, the maker and account owners refused, money conserved, and the
account limit holding when opens race."""

import asyncio
import uuid

import psycopg
import pytest

from shared import accounts, approvals, backoffice, users
from shared.auth import Principal
from shared.domain import DepositApproval, Transfer
from shared.errors import (
    AccountFrozen,
    AccountLimitReached,
    ApprovalByMaker,
    ApprovalNotPending,
    IdempotencyKeyReused,
    OwnAccountDeposit,
    RecipientNotFound,
)
from shared.models import DepositRequest, OpenAccountRequest, RegisterRequest, UpdateAccountRequest
from tests.helpers import register_body, staff_principal

THRESHOLD = 1_000_000  # DEPOSIT_APPROVAL_THRESHOLD's default, 10000.00, in cents
EUR_SYSTEM = "IE16IEBK00000000000001"


def customer(run, runtime) -> tuple[Principal, str]:
    registered = run(users.register(runtime.db, runtime.passwords, runtime.login_policy,
                                    RegisterRequest(**register_body()), "127.0.0.1", "test"))
    return Principal(registered.user.id, registered.user.username, "user"), registered.account.number


def admin_owning_an_account(run, runtime, sql) -> tuple[Principal, str]:
    person, number = customer(run, runtime)
    sql.execute("UPDATE users SET role = 'admin' WHERE id = %s", (person.id,))
    return Principal(person.id, person.username, "admin"), number


def take(run, runtime, staff, number, amount, key=None, description="cash at the desk"):
    return run(approvals.take_deposit(runtime.db, staff, number, DepositRequest(amount=amount, description=description),
                                      key or str(uuid.uuid4()), "corr-take", THRESHOLD))


def balance(sql, number: str) -> int:
    return sql.execute("SELECT balance FROM accounts WHERE number = %s", (number,)).fetchone()[0]


def deposits_into(sql, number: str) -> int:
    return sql.execute("SELECT count(*) FROM transfers t JOIN accounts a ON a.id = t.credit_account_id "
                       "WHERE a.number = %s", (number,)).fetchone()[0]


def test_a_deposit_of_exactly_the_threshold_posts_and_one_cent_more_waits_for_approval(run, runtime, sql,
                                                                                      database_url):
    maker = staff_principal(database_url)
    _, number = customer(run, runtime)
    posted = take(run, runtime, maker, number, "10000.00")
    assert isinstance(posted, Transfer) and balance(sql, number) == THRESHOLD

    pending = take(run, runtime, maker, number, "10000.01")
    assert isinstance(pending, DepositApproval)
    assert (pending.status, pending.amount, pending.currency, pending.account, pending.maker) == (
        "pending", THRESHOLD + 1, "EUR", number, maker.username)
    assert pending.holder == "Test Person"
    assert balance(sql, number) == THRESHOLD and deposits_into(sql, number) == 1
    audit = sql.execute("SELECT actor_username, changes ->> 'approval_id', changes ->> 'amount' FROM audit_log "
                        "WHERE action = 'deposit.requested' AND target_id = %s", (number,)).fetchall()
    assert audit == [(maker.username, str(pending.id), "10000.01")]


def test_a_retry_of_a_pending_deposit_returns_the_same_approval_and_another_body_under_its_key_is_refused(
        run, runtime, sql, database_url):
    maker = staff_principal(database_url)
    _, number = customer(run, runtime)
    key = str(uuid.uuid4())
    first = take(run, runtime, maker, number, "20000.00", key=key)
    again = take(run, runtime, maker, number, "20000.00", key=key)
    assert isinstance(again, DepositApproval) and again.id == first.id
    for other in ("20000.01", "5.00"):  # above the threshold, and below it: neither may reuse the key
        with pytest.raises(IdempotencyKeyReused):
            take(run, runtime, maker, number, other, key=key)
    assert sql.execute("SELECT count(*) FROM deposit_approvals WHERE maker_id = %s", (maker.id,)).fetchone()[0] == 1
    assert deposits_into(sql, number) == 0

    small_key = str(uuid.uuid4())
    take(run, runtime, maker, number, "5.00", key=small_key)
    with pytest.raises(IdempotencyKeyReused):  # a posted deposit's key cannot file an approval either
        take(run, runtime, maker, number, "50000.00", key=small_key)
    assert balance(sql, number) == 500


def test_a_second_admin_approves_and_the_deposit_is_posted_once_from_the_system_account(run, runtime, sql,
                                                                                         database_url):
    maker, checker = staff_principal(database_url), staff_principal(database_url)
    _, number = customer(run, runtime)
    system_before = balance(sql, EUR_SYSTEM)
    pending = take(run, runtime, maker, number, "25000.00")
    approved = run(approvals.approve(runtime.db, checker, pending.id, "corr-approve"))
    assert (approved.status, approved.checker, approved.maker) == ("approved", checker.username, maker.username)
    assert balance(sql, number) == 2_500_000 and deposits_into(sql, number) == 1
    # Money enters only through the system account: what the customer gained, it lost (other tests
    # deposit at the same time, so compare the one transfer's legs rather than the whole balance).
    legs = sql.execute("SELECT a.number, e.amount FROM entries e JOIN accounts a ON a.id = e.account_id "
                       "WHERE e.transfer_id = %s ORDER BY e.amount", (approved.transfer_id,)).fetchall()
    assert legs == [(EUR_SYSTEM, -2_500_000), (number, 2_500_000)]
    assert balance(sql, EUR_SYSTEM) <= system_before - 2_500_000
    audit = sql.execute("SELECT actor_username, changes ->> 'maker', changes ->> 'checker', changes ->> 'transfer_id'"
                        " FROM audit_log WHERE action = 'deposit.approved' AND target_id = %s", (number,)).fetchall()
    assert audit == [(checker.username, maker.username, checker.username, str(approved.transfer_id))]
    with pytest.raises(ApprovalNotPending):
        run(approvals.approve(runtime.db, staff_principal(database_url), pending.id, "corr-again"))
    assert deposits_into(sql, number) == 1


def decide_all_at_once(run, runtime, checkers: list[Principal], approval_id: uuid.UUID) -> list[str]:
    """Every checker decides at once: two in three approve, the others reject."""
    outcomes: list[str] = []

    async def decide(checker: Principal, index: int) -> None:
        try:
            if index % 3 == 2:
                await approvals.reject(runtime.db, checker, approval_id, "counted twice", "corr-race")
                outcomes.append("rejected")
            else:
                await approvals.approve(runtime.db, checker, approval_id, "corr-race")
                outcomes.append("approved")
        except ApprovalNotPending:
            outcomes.append("refused")

    async def all_at_once() -> None:
        await asyncio.gather(*(decide(checker, index) for index, checker in enumerate(checkers)))

    run(all_at_once())
    return outcomes


def test_approvals_and_a_rejection_racing_each_other_post_the_deposit_at_most_once(run, runtime, sql, database_url):
    maker = staff_principal(database_url)
    checkers = [staff_principal(database_url) for _ in range(6)]
    for _ in range(3):
        _, number = customer(run, runtime)
        pending = take(run, runtime, maker, number, "30000.00")
        outcomes = decide_all_at_once(run, runtime, checkers, pending.id)
        assert outcomes.count("refused") == 5
        won = next(outcome for outcome in outcomes if outcome != "refused")
        assert deposits_into(sql, number) == (1 if won == "approved" else 0)
        assert balance(sql, number) == (3_000_000 if won == "approved" else 0)
        status = sql.execute("SELECT status FROM deposit_approvals WHERE id = %s", (pending.id,)).fetchone()[0]
        assert status == won


def test_a_rejected_deposit_moves_nothing_and_records_the_reason(run, runtime, sql, database_url):
    maker, checker = staff_principal(database_url), staff_principal(database_url)
    _, number = customer(run, runtime)
    pending = take(run, runtime, maker, number, "15000.00")
    rejected = run(approvals.reject(runtime.db, checker, pending.id, "Notes did not pass the counterfeit check",
                                    "corr-reject"))
    assert (rejected.status, rejected.reason, rejected.transfer_id) == (
        "rejected", "Notes did not pass the counterfeit check", None)
    assert balance(sql, number) == 0 and deposits_into(sql, number) == 0
    with pytest.raises(ApprovalNotPending):
        run(approvals.approve(runtime.db, checker, pending.id, "corr-late"))
    assert deposits_into(sql, number) == 0
    audit = sql.execute("SELECT changes ->> 'reason', changes ->> 'maker' FROM audit_log "
                        "WHERE action = 'deposit.rejected' AND target_id = %s", (number,)).fetchall()
    assert audit == [("Notes did not pass the counterfeit check", maker.username)]


def test_the_maker_can_neither_approve_nor_reject_their_own_deposit(run, runtime, sql, database_url):
    maker = staff_principal(database_url)
    _, number = customer(run, runtime)
    pending = take(run, runtime, maker, number, "99999.99")
    with pytest.raises(ApprovalByMaker):
        run(approvals.approve(runtime.db, maker, pending.id, "corr-self"))
    with pytest.raises(ApprovalByMaker):
        run(approvals.reject(runtime.db, maker, pending.id, "changed my mind", "corr-self"))
    assert balance(sql, number) == 0
    assert sql.execute("SELECT status FROM deposit_approvals WHERE id = %s", (pending.id,)).fetchone()[0] == "pending"


def test_the_database_refuses_a_maker_as_checker_and_any_change_to_a_decided_approval(run, runtime, sql,
                                                                                      database_url):
    maker, checker = staff_principal(database_url), staff_principal(database_url)
    _, number = customer(run, runtime)
    pending = take(run, runtime, maker, number, "12000.00")
    with pytest.raises(psycopg.errors.CheckViolation):
        sql.execute("UPDATE deposit_approvals SET status = 'rejected', checker_id = maker_id, reason = 'x',"
                    " decided_at = now() WHERE id = %s", (pending.id,))
    run(approvals.reject(runtime.db, checker, pending.id, "wrong account", "corr"))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        sql.execute("UPDATE deposit_approvals SET status = 'pending' WHERE id = %s", (pending.id,))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        sql.execute("DELETE FROM deposit_approvals WHERE id = %s", (pending.id,))


def test_staff_cannot_deposit_any_amount_into_their_own_account(run, runtime, sql):
    staff, own = admin_owning_an_account(run, runtime, sql)
    for amount in ("1.00", "10000.00", "1000000000.00"):
        with pytest.raises(OwnAccountDeposit):
            take(run, runtime, staff, own, amount)
    assert balance(sql, own) == 0 and deposits_into(sql, own) == 0
    assert sql.execute("SELECT count(*) FROM deposit_approvals WHERE maker_id = %s", (staff.id,)).fetchone()[0] == 0


def test_an_admin_who_owns_the_account_cannot_decide_a_deposit_into_it(run, runtime, sql, database_url):
    maker = staff_principal(database_url)
    owner, own = admin_owning_an_account(run, runtime, sql)
    pending = take(run, runtime, maker, own, "40000.00")
    with pytest.raises(OwnAccountDeposit):
        run(approvals.approve(runtime.db, owner, pending.id, "corr-owner"))
    with pytest.raises(OwnAccountDeposit):
        run(approvals.reject(runtime.db, owner, pending.id, "no", "corr-owner"))
    assert balance(sql, own) == 0


def test_nothing_is_filed_for_an_account_that_cannot_receive_and_an_approval_waits_out_a_freeze(
        run, runtime, sql, database_url):
    maker, checker = staff_principal(database_url), staff_principal(database_url)
    with pytest.raises(RecipientNotFound):
        take(run, runtime, maker, EUR_SYSTEM, "50000.00")
    _, number = customer(run, runtime)
    sql.execute("UPDATE accounts SET status = 'frozen' WHERE number = %s", (number,))
    with pytest.raises(AccountFrozen):
        take(run, runtime, maker, number, "50000.00")
    sql.execute("UPDATE accounts SET status = 'active' WHERE number = %s", (number,))
    pending = take(run, runtime, maker, number, "50000.00")
    sql.execute("UPDATE accounts SET status = 'frozen' WHERE number = %s", (number,))
    with pytest.raises(AccountFrozen):  # post_transfer checks again at approval, and the approval stays pending
        run(approvals.approve(runtime.db, checker, pending.id, "corr-frozen"))
    assert sql.execute("SELECT status FROM deposit_approvals WHERE id = %s", (pending.id,)).fetchone()[0] == "pending"
    sql.execute("UPDATE accounts SET status = 'active' WHERE number = %s", (number,))
    assert run(approvals.approve(runtime.db, checker, pending.id, "corr-thawed")).status == "approved"
    assert balance(sql, number) == 5_000_000


def test_the_list_shows_pending_first_and_filters_by_status(run, runtime, database_url):
    from shared.models import ApprovalQuery

    maker, checker = staff_principal(database_url), staff_principal(database_url)
    _, number = customer(run, runtime)
    first = take(run, runtime, maker, number, "11000.00")
    second = take(run, runtime, maker, number, "12000.00")
    run(approvals.reject(runtime.db, checker, first.id, "duplicate", "corr"))
    listed = run(approvals.list_approvals(runtime.db, ApprovalQuery(limit=200))).items
    ranks = [item.status != "pending" for item in listed]
    assert ranks == sorted(ranks)  # every pending one before every decided one
    assert second.id in [item.id for item in listed if item.status == "pending"]
    rejected = run(approvals.list_approvals(runtime.db, ApprovalQuery(status="rejected", limit=200))).items
    assert {item.status for item in rejected} == {"rejected"} and first.id in [item.id for item in rejected]
    # Keyset pages, one at a time, give every approval once.
    seen, cursor = [], None
    while True:
        page = run(approvals.list_approvals(runtime.db, ApprovalQuery(limit=1, cursor=cursor)))
        seen += [item.id for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [item.id for item in listed]


def test_a_customer_opening_accounts_at_once_never_passes_the_limit(run, runtime, sql):
    person, _ = customer(run, runtime)  # registration opened the first one
    outcomes: list[str] = []

    async def open_one(index: int) -> None:
        try:
            await accounts.open_account(runtime.db, person.id, OpenAccountRequest(name=f"Pot {index}", currency="EUR"),
                                        max_open=10)
            outcomes.append("opened")
        except AccountLimitReached:
            outcomes.append("refused")

    async def fifteen_at_once() -> None:
        await asyncio.gather(*(open_one(index) for index in range(15)))

    run(fifteen_at_once())
    assert outcomes.count("opened") == 9 and outcomes.count("refused") == 6
    count = "SELECT count(*) FROM accounts WHERE owner_id = %s AND status <> 'closed'"
    assert sql.execute(count, (person.id,)).fetchone()[0] == 10


def test_a_closed_account_makes_room_and_staff_cannot_reopen_past_the_limit(run, runtime, sql, database_url):
    staff = staff_principal(database_url)
    person, first = customer(run, runtime)
    for index in range(2):
        run(accounts.open_account(runtime.db, person.id, OpenAccountRequest(name=f"Pot {index}", currency="EUR"),
                                  max_open=3))
    with pytest.raises(AccountLimitReached):
        run(accounts.open_account(runtime.db, person.id, OpenAccountRequest(name="One more", currency="EUR"),
                                  max_open=3))
    sql.execute("UPDATE accounts SET status = 'closed' WHERE number = %s", (first,))
    run(accounts.open_account(runtime.db, person.id, OpenAccountRequest(name="Replacement", currency="EUR"),
                              max_open=3))
    with pytest.raises(AccountLimitReached):
        run(backoffice.update_account(runtime.db, staff, first, UpdateAccountRequest(status="active"), "corr", 3))
    assert sql.execute("SELECT status FROM accounts WHERE number = %s", (first,)).fetchone()[0] == "closed"


def _plan_nodes(node: dict) -> list[dict]:
    return [node, *(found for child in node.get("Plans", []) for found in _plan_nodes(child))]


def test_a_history_page_of_a_customer_at_the_limit_reads_at_most_a_page_per_account(run, runtime, sql, database_url):
    """GET /api/transactions: each of the (at most 10 open) accounts gives at most one page from its
    (account_id, created_at, id) index, so a page costs accounts x limit rows however long the history is."""
    from bench.fixtures import fill_history
    from shared.repositories.history import _PAGE

    person, first = customer(run, runtime)
    numbers = [first] + [run(accounts.open_account(runtime.db, person.id, OpenAccountRequest(name=f"Pot {i}",
                                                                                         currency="EUR"),
                                                   max_open=10)).number for i in range(9)]
    # Long enough histories that walking the index is the plan by far (with a few hundred
    # entries the planner may as well read them all and sort, as CI saw once).
    for number in numbers:
        fill_history(database_url, number, 3000)
    sql.execute("ANALYZE entries")
    plan = sql.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + _PAGE,
                       {"owner": person.id, "account": None, "limit": 51, "before": 2**63 - 1}).fetchone()[0]
    nodes = _plan_nodes(plan[0]["Plan"])
    entry_scans = [node for node in nodes if node.get("Relation Name") == "entries"]
    assert entry_scans and all(node["Node Type"] in ("Index Scan", "Index Only Scan") for node in entry_scans)
    # The page's own walk (account, created_at, id), and the primary-key lookup of the cursor's entry.
    assert {node.get("Index Name") for node in entry_scans} <= {"entries_account_created_at_id_idx", "entries_pkey"}
    # 10 accounts x at most 51 rows each, of the 30,000 entries these accounts hold.
    assert sum(node["Actual Rows"] * node["Actual Loops"] for node in entry_scans) <= 10 * 51
    assert plan[0]["Plan"]["Actual Rows"] == 51
