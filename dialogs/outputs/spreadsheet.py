"""CSV cells a spreadsheet will not run: text typed in chat is data, never a formula.

Excel, LibreOffice and Google Sheets treat a cell starting with = + - @ (or a tab or carriage
return before one) as a formula: "=HYPERLINK(...)" typed into a record would run when the
export is opened (CSV injection; OWASP's advice: prefix a single quote). "-ve response from
school" is text too. Numbers the export writes itself ("-1", "12.5") are not passed through this.
"""

from __future__ import annotations

_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str) -> str:
    """`value`, with a leading ' where a spreadsheet would read it as a formula."""
    return f"'{value}" if value.startswith(_STARTS) else value
