"""`/api/v1/search` and `/api/v1/answer`: the answer engine over HTTP."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("search_api", __name__, url_prefix="/api/v1")
