"""A statement as a file: CSV for spreadsheets, PDF to read and keep.

CSV dialect: RFC 4180 as Excel writes it (Python's `excel` dialect: comma, double-quote quoting
when needed, CRLF line ends), UTF-8 with a byte-order mark so Excel reads accents right. A block
of `field,value` rows (account, holder, period, opening and closing balances, totals), a blank
row, then one row per entry under a heading row. Amounts are exact decimal text ("1234.50", no
thousands separator, never a float), paid in and paid out in separate columns so no amount has a
sign. Any cell starting with = + - @, a tab or a carriage return is prefixed with a single quote,
so a spreadsheet never runs a description (or a name) as a formula (OWASP's CSV injection advice).

PDF: drawn with fpdf2 (imported here, only when a PDF is asked for), A4, the core Helvetica font
(Latin-1: a character outside it prints as '?'), the bank's name, holder, account and period on
every page, and "Page n of N" at the foot.
"""

import csv
import io
from typing import TYPE_CHECKING

from shared.csv_export import cell as safe_cell
from shared.money import format_minor
from shared.periods import BANK_ZONE, bank_time

if TYPE_CHECKING:
    from shared.domain import Statement, StatementLine

BANK_NAME = "IE Bank"
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
HEADINGS = ("Date (Europe/Dublin)", "Description", "Counterparty account", "Type", "Paid in", "Paid out",
            "Balance", "Transfer id")


def filename(statement: "Statement", extension: str) -> str:
    """ASCII only (account numbers and ISO dates), so Content-Disposition needs no encoding."""
    return f"statement-{statement.account}-{statement.first_day}-{statement.last_day}.{extension}"


def _period(statement: "Statement") -> str:
    return f"{statement.first_day} to {statement.last_day}"


def _summary(statement: "Statement") -> list[tuple[str, str]]:
    return [("Bank", BANK_NAME), ("Account", statement.account), ("Account name", statement.account_name),
            ("Account holder", statement.holder), ("Currency", statement.currency),
            ("Period", f"{_period(statement)} (days in {BANK_ZONE.key}, both included)"),
            ("Opening balance", format_minor(statement.opening_balance)),
            ("Total paid in", format_minor(statement.paid_in)),
            ("Total paid out", format_minor(statement.paid_out)),
            ("Closing balance", format_minor(statement.closing_balance)),
            ("Entries", str(len(statement.lines))),
            ("Produced at", bank_time(statement.produced_at).strftime(_TIME_FORMAT))]


def _row(line: "StatementLine") -> list[str]:
    paid_in, paid_out = (format_minor(line.amount), "") if line.amount > 0 else ("", format_minor(-line.amount))
    return [bank_time(line.created_at).strftime(_TIME_FORMAT), line.description, line.counterparty_account,
            line.kind, paid_in, paid_out, format_minor(line.balance), str(line.transfer_id)]


def to_csv(statement: "Statement") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, dialect="excel")
    for name, value in _summary(statement):
        writer.writerow([safe_cell(name), safe_cell(value)])
    writer.writerow([])
    writer.writerow(HEADINGS)
    for line in statement.lines:
        writer.writerow([safe_cell(cell) for cell in _row(line)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def to_pdf(statement: "Statement") -> bytes:
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    class StatementPdf(FPDF):
        def header(self) -> None:
            self.set_font("Helvetica", "B", 14)
            self.cell(0, 8, BANK_NAME, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_font("Helvetica", "", 9)
            self.cell(0, 5, _latin1(f"Statement of account {statement.account} ({statement.currency})"),
                      new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.cell(0, 5, _latin1(f"Account holder: {statement.holder}  -  {statement.account_name}"),
                      new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.cell(0, 5, f"Period: {_period(statement)} ({BANK_ZONE.key})", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(3)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("Helvetica", "", 8)
            self.cell(0, 8, f"Page {self.page_no()} of {{nb}}", align="C")

    pdf = StatementPdf(format="A4")
    pdf.set_title(f"{BANK_NAME} statement {statement.account} {_period(statement)}")
    pdf.set_author(BANK_NAME)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "", 9)
    for name, value in _summary(statement)[6:10]:
        pdf.cell(45, 5, name)
        pdf.cell(0, 5, f"{value} {statement.currency}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font("Helvetica", "", 7.5)
    with pdf.table(col_widths=(26, 58, 40, 20, 20, 22), text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
                   line_height=4, first_row_as_headings=True) as table:
        heading = table.row()
        for text in ("Date", "Description", "Counterparty", "Paid in", "Paid out", "Balance"):
            heading.cell(text)
        for line in statement.lines:
            cells = _row(line)
            row = table.row()
            for text in (cells[0][:16], cells[1] or cells[3], cells[2], cells[4], cells[5], cells[6]):
                row.cell(_latin1(text))
    if not statement.lines:
        pdf.cell(0, 6, "No entries in this period.")
    return bytes(pdf.output())
