"""`flask --app bot kb ...`: knowledge-base administration."""

from __future__ import annotations

import click


@click.group()
def kb() -> None:
    """Import, publish, export and search the knowledge base."""
