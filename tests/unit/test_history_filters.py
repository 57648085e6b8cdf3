"""History filters and statement periods as the API parses them: no database."""

from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from pydantic import ValidationError

from shared import periods
from shared.csv_export import cell as safe_cell
from shared.history import entry_filter
from shared.models import HistoryQuery, StatementQuery
from shared.repositories.history_filters import EntryFilter, conditions


def fields_refused(model, data) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return [".".join(str(part) for part in error["loc"]) for error in caught.value.errors()]


def test_every_filter_is_parsed_from_query_text():
    query = HistoryQuery.model_validate({"from": "2026-12-01", "to": "2026-12-31", "min_amount": "1.50",
                                         "max_amount": "20", "direction": "out",
                                         "counterparty": "ie16 iebk 0000 0000 0000 01", "q": "  Rent  "})
    assert (query.from_, query.to) == (date(2026, 12, 1), date(2026, 12, 31))
    assert (query.min_amount, query.max_amount) == (150, 2000)  # minor units, exact
    assert (query.direction, query.counterparty, query.q) == ("out", "IE16IEBK00000000000001", "Rent")


def test_a_counterparty_is_an_account_number_or_a_payee_id_resolved_in_the_query():
    payee_id = UUID("0f8fad5b-d9cb-469f-a165-70867728950e")
    by_payee = entry_filter(HistoryQuery.model_validate({"counterparty": f" {payee_id} "}))
    assert (by_payee.counterparty, by_payee.counterparty_payee) == (None, payee_id)
    sql, params = conditions(by_payee)
    assert "fp.owner_id = %(owner)s" in sql and params == {"f_payee": payee_id}  # only the caller's payees
    by_number = entry_filter(HistoryQuery.model_validate({"counterparty": "IE16IEBK00000000000001"}))
    assert (by_number.counterparty, by_number.counterparty_payee) == ("IE16IEBK00000000000001", None)


@pytest.mark.parametrize(("data", "field"), [
    ({"counterparty": "0f8fad5b-d9cb-469f-a165"}, "counterparty"),
    ({"from": "2026-13-01"}, "from"), ({"from": "1733011200"}, "from"), ({"to": "01/12/2026"}, "to"),
    ({"from": "2026-12-02", "to": "2026-12-01"}, "to"), ({"min_amount": "1.005"}, "min_amount"),
    ({"min_amount": "-1"}, "min_amount"), ({"max_amount": "1e3"}, "max_amount"),
    ({"min_amount": "5.00", "max_amount": "4.99"}, "max_amount"), ({"direction": "debit"}, "direction"),
    ({"counterparty": "IE00IEBK00000000000001"}, "counterparty"), ({"q": ""}, "q"), ({"q": "x" * 101}, "q"),
    ({"q": "a\u202eb"}, "q"), ({"form": "2026-12-01"}, "form"), ({"from_": "2026-12-01"}, "from_"),
])
def test_a_bad_filter_or_an_unknown_parameter_is_refused_naming_it(data, field):
    assert fields_refused(HistoryQuery, data) == [field]


def test_a_statement_needs_both_days_in_order_and_a_known_format():
    assert sorted(fields_refused(StatementQuery, {})) == ["from", "to"]
    assert fields_refused(StatementQuery, {"from": "2026-12-02", "to": "2026-12-01"}) == ["to"]
    assert fields_refused(StatementQuery, {"from": "2024-01-01", "to": "2025-01-01"}) == ["to"]  # 367 days
    assert StatementQuery.model_validate({"from": "2025-01-01", "to": "2026-01-01"})  # 366 days
    assert fields_refused(StatementQuery, {"from": "2026-01-01", "to": "2026-01-31", "format": "xls"}) == ["format"]
    assert fields_refused(StatementQuery, {"from": "2026-01-01", "to": "2026-01-31", "page": "1"}) == ["page"]
    one_day = StatementQuery.model_validate({"from": "2026-12-01", "to": "2026-12-01"})
    assert one_day.format == "csv"


def test_days_are_dublin_days_including_the_clock_changes():
    # Summer: Dublin is UTC+1, so 1 July starts at 23:00 UTC on 30 June.
    assert periods.day_start(date(2026, 7, 1)) == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
    assert periods.day_start(date(2026, 12, 1)) == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    # 29 March 2026 has 23 hours, 25 October 2026 has 25.
    assert (periods.day_after(date(2026, 3, 29)) - periods.day_start(date(2026, 3, 29))).total_seconds() == 23 * 3600
    assert (periods.day_after(date(2026, 10, 25)) - periods.day_start(date(2026, 10, 25))).total_seconds() == 25 * 3600


def test_filters_become_bound_parameters_and_the_words_become_prefixes_of_letters_and_digits():
    query = HistoryQuery.model_validate({"q": "50%_Off\\ & !Café:*", "direction": "in", "to": "2026-12-31"})
    sql, params = conditions(entry_filter(query))
    assert "50" not in sql and "e.amount > 0" in sql
    assert params["f_words"] == "50:* & off:* & café:*"  # no tsquery operator survives
    assert params["f_until"] == datetime(2027, 1, 1, tzinfo=UTC)
    assert conditions(EntryFilter()) == ("", {})


@pytest.mark.parametrize("text", ["=1+1", "+353", "-2", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\")"])
def test_a_cell_a_spreadsheet_would_run_is_neutralised(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Rent", "12.50", "", "a=b", "IE16IEBK00000000000001"])
def test_an_ordinary_cell_is_left_alone(text):
    assert safe_cell(text) == text


@pytest.mark.parametrize(("name", "sent"), [
    ('statement-"; evil=1.csv', "statement-___evil_1.csv"), ("../../etc/passwd", "_.._etc_passwd"),
    ("résumé\r\nX-Injected: 1.pdf", "r_sum___X-Injected__1.pdf"), ("", "download"),
])
def test_a_downloads_file_name_keeps_only_safe_characters(name, sent):
    from shared.endpoint import _safe_filename
    assert _safe_filename(name) == sent
