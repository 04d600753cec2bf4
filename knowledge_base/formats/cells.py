"""Spreadsheet cells that stay text: no formula injection in CSV or XLSX exports.

A cell starting with ``= + - @`` (or a tab / carriage return, which some spreadsheet
programs skip before reading a formula) is taken as a formula by Excel and LibreOffice.
Every export of citizen or staff text writes cells through :func:`neutralise`, which puts
a leading apostrophe before such text (OWASP's advice); importing FAQ tables reverses it
with :func:`restore`, so an exported file imports to the same content.
"""

from __future__ import annotations

from typing import Any

# A line break is quoted too: the CSV reader turns a quoted CR into LF, and restore must see it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
QUOTE = "'"


def neutralise(value: Any) -> Any:
    """``value`` made inert for a spreadsheet; non-text values are returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return QUOTE + value
    return value


def neutralise_row(row: dict[str, Any]) -> dict[str, Any]:
    return {key: neutralise(value) for key, value in row.items()}


def restore(value: Any) -> Any:
    """The text an exported cell held before :func:`neutralise` quoted it."""
    if isinstance(value, str) and value.startswith(QUOTE) and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
