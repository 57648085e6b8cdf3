"""Dual control and account limits over HTTP (issue 16): the deposit route's 201/202 boundary, the
approvals routes and every refusal they answer, and the open-account limit, against the local host."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.api.test_customer_api import problem
from tests.helpers import PASSWORD, give_passkey, make_admin, register_body, sign_in, sign_up


def admin_headers(api, database_url) -> dict[str, str]:
    username, password = make_admin(database_url)
    headers = {"Authorization": f"Bearer {sign_in(api, username, password)}"}
    return headers


@pytest.fixture
def maker(api, database_url) -> dict[str, str]:
    return admin_headers(api, database_url)


@pytest.fixture
def checker(api, database_url) -> dict[str, str]:
    return admin_headers(api, database_url)


def take_deposit(api, staff, number, amount, key=None, description="Cash at the branch"):
    return api.post(f"/api/manage/accounts/{number}/deposits", json={"amount": amount, "description": description},
                    headers={**staff, "Idempotency-Key": key or str(uuid.uuid4())})


def balance_of(api, customer) -> str:
    return api.get(f"/api/accounts/{customer.account}", headers=customer.headers).json()["balance"]


def system_sums_to_zero(sql) -> None:
    """All balances of each currency sum to zero: money only enters through the system accounts."""
    assert sql.execute("SELECT count(*) FROM (SELECT currency FROM accounts GROUP BY currency"
                       " HAVING sum(balance) <> 0) s").fetchone()[0] == 0


def test_a_deposit_above_the_threshold_answers_202_and_moves_nothing_until_approved(api, maker, checker, sql):
    customer = sign_up(api)
    at = take_deposit(api, maker, customer.account, "10000.00")
    assert at.status_code == 201 and at.json()["kind"] == "deposit"
    key = str(uuid.uuid4())
    above = take_deposit(api, maker, customer.account, "10000.01", key=key)
    assert above.status_code == 202, above.text
    pending = above.json()
    assert {k: pending[k] for k in ("status", "account", "holder", "amount", "currency", "checker")} == {
        "status": "pending", "account": customer.account, "holder": "Test Person", "amount": "10000.01",
        "currency": "EUR", "checker": None}
    assert pending["maker"] and pending["created_at"] and uuid.UUID(pending["id"])
    assert balance_of(api, customer) == "10000.00"

    again = take_deposit(api, maker, customer.account, "10000.01", key=key)
    assert again.status_code == 202 and again.json()["id"] == pending["id"]
    problem(take_deposit(api, maker, customer.account, "10000.02", key=key), 422, "idempotency-key-reused")

    approved = api.post(f"/api/manage/approvals/{pending['id']}/approve", headers=checker)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["transfer_id"]
    assert balance_of(api, customer) == "20000.01"
    problem(api.post(f"/api/manage/approvals/{pending['id']}/approve", headers=checker), 409, "approval-not-pending")
    problem(api.post(f"/api/manage/approvals/{pending['id']}/reject", json={"reason": "late"}, headers=checker),
            409, "approval-not-pending")
    assert balance_of(api, customer) == "20000.01"
    history = api.get("/api/transactions", headers=customer.headers).json()["items"]
    assert [entry["amount"] for entry in history] == ["10000.01", "10000.00"]
    system_sums_to_zero(sql)


def test_the_maker_is_refused_and_a_rejection_with_its_reason_moves_nothing(api, maker, checker, sql):
    customer = sign_up(api)
    pending = take_deposit(api, maker, customer.account, "50000.00").json()
    url = f"/api/manage/approvals/{pending['id']}"
    problem(api.post(url + "/approve", headers=maker), 403, "approval-by-maker")
    problem(api.post(url + "/reject", json={"reason": "mine"}, headers=maker), 403, "approval-by-maker")
    missing = problem(api.post(url + "/reject", json={}, headers=checker), 422, "validation-error")
    assert [error["field"] for error in missing["errors"]] == ["reason"]
    problem(api.post(url + "/reject", json={"reason": "x" * 201}, headers=checker), 422, "validation-error")
    problem(api.post(url + "/reject", content=b"{broken", headers={**checker, "content-type": "application/json"}),
            400, "malformed-json")
    rejected = api.post(url + "/reject", json={"reason": "Counted 40,000 not 50,000"}, headers=checker)
    assert rejected.status_code == 200 and rejected.json()["reason"] == "Counted 40,000 not 50,000"
    problem(api.post(url + "/approve", headers=checker), 409, "approval-not-pending")
    assert balance_of(api, customer) == "0.00"
    trail = api.get("/api/manage/audit", params={"target": customer.account}, headers=checker).json()["items"]
    assert [record["action"] for record in trail] == ["deposit.rejected", "deposit.requested"]
    assert trail[0]["changes"]["maker"] == pending["maker"] and trail[0]["changes"]["reason"]
    system_sums_to_zero(sql)


def test_unknown_approvals_are_404(api, checker):
    problem(api.post(f"/api/manage/approvals/{uuid.uuid4()}/approve", headers=checker), 404, "approval-not-found")
    problem(api.post("/api/manage/approvals/not-an-id/approve", headers=checker), 404, "approval-not-found")
    problem(api.post(f"/api/manage/approvals/{uuid.uuid4()}/reject", json={"reason": "?"}, headers=checker),
            404, "approval-not-found")


def test_the_list_shows_pending_first_with_account_holder_amount_and_maker_and_filters_by_status(
        api, maker, checker):
    customer = sign_up(api)
    decided = take_deposit(api, maker, customer.account, "11111.11").json()
    api.post(f"/api/manage/approvals/{decided['id']}/reject", json={"reason": "duplicate"}, headers=checker)
    waiting = take_deposit(api, maker, customer.account, "22222.22").json()
    listed = api.get("/api/manage/approvals", params={"limit": 200}, headers=checker).json()["items"]
    statuses = [item["status"] != "pending" for item in listed]
    assert statuses == sorted(statuses)
    mine = next(item for item in listed if item["id"] == waiting["id"])
    assert (mine["account"], mine["holder"], mine["amount"], mine["maker"]) == (
        customer.account, "Test Person", "22222.22", waiting["maker"])
    pending_only = api.get("/api/manage/approvals", params={"status": "pending", "limit": 200},
                           headers=checker).json()["items"]
    assert {item["status"] for item in pending_only} == {"pending"}
    assert decided["id"] not in [item["id"] for item in pending_only]
    bad = problem(api.get("/api/manage/approvals", params={"status": "maybe"}, headers=checker), 422,
                  "validation-error")
    assert bad["errors"][0]["field"] == "status"
    problem(api.get("/api/manage/approvals", params={"cursor": "garbage"}, headers=checker), 422, "validation-error")


def test_customers_get_403_on_every_approvals_route(api, maker):
    customer = sign_up(api)
    pending = take_deposit(api, maker, sign_up(api).account, "60000.00").json()
    problem(api.get("/api/manage/approvals", headers=customer.headers), 403, "forbidden")
    problem(api.post(f"/api/manage/approvals/{pending['id']}/approve", headers=customer.headers), 403, "forbidden")
    problem(api.post(f"/api/manage/approvals/{pending['id']}/reject", json={"reason": "no"},
                     headers=customer.headers), 403, "forbidden")
    problem(take_deposit(api, customer.headers, customer.account, "1.00"), 403, "forbidden")


def test_an_admin_created_through_the_api_cannot_deposit_into_or_decide_for_their_own_account(api, maker, sql,
                                                                                             database_url):
    body = {k: v for k, v in register_body().items() if k != "password_confirmation"}
    created = api.post("/api/manage/users", json={**body, "role": "admin"}, headers=maker)
    assert created.status_code == 201, created.text
    own_account = created.json()["accounts"][0]["number"]
    give_passkey(database_url, body["username"])  # staff must hold a second factor
    second = {"Authorization": f"Bearer {sign_in(api, body['username'], PASSWORD)}"}
    for amount in ("1.00", "1000000000.00"):
        problem(take_deposit(api, second, own_account, amount), 403, "own-account-deposit")
    pending = take_deposit(api, maker, own_account, "70000.00").json()
    problem(api.post(f"/api/manage/approvals/{pending['id']}/approve", headers=second), 403, "own-account-deposit")
    assert sql.execute("SELECT balance FROM accounts WHERE number = %s", (own_account,)).fetchone()[0] == 0


def test_a_customer_holds_at_most_ten_open_accounts_even_when_opening_them_at_once(api, local_host, database_url):
    customer = sign_up(api)  # one account from registration

    def open_one(index: int) -> int:
        with httpx.Client(base_url=local_host.base_url, timeout=30) as client:
            return client.post("/api/accounts", json={"name": f"Pot {index}", "currency": "EUR"},
                               headers=customer.headers).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(open_one, range(12)))
    assert sorted(statuses) == [201] * 9 + [409] * 3
    refused = problem(api.post("/api/accounts", json={"name": "More", "currency": "USD"}, headers=customer.headers),
                      409, "account-limit-reached")
    assert "10" in refused["detail"]
    held = api.get("/api/accounts", headers=customer.headers).json()["items"]
    assert len(held) == 10

    closed = api.patch(f"/api/accounts/{held[-1]['number']}", json={"status": "closed"}, headers=customer.headers)
    assert closed.status_code == 200
    assert api.post("/api/accounts", json={"name": "Instead", "currency": "EUR"},
                    headers=customer.headers).status_code == 201
    staff = admin_headers(api, database_url)
    problem(api.patch(f"/api/manage/accounts/{held[-1]['number']}", json={"status": "active"}, headers=staff),
            409, "account-limit-reached")
    assert len(api.get("/api/accounts", headers=customer.headers).json()["items"]) == 11  # 10 open, 1 closed
