"""Uploaded files do not pile up: every upload folder is removed after use or by age.

Import previews live in ``UPLOAD_DIR/imports/<token>/`` until confirmed or cancelled,
document uploads in ``UPLOAD_DIR/documents/<id>/`` until stored, FAQ exports in
``UPLOAD_DIR/export-*/`` until sent. A preview nobody confirms (or a crash in between)
would stay forever; :func:`sweep` runs at each new upload and removes what is older
than ``UPLOAD_MAX_AGE_HOURS``.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from flask import current_app


def sweep() -> int:
    """Remove upload folders older than the configured age; returns how many."""
    root = Path(current_app.config["UPLOAD_DIR"])
    cutoff = time.time() - float(current_app.config["UPLOAD_MAX_AGE_HOURS"]) * 3600
    folders = [*_children(root / "imports"), *_children(root / "documents"),
               *root.glob("export-*")]
    removed = 0
    for folder in folders:
        try:
            stale = folder.is_dir() and folder.stat().st_mtime < cutoff
        except FileNotFoundError:  # another request removed it meanwhile
            continue
        if stale:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def _children(folder: Path) -> list[Path]:
    return list(folder.iterdir()) if folder.is_dir() else []
