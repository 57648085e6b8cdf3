"""Every registered route × every kind of caller, built from get_functions(): a route added later
is covered without editing this test."""

import time
import uuid

import jwt
import pytest

import function_app
from shared.openapi import registered_functions
from shared.tokens import key_id
from tests.conftest import TEST_SIGNING_KEY
from tests.helpers import PASSWORD, deposit, make_admin, sign_in, sign_up

# Sign-out answers 204 to anyone (ending nothing is not an error); the reset routes are how a
# person who cannot sign in gets back in.
PUBLIC = {"health", "health/ready", "openapi.json", "auth/register", "auth/login", "auth/logout",
          "auth/password-reset", "auth/password-reset/confirm",
          "auth/passkey/options", "auth/passkey", "auth/login/factor"}


def routes() -> list[tuple[str, str]]:
    found = []
    for function in registered_functions(function_app.app):
        if function.is_http_function():
            trigger = function.get_trigger()
            found += [(method.value, trigger.route) for method in trigger.methods]
    return sorted(found)


PROTECTED = [(method, route) for method, route in routes() if route not in PUBLIC]


def forged(kind: str, user_id: str, role: str = "admin") -> str:
    now = int(time.time())
    claims = {"iss": "iebank", "aud": "iebank-api", "sub": user_id, "role": role, "iat": now, "exp": now + 300}
    header = {"kid": key_id(TEST_SIGNING_KEY)}
    if kind == "expired":
        return jwt.encode({**claims, "exp": now - 1}, TEST_SIGNING_KEY, "HS256", headers=header)
    if kind == "other_key":
        return jwt.encode(claims, "another-key-that-is-long-enough-0123456789", "HS256", headers=header)
    if kind == "alg_none":
        return jwt.encode(claims, None, "none", headers=header)
    if kind == "wrong_audience":
        return jwt.encode({**claims, "aud": "someone-else"}, TEST_SIGNING_KEY, "HS256", headers=header)
    raise ValueError(kind)


@pytest.fixture(scope="module")
def cast(local_host, database_url):
    import httpx

    with httpx.Client(base_url=local_host.base_url, timeout=30) as api:
        a, b, gone, empty, reset = sign_up(api), sign_up(api), sign_up(api), sign_up(api), sign_up(api)
        signed_out = sign_up(api)
        assert api.post("/api/auth/logout", headers=signed_out.headers).status_code == 204
        deposit(database_url, b.account, "10.00")
        username, password = make_admin(database_url)
        admin_token = sign_in(api, username, password)
        admin_headers = {"Authorization": f"Bearer {admin_token}"}
        api.patch(f"/api/manage/users/{gone.user_id}", json={"active": False}, headers=admin_headers)
        # The approval routes need a pending deposit taken by another admin than the one deciding it.
        maker_name, _ = make_admin(database_url)
        maker = {"Authorization": f"Bearer {sign_in(api, maker_name, password)}"}

        def pending_approval() -> str:
            taken = api.post(f"/api/manage/accounts/{b.account}/deposits", json={"amount": "20000.00"},
                             headers={**maker, "Idempotency-Key": str(uuid.uuid4())})
            assert taken.status_code == 202, taken.text
            return str(taken.json()["id"])

        yield {"a": a, "b": b, "gone": gone, "empty": empty, "reset": reset, "signed_out": signed_out,
               "admin": admin_headers, "pending_approval": pending_approval}


def url_for(route: str, victim, cast=None) -> str:
    if "{approval_id}" in route:
        route = route.replace("{approval_id}", cast["pending_approval"]())
    return "/api/" + route.replace("{number}", victim.account).replace("{user_id}", victim.user_id).replace(
        "{order_id}", STANDING_ORDER_ID)


# Any order id: callers without a valid token are refused before it is looked up.
STANDING_ORDER_ID = str(uuid.uuid4())


BODIES = {
    "transfers": lambda c: {"from_account": c["b"].account, "to_account": c["a"].account, "amount": "1.00"},
    "transfers/preview": lambda c: {"from_account": c["b"].account, "to_account": c["a"].account, "amount": "1.00"},
    "accounts": lambda c: {"name": "Matrix", "currency": "EUR"},
    "me": lambda c: {"full_name": "Matrix Name"},
    "accounts/{number}": lambda c: {"name": "Matrix"},
    "manage/users": lambda c: {"username": f"m{uuid.uuid4().hex[:10]}", "password": "Matrix-pass-1",
                               "full_name": "Matrix", "email": f"m{uuid.uuid4().hex[:8]}@example.com",
                               "country": "IE"},
    "manage/users/{user_id}": lambda c: {"full_name": "Matrix Name"},
    "manage/accounts/{number}": lambda c: {"name": "Matrix"},
    "manage/accounts/{number}/deposits": lambda c: {"amount": "1.00"},
    "manage/approvals/{approval_id}/reject": lambda c: {"reason": "Matrix"},
    "standing-orders": lambda c: {"from_account": c["b"].account, "to_account": c["a"].account, "amount": "1.00",
                                  "first_date": "2099-01-01", "frequency": "monthly"},
    "standing-orders/{order_id}": lambda c: {"status": "paused"},
    "me/password": lambda c: {"current_password": PASSWORD, "new_password": "Another-pass-77",
                              "new_password_confirmation": "Another-pass-77"},
    "payees": lambda c: {"name": "Matrix", "account": c["a"].account},
    "payees/verify": lambda c: {"name": "Matrix", "account": c["a"].account},
    "payees/{payee_id}": lambda c: {"trusted": True},
    "me/passkeys/{passkey_id}": lambda c: {"name": "Matrix"},
    "me/passkeys": lambda c: {"challenge_id": str(uuid.uuid4()), "name": "Matrix", "credential": {}},
    "me/totp/confirm": lambda c: {"code": "123456"},
    "auth/step-up/confirm": lambda c: {"challenge_id": str(uuid.uuid4()), "method": "totp", "code": "123456"},
    "transfers/confirm": lambda c: {"challenge_id": str(uuid.uuid4()), "method": "totp", "code": "123456"},
}


# Routes that need query parameters to answer 200.
QUERIES = {
    "accounts/{number}/statement": {"from": "2026-01-01", "to": "2026-01-31"},
    "manage/accounts/{number}/statement": {"from": "2026-01-01", "to": "2026-01-31"},
}


def send(api, method: str, route: str, headers: dict, cast) -> int:
    body = BODIES.get(route, lambda c: None)(cast)
    # Deleting needs a victim without money, and a staff reset (of the password or the second
    # factors) signs its victim out everywhere: neither may take B out of the other cases.
    signs_out = route.endswith(("password-reset", "second-factors/reset"))
    victim = cast["empty"] if method == "DELETE" else cast["reset"] if signs_out else cast["b"]
    return api.request(method, url_for(route, victim, cast), headers=headers, params=QUERIES.get(route),
                       json=body if method in ("POST", "PATCH") else None).status_code


@pytest.mark.parametrize(("method", "route"), PROTECTED)
@pytest.mark.parametrize("caller", ["anonymous", "expired", "other_key", "alg_none", "wrong_audience", "deactivated",
                                    "signed_out"])
def test_every_protected_route_refuses_callers_without_a_valid_token(api, cast, method, route, caller):
    if caller == "anonymous":
        headers = {}
    elif caller in ("deactivated", "signed_out"):
        # Validly signed, unexpired tokens whose session the server has ended.
        headers = {"Authorization": f"Bearer {cast['gone' if caller == 'deactivated' else 'signed_out'].token}"}
    else:
        headers = {"Authorization": f"Bearer {forged(caller, cast['b'].user_id)}"}
    assert send(api, method, route, headers, cast) == 401


@pytest.mark.parametrize(("method", "route"), [r for r in PROTECTED if r[1].startswith("manage/")])
def test_staff_routes_refuse_customers_and_serve_admins(api, cast, method, route):
    assert send(api, method, route, cast["a"].headers, cast) == 403
    assert send(api, method, route, cast["admin"], cast) in (200, 201, 204)


def test_customer_a_never_reads_or_moves_anything_of_customer_b(api, cast):
    a, b = cast["a"], cast["b"]
    balance_before = api.get(f"/api/accounts/{b.account}", headers=b.headers).json()["balance"]
    assert balance_before != "0.00"
    assert api.get(f"/api/accounts/{b.account}", headers=a.headers).status_code == 404
    assert api.get("/api/transactions", params={"account": b.account}, headers=a.headers).json()["items"] == []
    stolen = api.post("/api/transfers", headers=a.headers,
                      json={"from_account": b.account, "to_account": a.account, "amount": "1.00"})
    assert stolen.status_code == 404
    assert b.account not in api.get("/api/accounts", headers=a.headers).text
    assert api.get(f"/api/accounts/{b.account}", headers=b.headers).json()["balance"] == balance_before


@pytest.mark.parametrize("body", ['{"not": "valid"}', "{broken", '{"amount": "NaN"}'])
def test_a_forged_token_is_401_before_the_body_is_even_read(api, cast, body):
    for token in (forged("alg_none", cast["b"].user_id), forged("other_key", cast["b"].user_id)):
        response = api.post("/api/transfers", content=body, headers={
            "Authorization": f"Bearer {token}", "content-type": "application/json"})
        assert response.status_code == 401
    assert api.post("/api/manage/users", content=body, headers={"content-type": "application/json"}).status_code == 401


def test_customer_a_never_reads_changes_deletes_or_pays_with_customer_bs_payees(api, cast):
    a, b = cast["a"], cast["b"]
    saved = api.post("/api/payees", json={"name": "A's payee", "account": cast["empty"].account}, headers=a.headers)
    assert saved.status_code == 201, saved.text
    payee = saved.json()["id"]
    assert payee not in api.get("/api/payees", headers=b.headers).text
    assert api.patch(f"/api/payees/{payee}", json={"trusted": True}, headers=b.headers).status_code == 404
    assert api.delete(f"/api/payees/{payee}", headers=b.headers).status_code == 404
    paid = api.post("/api/transfers", json={"from_account": b.account, "payee_id": payee, "amount": "1.00"},
                    headers={**b.headers, "Idempotency-Key": str(uuid.uuid4())})
    assert paid.status_code == 404
    assert api.get("/api/payees", headers=a.headers).json()["items"][0] == {**saved.json()}
