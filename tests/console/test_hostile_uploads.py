"""Document uploads the adversarial suite found to be 500s: each is now a clear 400."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from auth.helpers import csrf_of, logged_in
from sqlalchemy import func, select

from core.db import session_scope
from knowledge_base.models import Item
from tests.security import files

pytestmark = pytest.mark.fake_embedder  # no ranking asserted: no 471 MB model


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("长" * 120 + ".md", b"# \xe6\xa0\x87\xe9\xa2\x98\n\nbody", "文件名过长"),
        ("笑.docx", files.entity_bomb("docx"), "不是有效的 Word"),
        ("x\x00.exe.md", b"", "没有可导入的正文"),
    ],
    ids=["name too long for the file system", "billion laughs in a DOCX", "NUL in the name"],
)
def test_hostile_upload_is_a_clear_400_and_leaves_nothing(app, name, content, message):
    editor = logged_in(app, "ed", "editor")
    editor.get("/console/documents/upload")
    response = editor.post(
        "/console/documents/upload",
        data={"csrf_token": csrf_of(editor), "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert message in response.text
    with session_scope(app.extensions["wenzheng.sessions"]) as db:
        assert db.scalar(select(func.count()).select_from(Item)) == 0
    kept = Path(app.config["UPLOAD_DIR"]) / "documents"
    assert not kept.exists() or not any(kept.iterdir())
