"""Writing a generated section into a hand-written Markdown document (stdlib only, so the
app's and Rasa's virtualenvs both use it)."""

from __future__ import annotations

from pathlib import Path


def write_section(out: Path, section: str, start: str, end: str, header: str = "") -> None:
    """Replace what stands between ``start`` and ``end`` in ``out``; keep the rest."""
    text = out.read_text() if out.exists() else f"{header}{start}\n{end}\n"
    before, _, rest = text.partition(start)
    _, _, after = rest.partition(end)
    out.write_text(before + section + after)
