from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from shared.endpoint import Call, FileReply, endpoint

if TYPE_CHECKING:
    from shared.domain import Statement
    from shared.models import StatementQuery

bp = func.Blueprint()
_FILES = ("text/csv", "application/pdf")


def _file(statement: Statement, file_format: str) -> FileReply:
    from shared import statement_files
    if file_format == "pdf":
        return FileReply(statement_files.to_pdf(statement), "application/pdf",
                         statement_files.filename(statement, "pdf"))
    return FileReply(statement_files.to_csv(statement), "text/csv", statement_files.filename(statement, "csv"))


@bp.route(route="accounts/{number}/statement", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="A statement of one of the caller's accounts for a period of days, as CSV or PDF",
          access="user", errors=(404,), files=_FILES)
async def account_statement(call: Call[None, StatementQuery]) -> FileReply:
    from shared import statements
    statement = await statements.statement(call.runtime.db, call.principal.id, call.account_number("number"),
                                           call.query)
    return _file(statement, call.query.format)


@bp.route(route="manage/accounts/{number}/statement", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Any customer account's statement for a period of days, as CSV or PDF (audited)",
          access="admin", errors=(404,), files=_FILES)
async def manage_account_statement(call: Call[None, StatementQuery]) -> FileReply:
    from shared import statements
    statement = await statements.staff_statement(call.runtime.db, call.principal, call.account_number("number"),
                                                 call.query, call.correlation_id)
    return _file(statement, call.query.format)
