"""Scheduled and standing orders over HTTP through the local host (issue 16), and closing an
account that still pays one (issue 19)."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from shared.schedules import bank_date
from shared.standing_orders import RetryPolicy, run_due
from tests.api.test_customer_api import problem
from tests.helpers import deposit, sign_up

TODAY = bank_date(datetime.now(UTC))


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def create(api, json, headers, key=None):
    """POST /api/standing-orders with an Idempotency-Key, a fresh one unless given."""
    return api.post("/api/standing-orders", json=json, headers={**headers, "Idempotency-Key": key or str(uuid.uuid4())})


def order_body(customer, to_account, **overrides):
    body = {"from_account": customer.account, "to_account": to_account, "amount": "12.50",
            "description": "Rent", "first_date": day(3), "frequency": "monthly"}
    body.update(overrides)
    return body


def test_a_customer_sets_up_lists_pauses_resumes_and_cancels_a_monthly_order(api):
    alice, bob = sign_up(api), sign_up(api)
    created = create(api, json=order_body(alice, bob.account), headers=alice.headers)
    assert created.status_code == 201, created.text
    order = created.json()
    assert {k: order[k] for k in ("from_account", "to_account", "amount", "currency", "frequency", "status",
                                  "next_date", "day_of_month", "payee_id")} == {
        "from_account": alice.account, "to_account": bob.account, "amount": "12.50", "currency": "EUR",
        "frequency": "monthly", "status": "active", "next_date": day(3),
        "day_of_month": (TODAY + timedelta(days=3)).day, "payee_id": None}

    listed = api.get("/api/standing-orders", headers=alice.headers).json()["items"]
    assert [(o["id"], o["next_date"]) for o in listed] == [(order["id"], day(3))]
    assert api.get(f"/api/standing-orders/{order['id']}", headers=alice.headers).json() == order
    assert api.get(f"/api/standing-orders/{order['id']}/executions", headers=alice.headers).json() == {"items": []}

    url = f"/api/standing-orders/{order['id']}"
    assert api.patch(url, json={"status": "paused"}, headers=alice.headers).json()["status"] == "paused"
    assert api.patch(url, json={"status": "active"}, headers=alice.headers).json()["status"] == "active"
    cancelled = api.patch(url, json={"status": "cancelled"}, headers=alice.headers).json()
    assert (cancelled["status"], cancelled["next_date"]) == ("cancelled", None)
    problem(api.patch(url, json={"status": "active"}, headers=alice.headers), 409, "standing-order-ended")
    assert api.get("/api/standing-orders", headers=bob.headers).json() == {"items": []}


def test_weekly_with_a_count_and_once_on_a_future_date_are_accepted(api):
    alice, bob = sign_up(api), sign_up(api)
    weekly = create(api, headers=alice.headers,
                    json=order_body(alice, bob.account, frequency="weekly", count=4))
    assert weekly.status_code == 201 and weekly.json()["count"] == 4 and weekly.json()["day_of_month"] is None
    once = create(api, headers=alice.headers, json=order_body(
        alice, bob.account, frequency="once", first_date=day(10)))
    assert once.status_code == 201 and once.json()["next_date"] == day(10)
    ended = create(api, headers=alice.headers, json=order_body(
        alice, bob.account, frequency="monthly", first_date=day(1), end_date=day(200)))
    assert ended.json()["end_date"] == day(200)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"first_date": day(-1)}, "first_date"),
    ({"frequency": "daily"}, "frequency"),
    ({"frequency": "weekly", "day_of_month": 5}, "day_of_month"),
    ({"day_of_month": 32}, "day_of_month"),
    ({"end_date": day(1)}, "end_date"),
    ({"frequency": "once", "count": 2}, "count"),
    ({"count": 3, "end_date": day(90)}, "count"),
    ({"count": 0}, "count"),
    ({"amount": "0.00"}, "amount"),
    ({"amount": "1.005"}, "amount"),
    ({"first_date": "next tuesday"}, "first_date"),
    ({"role": "admin"}, "role"),
])
def test_a_bad_order_is_422_naming_the_field(api, overrides, field):
    alice, bob = sign_up(api), sign_up(api)
    body = problem(create(api, json=order_body(alice, bob.account, **overrides),
                            headers=alice.headers), 422, "validation-error")
    assert field in [error["field"] for error in body["errors"]]


def test_nobody_pays_from_someone_elses_account_or_reads_their_orders(api):
    alice, bob, mallory = sign_up(api), sign_up(api), sign_up(api)
    problem(create(api, json=order_body(alice, mallory.account),
                     headers=mallory.headers), 404, "account-not-found")
    order = create(api, json=order_body(alice, bob.account), headers=alice.headers).json()
    url = f"/api/standing-orders/{order['id']}"
    problem(api.get(url, headers=mallory.headers), 404, "standing-order-not-found")
    problem(api.get(url + "/executions", headers=mallory.headers), 404, "standing-order-not-found")
    problem(api.patch(url, json={"status": "cancelled"}, headers=mallory.headers), 404, "standing-order-not-found")
    problem(api.get("/api/standing-orders/not-a-uuid", headers=alice.headers), 404, "standing-order-not-found")
    assert api.get(url, headers=alice.headers).json()["status"] == "active"


def test_an_unknown_recipient_or_another_currency_is_refused_at_once(api):
    alice = sign_up(api)
    usd = api.post("/api/accounts", json={"name": "Dollars", "currency": "USD"}, headers=alice.headers).json()
    problem(create(api, json=order_body(alice, "IE16IEBK00000000000001"),
                     headers=alice.headers), 404, "recipient-not-found")
    problem(create(api, json=order_body(alice, usd["number"]),
                     headers=alice.headers), 422, "currency-mismatch")
    problem(api.patch("/api/standing-orders/00000000-0000-0000-0000-000000000000", json={"status": "completed"},
                      headers=alice.headers), 422, "validation-error")


def test_an_account_with_a_live_order_cannot_be_closed_by_its_owner(api):
    alice, bob = sign_up(api), sign_up(api)
    second = api.post("/api/accounts", json={"name": "Bills", "currency": "EUR"}, headers=alice.headers).json()
    order = create(api, json=order_body(alice, bob.account, from_account=second["number"]),
                     headers=alice.headers).json()
    url = f"/api/accounts/{second['number']}"
    refused = problem(api.patch(url, json={"status": "closed"}, headers=alice.headers), 409,
                      "account-has-standing-orders")
    assert "standing order" in refused["detail"]
    api.patch(f"/api/standing-orders/{order['id']}", json={"status": "paused"}, headers=alice.headers)
    problem(api.patch(url, json={"status": "closed"}, headers=alice.headers), 409, "account-has-standing-orders")
    api.patch(f"/api/standing-orders/{order['id']}", json={"status": "cancelled"}, headers=alice.headers)
    assert api.patch(url, json={"status": "closed"}, headers=alice.headers).json()["status"] == "closed"


def test_executions_show_each_payment_and_a_failure_plainly(api, run, runtime, sql, database_url):
    alice, bob = sign_up(api), sign_up(api)
    deposit(database_url, alice.account, "20.00")
    paid = create(api, json=order_body(alice, bob.account, first_date=day(0), amount="15.00"),
                    headers=alice.headers).json()
    short = create(api, json=order_body(alice, bob.account, first_date=day(0), amount="15.00",
                                                            frequency="once"), headers=alice.headers).json()
    # The run pays every due order of the database: only these two are left live.
    sql.execute("UPDATE standing_orders SET status = 'cancelled', next_date = NULL WHERE status IN"
                " ('active', 'paused') AND id NOT IN (%s, %s)", (paid["id"], short["id"]))
    run(run_due(runtime.db, datetime.now(UTC), RetryPolicy(max_attempts=1)))
    outcomes = {}
    for order in (paid, short):
        [execution] = api.get(f"/api/standing-orders/{order['id']}/executions", headers=alice.headers).json()["items"]
        outcomes[order["id"]] = (execution["status"], execution["outcome"], execution["transfer_id"] is not None)
    assert sorted(outcomes.values()) == [("failed", "insufficient-funds", False), ("posted", "posted", True)]
    assert api.get(f"/api/accounts/{bob.account}", headers=bob.headers).json()["balance"] == "15.00"


def test_creating_an_order_needs_an_idempotency_key_and_a_retry_sets_up_one_order(api, local_host):
    alice, bob = sign_up(api), sign_up(api)
    body = order_body(alice, bob.account)
    with httpx.Client(base_url=local_host.base_url, timeout=30) as keyless:  # no hook adding a key
        problem(keyless.post("/api/standing-orders", json=body, headers=alice.headers), 428,
                "idempotency-key-required")
    key = str(uuid.uuid4())
    first = create(api, body, alice.headers, key)
    again = create(api, body, alice.headers, key)
    assert first.status_code == again.status_code == 201 and again.json()["id"] == first.json()["id"]
    problem(create(api, {**body, "amount": "99.00"}, alice.headers, key), 422, "idempotency-key-reused")
    assert len(api.get("/api/standing-orders", headers=alice.headers).json()["items"]) == 1


def test_an_order_stopped_by_a_frozen_account_says_so_in_its_own_words(api, run, runtime, sql, database_url):
    alice, bob = sign_up(api), sign_up(api)
    deposit(database_url, alice.account, "20.00")
    order = create(api, json=order_body(alice, bob.account, first_date=day(0)), headers=alice.headers).json()
    sql.execute("UPDATE standing_orders SET status = 'cancelled', next_date = NULL WHERE status IN"
                " ('active', 'paused') AND id <> %s", (order["id"],))
    sql.execute("UPDATE accounts SET status = 'frozen' WHERE number = %s", (alice.account,))
    run(run_due(runtime.db, datetime.now(UTC), RetryPolicy()))
    stopped = api.get(f"/api/standing-orders/{order['id']}", headers=alice.headers).json()
    assert (stopped["status"], stopped["stopped_reason"], stopped["next_date"]) == ("stopped", "source-frozen", None)
    [failed] = api.get(f"/api/standing-orders/{order['id']}/executions", headers=alice.headers).json()["items"]
    assert (failed["status"], failed["outcome"]) == ("failed", "source-frozen")
    assert api.get(f"/api/accounts/{bob.account}", headers=bob.headers).json()["balance"] == "0.00"


def payee_of(api, owner, account, name="Bob") -> dict:
    created = api.post("/api/payees", json={"name": name, "account": account}, headers=owner.headers)
    assert created.status_code == 201, created.text
    return dict(created.json())


def test_an_order_to_a_saved_payee_pays_its_account_and_stops_when_the_payee_is_deleted(
        api, run, runtime, sql, database_url):
    alice, bob = sign_up(api), sign_up(api)
    deposit(database_url, alice.account, "20.00")
    payee = payee_of(api, alice, bob.account)
    body = order_body(alice, None, payee_id=payee["id"], first_date=day(0), amount="5.00")
    del body["to_account"]
    created = create(api, json=body, headers=alice.headers)
    assert created.status_code == 201, created.text
    order = created.json()
    assert (order["payee_id"], order["to_account"], order["status"]) == (payee["id"], bob.account, "active")
    sql.execute("UPDATE standing_orders SET status = 'cancelled', next_date = NULL WHERE status IN"
                " ('active', 'paused') AND id <> %s", (order["id"],))
    assert run(run_due(runtime.db, datetime.now(UTC), RetryPolicy())).posted == 1
    assert api.get(f"/api/accounts/{bob.account}", headers=bob.headers).json()["balance"] == "5.00"
    [saved] = api.get("/api/payees", headers=alice.headers).json()["items"]
    assert saved["last_paid_at"] is not None

    assert api.delete(f"/api/payees/{payee['id']}", headers=alice.headers).status_code == 204
    after = api.get(f"/api/standing-orders/{order['id']}", headers=alice.headers).json()
    assert {k: after[k] for k in ("status", "stopped_reason", "payee_id", "to_account", "next_date")} == {
        "status": "stopped", "stopped_reason": "payee-deleted", "payee_id": None, "to_account": bob.account,
        "next_date": None}


@pytest.mark.parametrize("recipient", ["neither", "both"])
def test_an_order_names_an_account_or_a_payee_exactly_once(api, recipient):
    alice, bob = sign_up(api), sign_up(api)
    payee = payee_of(api, alice, bob.account)
    body = order_body(alice, bob.account, payee_id=payee["id"])
    if recipient == "neither":
        del body["to_account"], body["payee_id"]
    refused = problem(create(api, json=body, headers=alice.headers), 422, "validation-error")
    assert [error["field"] for error in refused["errors"]] == ["to_account"]
    assert api.get("/api/standing-orders", headers=alice.headers).json() == {"items": []}


def test_nobody_sets_up_an_order_to_someone_elses_payee(api):
    alice, bob, mallory = sign_up(api), sign_up(api), sign_up(api)
    alices = payee_of(api, alice, bob.account)
    body = order_body(mallory, None, payee_id=alices["id"])
    del body["to_account"]
    problem(create(api, json=body, headers=mallory.headers), 404, "payee-not-found")
    problem(create(api, json={**body, "payee_id": "not-a-uuid"}, headers=mallory.headers), 422, "validation-error")
    assert api.get("/api/standing-orders", headers=mallory.headers).json() == {"items": []}


def test_history_is_filtered_by_one_of_the_callers_payees(api, database_url):
    alice, bob, carol = sign_up(api), sign_up(api), sign_up(api)
    deposit(database_url, alice.account, "20.00")
    for target, amount in ((bob, "1.00"), (carol, "2.00")):
        sent = api.post("/api/transfers", json={"from_account": alice.account, "to_account": target.account,
                                                "amount": amount},
                        headers={**alice.headers, "Idempotency-Key": str(uuid.uuid4())})
        assert sent.status_code == 201, sent.text
    payee = payee_of(api, alice, bob.account)
    found = api.get("/api/transactions", params={"counterparty": payee["id"]}, headers=alice.headers)
    assert found.status_code == 200, found.text
    assert [(i["counterparty_account"], i["counterparty_name"], i["amount"]) for i in found.json()["items"]] == [
        (bob.account, "Bob", "1.00")]
    carols_payee = payee_of(api, carol, alice.account, "Alice")
    for someone_elses in (carols_payee["id"], str(uuid.uuid4())):
        assert api.get("/api/transactions", params={"counterparty": someone_elses},
                       headers=alice.headers).json()["items"] == []
    refused = problem(api.get("/api/transactions", params={"counterparty": "1234-not-a-payee"},
                              headers=alice.headers), 422, "validation-error")
    assert [error["field"] for error in refused["errors"]] == ["counterparty"]
