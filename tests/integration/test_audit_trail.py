"""The audit trail as staff read it, against the real database: targets named in the same
statement (no query per row), and the export's bound and its own record."""

import uuid

import pytest

from shared import audit
from shared.db import Reader
from shared.errors import ValidationFailed
from shared.models import AuditFilters, AuditQuery
from tests.helpers import staff_principal, unique


def append(sql, target_type: str, target_id: str, action: str) -> None:
    sql.execute("INSERT INTO audit_log (actor_username, action, target_type, target_id, correlation_id)"
                " VALUES ('system', %s, %s, %s, 'corr')", (action, target_type, target_id))


def new_user(sql) -> tuple[str, str]:
    username = unique("named")
    row = sql.execute("INSERT INTO users (username, password_hash, full_name, email, country)"
                      " VALUES (%s, 'x', 'Named', %s, 'IE') RETURNING id", (username, f"{username}@example.com"))
    return str(row.fetchone()[0]), username


def test_a_page_names_every_target_in_one_statement(run, runtime, sql, monkeypatch):
    action = unique("test.label")
    users = [new_user(sql) for _ in range(5)]
    for user_id, _ in users:
        append(sql, "user", user_id, action)
    append(sql, "user", "not-a-uuid", action)  # an odd row must not break the page (no cast error)
    append(sql, "user", str(uuid.uuid4()), action)  # nobody has that id: the id itself is shown
    append(sql, "account", "IE29IEBK00000000000042", action)

    statements: list[str] = []
    original = Reader._run

    async def counting(self, cur, query, params):
        statements.append(query)
        return await original(self, cur, query, params)

    monkeypatch.setattr(Reader, "_run", counting)
    page = run(audit.list_records(runtime.db, AuditQuery(action=action, limit=50)))
    monkeypatch.undo()
    assert len(statements) == 1, statements
    labels = [(record.target_type, record.target_label) for record in reversed(page.items)]
    assert labels[:5] == [("user", username) for _, username in users]
    assert labels[5][1] == "not-a-uuid" and labels[6][1] == page.items[1].target_id
    assert labels[7] == ("account", "IE29IEBK00000000000042")


def test_an_export_past_its_bound_is_refused_at_from_and_leaves_no_record(run, runtime, sql, database_url,
                                                                          monkeypatch):
    staff = staff_principal(database_url)
    action = unique("test.bound")
    for _ in range(4):
        append(sql, "account", "IE29IEBK00000000000042", action)
    monkeypatch.setattr(audit, "EXPORT_MAX_ROWS", 3)
    with pytest.raises(ValidationFailed) as refused:
        run(audit.export_records(runtime.db, staff, AuditFilters(action=action), "corr-big"))
    assert [field for field, _ in refused.value.errors] == ["from"]
    assert "3 events" in refused.value.errors[0][1]
    assert sql.execute("SELECT count(*) FROM audit_log WHERE correlation_id = 'corr-big'").fetchone() == (0,)

    monkeypatch.setattr(audit, "EXPORT_MAX_ROWS", 4)
    rows = run(audit.export_records(runtime.db, staff, AuditFilters(action=action), "corr-fits"))
    assert len(rows) == 4 and [r.id for r in rows] == sorted((r.id for r in rows), reverse=True)
    recorded = sql.execute("SELECT actor_username, action, changes FROM audit_log WHERE correlation_id = 'corr-fits'"
                           ).fetchall()
    assert recorded == [(staff.username, "audit.export", {"filters": {"action": action}, "rows": 4})]
