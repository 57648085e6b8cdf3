"""GET /api/accounts/{number}/balance-history over HTTP, against real PostgreSQL: the balance after
each of an account's latest movements, which the account page charts."""

from tests.api.test_customer_api import problem
from tests.helpers import deposit, sign_up


def send(api, sender, recipient, amount: str) -> None:
    sent = api.post("/api/transfers", headers=sender.headers,
                    json={"from_account": sender.account, "to_account": recipient.account, "amount": amount})
    assert sent.status_code == 201, sent.text


def test_the_balance_after_each_movement_oldest_first_ends_at_the_balance_now(api, database_url):
    alice, bob = sign_up(api), sign_up(api)
    deposit(database_url, alice.account, "100.00")
    send(api, alice, bob, "30.00")
    send(api, bob, alice, "5.25")
    history = api.get(f"/api/accounts/{alice.account}/balance-history", headers=alice.headers)
    assert history.status_code == 200, history.text
    body = history.json()
    assert (body["account"], body["currency"], body["balance"], body["complete"]) == (alice.account, "EUR", "75.25", True)
    assert [(p["amount"], p["balance"]) for p in body["points"]] == [("100.00", "100.00"), ("-30.00", "70.00"),
                                                                    ("5.25", "75.25")]
    assert body["points"][0]["at"] <= body["points"][1]["at"] <= body["points"][2]["at"]


def test_a_limit_shows_the_latest_movements_and_says_the_history_goes_further_back(api, database_url):
    alice, bob = sign_up(api), sign_up(api)
    deposit(database_url, alice.account, "10.00")
    send(api, alice, bob, "1.00")
    send(api, alice, bob, "2.00")
    body = api.get(f"/api/accounts/{alice.account}/balance-history", params={"limit": 2}, headers=alice.headers).json()
    assert [(p["amount"], p["balance"]) for p in body["points"]] == [("-1.00", "9.00"), ("-2.00", "7.00")]
    assert body["complete"] is False and body["balance"] == "7.00"


def test_an_account_without_movements_has_no_points_and_its_balance(api):
    alice = sign_up(api)
    body = api.get(f"/api/accounts/{alice.account}/balance-history", headers=alice.headers).json()
    assert body["points"] == [] and body["balance"] == "0.00" and body["complete"] is True


def test_another_customers_account_is_not_found_and_a_bad_limit_is_422_naming_it(api, database_url):
    alice, bob = sign_up(api), sign_up(api)
    deposit(database_url, bob.account, "10.00")
    problem(api.get(f"/api/accounts/{bob.account}/balance-history", headers=alice.headers), 404, "account-not-found")
    for limit in ("0", "201", "many"):
        refused = problem(api.get(f"/api/accounts/{alice.account}/balance-history", params={"limit": limit},
                                  headers=alice.headers), 422, "validation-error")
        assert refused["errors"][0]["field"].endswith("limit")
