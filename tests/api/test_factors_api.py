"""Second factors over HTTP (issue 17): the authenticator app's enrolment and codes accepted once,
recovery codes, the step-up a factor change needs, the block after five wrong answers and the lock
after three blocks."""

import base64
import time

import httpx
import pyotp

from tests.helpers import PASSWORD, Customer, enrol_totp, make_admin, sign_in, sign_up


def problem_type(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return str(response.json()["type"]).rsplit("/", 1)[-1]


def enrol(api: httpx.Client, customer: Customer) -> tuple[pyotp.TOTP, list[str]]:
    return enrol_totp(api, customer.headers)


def step_up(api: httpx.Client, headers: dict[str, str], method: str, code: str) -> httpx.Response:
    challenge = api.post("/api/auth/step-up", headers=headers)
    assert challenge.status_code == 200, challenge.text
    assert "totp" in challenge.json()["methods"]
    return api.post("/api/auth/step-up/confirm", headers=headers,
                    json={"challenge_id": challenge.json()["challenge_id"], "method": method, "code": code})


def next_code(totp: pyotp.TOTP) -> str:
    return totp.at(time.time() + 30)


def test_enrolment_gives_ten_single_use_recovery_codes_and_the_factor_list_shows_it(api):
    customer = sign_up(api)
    assert api.get("/api/me/factors", headers=customer.headers).json()["totp"] is False
    _, codes = enrol(api, customer)
    assert len(codes) == 10 and len(set(codes)) == 10
    listed = api.get("/api/me/factors", headers=customer.headers).json()
    assert listed["totp"] is True and listed["recovery_codes_left"] == 10
    assert set(listed["methods"]) == {"totp", "recovery_code"}
    assert step_up(api, customer.headers, "recovery_code", codes[0]).status_code == 204
    again = step_up(api, customer.headers, "recovery_code", codes[0])
    assert again.status_code == 401 and problem_type(again) == "second-factor-rejected"
    assert api.get("/api/me/factors", headers=customer.headers).json()["recovery_codes_left"] == 9


def test_a_replayed_totp_code_is_refused(api):
    customer = sign_up(api)
    totp, _ = enrol(api, customer)
    used = totp.now()  # the code the confirmation accepted (same 30 s step, or the one before)
    replayed = step_up(api, customer.headers, "totp", used)
    if replayed.status_code == 204:  # the step turned over between the two: that was a new code
        replayed = step_up(api, customer.headers, "totp", totp.now())
    assert replayed.status_code == 401 and problem_type(replayed) == "second-factor-rejected"
    # The message says nothing of which element was wrong (Art. 4(3)).
    assert "code" not in replayed.json()["detail"].lower()
    assert step_up(api, customer.headers, "totp", next_code(totp)).status_code == 204


def test_the_fifth_wrong_answer_blocks_the_factor_and_the_sixth_is_refused_even_when_right(api):
    customer = sign_up(api)
    totp, _ = enrol(api, customer)
    wrong = "000000" if totp.now() != "000000" else "111111"
    for left in (4, 3, 2, 1):
        refused = step_up(api, customer.headers, "totp", wrong)
        assert refused.status_code == 401, refused.text
        assert f"{left} attempt" in refused.json()["detail"]
    fifth = step_up(api, customer.headers, "totp", wrong)
    assert fifth.status_code == 429 and problem_type(fifth) == "factor-blocked"
    sixth = step_up(api, customer.headers, "totp", next_code(totp))
    assert sixth.status_code == 429 and problem_type(sixth) == "factor-blocked"
    assert 800 < int(sixth.headers["retry-after"]) <= 900


def test_the_third_block_in_a_row_locks_the_factor_until_staff_unblock_it_and_the_user_is_told_before(
        api, sql, database_url):
    """Art. 4(3)(b): blocks for a while, then a lock the user was warned of, which only the bank
    lifts. Passing a block's time is simulated in the database."""
    customer = sign_up(api)
    totp, recovery_codes = enrol(api, customer)
    wrong = "000000" if totp.now() != "000000" else "111111"

    def five_wrong() -> list[httpx.Response]:
        answers = [step_up(api, customer.headers, "totp", wrong) for _ in range(5)]
        sql.execute("UPDATE factor_failures SET blocked_until = now() - interval '1 second'"
                    " WHERE user_id = %s AND blocked_until IS NOT NULL", (customer.user_id,))  # the block ends
        return answers

    answers = [step_up(api, customer.headers, "totp", wrong) for _ in range(5)]
    assert [problem_type(r) for r in answers] == ["second-factor-rejected"] * 4 + ["factor-blocked"]
    staff = {"Authorization": f"Bearer {sign_in(api, *make_admin(database_url))}"}
    assert api.get(f"/api/manage/users/{customer.user_id}", headers=staff).json()["second_factor_blocked_until"]
    assert api.post(f"/api/manage/users/{customer.user_id}/unlock", headers=staff).status_code == 204  # a block
    assert step_up(api, customer.headers, "recovery_code", recovery_codes[0]).status_code == 204  # the count anew

    first = five_wrong()
    assert [problem_type(r) for r in first] == ["second-factor-rejected"] * 4 + ["factor-blocked"]
    assert "for a while" in first[0].json()["detail"] and "stays blocked" not in first[4].json()["detail"]
    second = five_wrong()
    assert problem_type(second[4]) == "factor-blocked"
    assert "stays blocked until you call us" in second[4].json()["detail"]  # told before the lock
    third = five_wrong()
    assert all("until you call us" in r.json()["detail"] for r in third[:4])
    assert third[4].status_code == 403 and problem_type(third[4]) == "factor-locked"
    right = step_up(api, customer.headers, "totp", next_code(totp))
    assert right.status_code == 403 and problem_type(right) == "factor-locked"  # no time unlocks it

    seen = api.get(f"/api/manage/users/{customer.user_id}", headers=staff).json()
    assert (seen["second_factor_locked"], seen["second_factor_blocked_until"]) == (True, None)
    assert api.post(f"/api/manage/users/{customer.user_id}/unlock", headers=staff).status_code == 204
    assert api.get(f"/api/manage/users/{customer.user_id}", headers=staff).json()["second_factor_locked"] is False
    assert step_up(api, customer.headers, "totp", next_code(totp)).status_code == 204
    unlocks = [row[0] for row in sql.execute("SELECT changes FROM audit_log WHERE action = 'user.unlock'"
                                             " AND target_id = %s ORDER BY id", (str(customer.user_id),))]
    assert [(u["second_factor_block_cleared"], u["second_factor_unlocked"]) for u in unlocks] == [
        (True, False), (False, True)]


def test_staff_reset_the_factors_of_a_customer_who_lost_them_and_the_customer_signs_in_with_the_password_again(
        api, sql, database_url):
    from tests.api.test_payment_sca_api import refused_unproved, set_strong_authentication

    customer = sign_up(api)
    enrol(api, customer)
    assert api.post("/api/auth/login", json={"username": customer.username, "password": PASSWORD}
                    ).json()["status"] == "factor_required"
    staff_name, staff_password = make_admin(database_url)
    staff = {"Authorization": f"Bearer {sign_in(api, staff_name, staff_password)}"}
    reset = f"/api/manage/users/{customer.user_id}/second-factors/reset"

    set_strong_authentication(database_url, staff_name, False)
    refused_unproved(api.post(reset, headers=staff))  # a staff session no second factor proved
    assert api.get("/api/me/factors", headers=customer.headers).json()["totp"] is True  # nothing removed

    set_strong_authentication(database_url, staff_name, True)
    assert api.post(reset, headers=staff).status_code == 204
    assert api.get("/api/me", headers=customer.headers).status_code == 401  # every session ended
    signed = api.post("/api/auth/login", json={"username": customer.username, "password": PASSWORD})
    assert signed.status_code == 200 and signed.json()["status"] == "signed_in", signed.text
    again = {"Authorization": f"Bearer {signed.json()['access_token']}"}
    factors = api.get("/api/me/factors", headers=again).json()
    assert (factors["totp"], factors["recovery_codes_left"], factors["passkeys"], factors["methods"]) == (
        False, 0, 0, [])
    [changes] = [row[0] for row in sql.execute("SELECT changes FROM audit_log WHERE action = 'user.factors_reset'"
                                               " AND target_id = %s", (str(customer.user_id),))]
    assert (changes["authenticator_app_removed"], changes["passkeys_removed"]) == (True, 0)

    staff_id = sql.execute("SELECT id FROM users WHERE username = %s", (staff_name,)).fetchone()[0]
    own = api.post(f"/api/manage/users/{staff_id}/second-factors/reset", headers=staff)
    assert own.status_code == 409 and problem_type(own) == "self-modification"


def test_a_factor_change_without_a_fresh_strong_authentication_is_refused_then_allowed_after_a_step_up(api, sql):
    customer = sign_up(api)
    totp, recovery_codes = enrol(api, customer)
    # A second session, strongly authenticated at sign-in but longer ago than SCA_FRESH_SECONDS.
    started = api.post("/api/auth/login", json={"username": customer.username, "password": PASSWORD}).json()
    signed = api.post("/api/auth/login/factor", json={"challenge_id": started["challenge_id"],
                                                      "method": "recovery_code", "code": recovery_codes[0]})
    assert signed.status_code == 200, signed.text
    sql.execute("UPDATE sessions SET strongly_authenticated_at = now() - interval '1 hour' WHERE id = %s",
                (signed.json()["session"]["id"],))
    headers = {"Authorization": f"Bearer {signed.json()['access_token']}"}
    for method, path in (("POST", "/api/me/recovery-codes"), ("DELETE", "/api/me/totp")):
        refused = api.request(method, path, headers=headers)
        assert refused.status_code == 403 and problem_type(refused) == "sca-required", refused.text
    assert step_up(api, headers, "totp", next_code(totp)).status_code == 204
    regenerated = api.post("/api/me/recovery-codes", headers=headers)
    assert regenerated.status_code == 200 and len(regenerated.json()["recovery_codes"]) == 10
    # The change signed the other session (the one that enrolled) out.
    assert api.get("/api/me", headers=customer.headers).status_code == 401
    assert api.delete("/api/me/totp", headers=headers).status_code == 204
    listed = api.get("/api/me/factors", headers=headers).json()
    assert listed["totp"] is False and listed["recovery_codes_left"] == 0


def test_the_secret_is_stored_encrypted_and_bound_to_its_user(api, database_url):
    import psycopg

    customer = sign_up(api)
    totp, _ = enrol(api, customer)
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT secret FROM totp_factors WHERE user_id = %s", (customer.user_id,)).fetchone()
    assert row is not None and totp.secret.encode() not in bytes(row[0])
    assert base64.b32decode(totp.secret) not in bytes(row[0])


def test_adding_a_passkey_needs_a_recent_proof_of_the_authenticator_app_not_only_a_recent_sign_in(api, sql):
    """The freshness rule counts every second factor the user holds: with only an authenticator
    app, a passkey is added after a step-up, not on the strength of a recent password."""
    customer = sign_up(api)
    totp, _ = enrol(api, customer)
    sql.execute("UPDATE sessions SET strongly_authenticated_at = now() - interval '1 hour'"
                " WHERE user_id = (SELECT id FROM users WHERE username = %s)", (customer.username,))
    stale = api.post("/api/me/passkeys/options", headers=customer.headers)
    assert stale.status_code == 403 and problem_type(stale) == "sca-required"
    assert step_up(api, customer.headers, "totp", next_code(totp)).status_code == 204
    assert api.post("/api/me/passkeys/options", headers=customer.headers).status_code == 200
