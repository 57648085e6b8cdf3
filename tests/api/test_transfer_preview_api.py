"""POST /api/transfers/preview: the answer a transfer would get, refusals included, with nothing moved."""

import pytest

from shared import account_numbers
from tests.api.test_customer_api import problem
from tests.helpers import deposit, make_admin, sign_in, sign_up


@pytest.fixture
def staff(api, database_url) -> dict[str, str]:
    return {"Authorization": f"Bearer {sign_in(api, *make_admin(database_url))}"}


def moved(sql, account: str) -> tuple[int, int]:
    """(transfers touching the account, its balance in cents)."""
    row = sql.execute("SELECT (SELECT count(*) FROM transfers t WHERE a.id IN (t.debit_account_id, t.credit_account_id)),"
                      " a.balance FROM accounts a WHERE a.number = %s", (account,)).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def refused_alike(api, customer, body: dict, status: int, slug: str) -> dict:
    """The preview's refusal, which must be the one the transfer itself gives."""
    previewed = problem(api.post("/api/transfers/preview", json=body, headers=customer.headers), status, slug)
    sent = problem(api.post("/api/transfers", json=body, headers=customer.headers), status, slug)
    keys = ("type", "title", "status", "detail", "errors")
    assert {k: previewed.get(k) for k in keys} == {k: sent.get(k) for k in keys}
    return previewed


def test_a_preview_answers_amount_currency_and_recipient_status_and_moves_nothing(api, sql, database_url):
    alice, bob = sign_up(api), sign_up(api)
    deposit(database_url, alice.account, "20.00")
    before = moved(sql, alice.account), moved(sql, bob.account)
    typed = bob.account.lower()[:4] + " " + bob.account[4:]
    previewed = api.post("/api/transfers/preview", headers=alice.headers,
                         json={"from_account": alice.account, "to_account": typed, "amount": "12.50",
                               "description": "Rent"})
    assert previewed.status_code == 200, previewed.text
    assert previewed.json() == {"from_account": alice.account, "to_account": bob.account, "amount": "12.50",
                                "currency": "EUR", "recipient_status": "active"}
    assert "idempotency-key" not in previewed.request.headers  # none needed
    assert (moved(sql, alice.account), moved(sql, bob.account)) == before


def test_a_preview_refuses_what_the_transfer_would_refuse_with_the_same_problem(api, staff, sql, database_url):
    alice, bob, carol, gone = sign_up(api), sign_up(api), sign_up(api), sign_up(api)
    deposit(database_url, alice.account, "5.00")
    deposit(database_url, carol.account, "5.00")
    base = {"from_account": alice.account, "to_account": bob.account, "amount": "1.00"}
    before = [moved(sql, who.account) for who in (alice, bob, carol, gone)]

    refused_alike(api, bob, base, 404, "account-not-found")  # not bob's account to send from
    refused_alike(api, alice, {**base, "to_account": account_numbers.generate()}, 404, "recipient-not-found")
    same = refused_alike(api, alice, {**base, "to_account": alice.account.lower()}, 422, "validation-error")
    assert [error["field"] for error in same["errors"]] == ["to_account"]
    refused_alike(api, alice, {**base, "amount": "5.01"}, 409, "insufficient-funds")
    usd = api.post("/api/accounts", json={"name": "Dollars", "currency": "USD"}, headers=bob.headers).json()
    refused_alike(api, alice, {**base, "to_account": usd["number"]}, 422, "currency-mismatch")

    api.patch(f"/api/manage/users/{gone.user_id}", json={"active": False}, headers=staff)
    deactivated = refused_alike(api, alice, {**base, "to_account": gone.account}, 409, "account-frozen")
    assert "recipient" in deactivated["detail"]

    api.patch(f"/api/manage/accounts/{bob.account}", json={"status": "frozen"}, headers=staff)
    refused_alike(api, alice, base, 409, "account-frozen")
    refused_alike(api, bob, {**base, "from_account": bob.account, "to_account": alice.account}, 409, "account-frozen")
    api.patch(f"/api/manage/accounts/{bob.account}", json={"status": "closed"}, headers=staff)
    refused_alike(api, alice, base, 409, "account-closed")

    api.patch(f"/api/manage/accounts/{carol.account}", json={"status": "frozen"}, headers=staff)
    source_frozen = refused_alike(api, carol, {**base, "from_account": carol.account, "to_account": alice.account},
                                  409, "account-frozen")
    assert "Your account" in source_frozen["detail"]
    empty = api.post("/api/accounts", json={"name": "Spare", "currency": "EUR"}, headers=alice.headers).json()
    api.patch(f"/api/accounts/{empty['number']}", json={"status": "closed"}, headers=alice.headers)
    refused_alike(api, alice, {**base, "from_account": empty["number"], "to_account": carol.account},
                  409, "account-closed")

    assert [moved(sql, who.account) for who in (alice, bob, carol, gone)] == before


def test_a_preview_needs_a_valid_body_like_the_transfer(api):
    alice = sign_up(api)
    invalid = problem(api.post("/api/transfers/preview", headers=alice.headers,
                               json={"from_account": alice.account, "to_account": "IE00", "amount": "1.001"}),
                      422, "validation-error")
    assert {error["field"] for error in invalid["errors"]} == {"to_account", "amount"}
