"""Statements and history filters over HTTP: the files a customer downloads, what staff fetch
(and the audit record of it), and every refusal (422 naming the field, 404 for others' accounts)."""

import csv
import io
from datetime import datetime

import pypdf
import pytest

from shared.periods import BANK_ZONE
from tests.api.test_customer_api import problem
from tests.helpers import deposit, make_admin, sign_in, sign_up

TODAY = datetime.now(BANK_ZONE).date().isoformat()
PERIOD = {"from": "2026-01-01", "to": TODAY} if TODAY >= "2026-01-01" else {"from": TODAY, "to": TODAY}


def summary_and_rows(response) -> tuple[dict[str, str], list[dict[str, str]]]:
    text = response.content.decode("utf-8-sig")
    assert "\r\n" in text  # the excel dialect's line ends
    head, _, table = text.partition("\r\n\r\n")
    summary = dict(row for row in csv.reader(io.StringIO(head)))
    return summary, list(csv.DictReader(io.StringIO(table)))


@pytest.fixture(scope="module")
def pair(local_host, database_url):
    import httpx

    with httpx.Client(base_url=local_host.base_url, timeout=30) as api:
        alice, bob = sign_up(api), sign_up(api)
        deposit(database_url, alice.account, "100.00")
        for description, amount in (("=HYPERLINK(\"http://evil.example\",\"x\")", "1.25"), ("Rent, June", "30.00"),
                                    ("+353 call", "0.10"), ("@SUM(A1)", "0.05")):
            sent = api.post("/api/transfers", headers={**alice.headers, "Idempotency-Key": description},
                            json={"from_account": alice.account, "to_account": bob.account, "amount": amount,
                                  "description": description})
            assert sent.status_code == 201, sent.text
        yield alice, bob


def test_a_csv_statement_is_a_spreadsheet_friendly_attachment_that_closes_on_the_balance(api, pair):
    alice, _ = pair
    answer = api.get(f"/api/accounts/{alice.account}/statement", params=PERIOD, headers=alice.headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="statement-{alice.account}-{PERIOD["from"]}-{PERIOD["to"]}.csv"')
    assert answer.headers["cache-control"] == "no-store"
    assert answer.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for Excel
    summary, rows = summary_and_rows(answer)
    balance = api.get(f"/api/accounts/{alice.account}", headers=alice.headers).json()["balance"]
    assert summary["Closing balance"] == balance == "68.60"
    assert (summary["Opening balance"], summary["Total paid in"], summary["Total paid out"]) == ("0.00", "100.00", "31.40")
    assert [row["Balance"] for row in rows] == ["100.00", "98.75", "68.75", "68.65", "68.60"]
    assert [row["Paid out"] for row in rows] == ["", "1.25", "30.00", "0.10", "0.05"]
    descriptions = [row["Description"] for row in rows]
    assert descriptions[1:] == ["'=HYPERLINK(\"http://evil.example\",\"x\")", "Rent, June", "'+353 call", "'@SUM(A1)"]


def test_a_pdf_statement_names_the_bank_the_holder_the_period_and_numbers_its_pages(api, pair, database_url):
    alice, bob = pair
    for i in range(150):  # a long statement
        api.post("/api/transfers", headers=alice.headers,
                 json={"from_account": alice.account, "to_account": bob.account, "amount": "0.01",
                       "description": f"Long statement line {i}"})
    answer = api.get(f"/api/accounts/{alice.account}/statement", params={**PERIOD, "format": "pdf"},
                     headers=alice.headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].endswith('.pdf"')
    reader = pypdf.PdfReader(io.BytesIO(answer.content))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert "IE Bank" in text and "Test Person" in text and alice.account in text
        assert f"Period: {PERIOD['from']} to {PERIOD['to']}" in text
        assert f"Page {number} of {len(pages)}" in text
    assert "Closing balance 67.10 EUR" in pages[0]
    assert "Long statement line 149" in pages[-1]


@pytest.mark.parametrize(("params", "field"), [
    ({}, "from"), ({"from": "2026-02-30", "to": "2026-03-01"}, "from"), ({"from": "2026-03-02", "to": "2026-03-01"}, "to"),
    ({"from": "2024-01-01", "to": "2025-01-01"}, "to"), ({**PERIOD, "format": "xlsx"}, "format"),
    ({**PERIOD, "colour": "red"}, "colour"),
])
def test_a_bad_or_reversed_period_is_422_naming_the_field(api, pair, params, field):
    alice, _ = pair
    body = problem(api.get(f"/api/accounts/{alice.account}/statement", params=params, headers=alice.headers),
                   422, "validation-error")
    assert field in [error["field"] for error in body["errors"]]


def test_someone_elses_account_or_no_account_has_no_statement(api, pair):
    alice, bob = pair
    problem(api.get(f"/api/accounts/{bob.account}/statement", params=PERIOD, headers=alice.headers), 404,
            "account-not-found")
    problem(api.get("/api/accounts/IE00NOPE/statement", params=PERIOD, headers=alice.headers), 404,
            "account-not-found")


def test_staff_fetch_any_accounts_statement_and_the_audit_trail_records_it(api, pair, database_url):
    alice, _ = pair
    username, password = make_admin(database_url)
    staff = {"Authorization": f"Bearer {sign_in(api, username, password)}"}
    answer = api.get(f"/api/manage/accounts/{alice.account}/statement", params=PERIOD, headers=staff)
    assert answer.status_code == 200, answer.text
    summary, _ = summary_and_rows(answer)
    assert summary["Account holder"] == "Test Person"
    records = api.get("/api/manage/audit", params={"action": "account.statement", "target": alice.account},
                      headers=staff).json()["items"]
    assert len(records) == 1 and records[0]["actor_username"] == username
    assert records[0]["changes"] == {"from": PERIOD["from"], "to": PERIOD["to"], "format": "csv"}
    assert records[0]["correlation_id"] == answer.headers["x-correlation-id"]
    problem(api.get("/api/manage/accounts/IE16IEBK00000000000001/statement", params=PERIOD, headers=staff), 404,
            "account-not-found")  # the bank's own system account is no customer's


def test_history_filters_over_http_and_their_refusals(api, pair, database_url):
    alice, bob = pair
    found = api.get("/api/transactions", params={"q": "rent", "direction": "out", "counterparty": bob.account,
                                                 "min_amount": "30", "max_amount": "30.00", "from": PERIOD["from"]},
                    headers=alice.headers)
    assert found.status_code == 200, found.text
    assert [item["description"] for item in found.json()["items"]] == ["Rent, June"]
    for params, field in (({"form": "2026-01-01"}, "form"), ({"direction": "sideways"}, "direction"),
                          ({"from": "yesterday"}, "from"), ({"min_amount": "2", "max_amount": "1"}, "max_amount"),
                          ({"counterparty": "IE00IEBK0000"}, "counterparty"), ({"amount": "1.00"}, "amount")):
        body = problem(api.get("/api/transactions", params=params, headers=alice.headers), 422, "validation-error")
        assert [error["field"] for error in body["errors"]] == [field]
    username, password = make_admin(database_url)
    staff = {"Authorization": f"Bearer {sign_in(api, username, password)}"}
    staff_view = api.get(f"/api/manage/users/{alice.user_id}/transactions", params={"q": "RENT"}, headers=staff)
    assert [item["description"] for item in staff_view.json()["items"]] == ["Rent, June"]
    problem(api.get(f"/api/manage/users/{alice.user_id}/transactions", params={"qq": "x"}, headers=staff), 422,
            "validation-error")
