"""The console blueprint and who may use which part of it (admins may use everything)."""

from __future__ import annotations

from flask import Blueprint

from bot.models import Role

bp = Blueprint("console", __name__, url_prefix="/console")

# Curators read the knowledge base; editors change it; reviewers approve changes.
CURATORS = (Role.EDITOR, Role.REVIEWER)
EDITORS = (Role.EDITOR,)
REVIEWERS = (Role.REVIEWER,)
