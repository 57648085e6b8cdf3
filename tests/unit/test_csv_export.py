"""CSV cells staff open in a spreadsheet: nothing there runs as a formula (OWASP's CSV injection)."""

import csv
import io

import pytest

from shared.csv_export import cell, render


@pytest.mark.parametrize("dangerous", ["=1+1", "+41 79 000", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
                                       '=HYPERLINK("http://evil.example","x")'])
def test_a_cell_a_spreadsheet_would_run_as_a_formula_starts_with_an_apostrophe(dangerous):
    assert cell(dangerous) == "'" + dangerous


@pytest.mark.parametrize(("value", "shown"), [("alice", "alice"), (42, "42"), (None, ""), ("a=b", "a=b"),
                                              ("'quoted", "'quoted"), ("Ó Súilleabháin", "Ó Súilleabháin")])
def test_ordinary_cells_are_left_as_they_are(value, shown):
    assert cell(value) == shown


def test_a_file_is_utf8_with_a_bom_crlf_and_every_cell_quoted_so_commas_and_newlines_survive():
    data = render(["name", "note"], [["Ó, Aoife", "two\nlines"], ["=cmd", 'say "hi"']])
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.startswith('"name","note"\r\n')
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["name", "note"], ["Ó, Aoife", "two\nlines"], ["'=cmd", 'say "hi"']]
