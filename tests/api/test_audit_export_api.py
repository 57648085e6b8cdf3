"""The audit trail as staff read it over HTTP (issue 19): usernames and account numbers instead of
raw ids, and the CSV export with the list's filters, safe to open in a spreadsheet and itself
audited."""

import csv
import io
from datetime import UTC, datetime

from tests.api.test_customer_api import problem
from tests.helpers import make_admin, sign_in, sign_up, unique


def clerk(api, database_url) -> tuple[str, dict[str, str]]:
    username, password = make_admin(database_url)
    return username, {"Authorization": f"Bearer {sign_in(api, username, password)}"}


def export(api, headers, **filters) -> list[dict[str, str]]:
    response = api.get("/api/manage/audit/export", params=filters, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="iebank-audit-')
    assert response.content.startswith("\ufeff".encode())  # Excel reads the accents as UTF-8
    text = response.content.decode("utf-8-sig")
    assert text.split("\n", 1)[0].endswith('"correlation_id"\r')  # CRLF, as RFC 4180 and Excel expect
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_the_trail_names_the_target_user_by_username_and_the_account_by_its_number(api, database_url):
    staff_name, staff = clerk(api, database_url)
    customer = sign_up(api)
    api.patch(f"/api/manage/users/{customer.user_id}", json={"full_name": "Renamed"}, headers=staff)
    api.patch(f"/api/manage/accounts/{customer.account}", json={"name": "Renamed"}, headers=staff)
    items = api.get("/api/manage/audit", params={"actor": staff_name}, headers=staff).json()["items"]
    assert [(r["action"], r["actor_username"], r["target_type"], r["target_label"]) for r in items] == [
        ("account.update", staff_name, "account", customer.account),
        ("user.update", staff_name, "user", customer.username)]
    assert items[1]["target_id"] == customer.user_id  # the id stays, for filtering


def test_the_export_holds_what_the_list_shows_for_the_same_filters_with_labels(api, database_url):
    staff_name, staff = clerk(api, database_url)
    customers = [sign_up(api) for _ in range(3)]
    for customer in customers:
        api.patch(f"/api/manage/users/{customer.user_id}", json={"full_name": "Renamed Ó"}, headers=staff)
    api.patch(f"/api/manage/accounts/{customers[0].account}", json={"name": "Renamed"}, headers=staff)
    listed = api.get("/api/manage/audit", params={"actor": staff_name.upper(), "action": "user.update"},
                     headers=staff).json()["items"]

    rows = export(api, staff, actor=staff_name.upper(), action="user.update")
    assert list(rows[0]) == ["id", "created_at_utc", "actor", "action", "target_type", "target", "target_id",
                             "changes", "correlation_id"]
    assert [int(row["id"]) for row in rows] == [r["id"] for r in listed] and len(rows) == 3
    assert [row["target"] for row in rows] == [c.username for c in reversed(customers)]
    assert {row["actor"] for row in rows} == {staff_name}
    assert rows[0]["changes"] == '{"full_name":{"after":"Renamed Ó","before":"Test Person"}}'
    listed_at = datetime.fromisoformat(listed[0]["created_at"]).astimezone(UTC)
    assert rows[0]["created_at_utc"] == listed_at.strftime("%Y-%m-%d %H:%M:%S")
    [account_row] = export(api, staff, target=customers[0].account, action="account.update")
    assert (account_row["target_type"], account_row["target"]) == ("account", customers[0].account)


def test_cells_a_spreadsheet_would_run_as_formulas_are_exported_as_text(api, database_url):
    """Anyone can put text into the trail: a failed sign-in records the username as typed. Opened
    in a spreadsheet, `=HYPERLINK(...)` there would run; exported, it starts with an apostrophe."""
    _, staff = clerk(api, database_url)
    tag = unique("x")
    typed = [f'=hyperlink("http://evil.example/{tag}","open")', f"+{tag}", f"-{tag}", f"@sum({tag})"]
    for username in typed:
        assert api.post("/api/auth/login", json={"username": username, "password": "Wrong-pass-1"}).status_code == 401
    cells = {row["target"] for username in typed
             for row in export(api, staff, target=username, action="auth.login_failed")}
    assert cells == {"'" + username for username in typed}


def test_every_export_is_audited_with_its_filters_and_row_count(api, database_url):
    staff_name, staff = clerk(api, database_url)
    customer = sign_up(api)
    rows = export(api, staff, target=customer.user_id, to="2100-01-01T00:00:00Z")
    assert [row["action"] for row in rows] == ["user.register"]
    [record] = api.get("/api/manage/audit", params={"actor": staff_name, "action": "audit.export"},
                       headers=staff).json()["items"]
    assert record["changes"] == {"filters": {"target": customer.user_id, "to": "2100-01-01T00:00:00Z"}, "rows": 1}
    assert (record["target_type"], record["target_label"]) == ("audit", "export")


def test_export_filters_are_validated_like_the_lists_and_customers_are_refused(api, database_url):
    _, staff = clerk(api, database_url)
    refused = problem(api.get("/api/manage/audit/export", params={"from": "yesterday"}, headers=staff),
                      422, "validation-error")
    assert [error["field"] for error in refused["errors"]] == ["from"]
    problem(api.get("/api/manage/audit/export", headers=sign_up(api).headers), 403, "forbidden")
