"""Through the answer API: a question about one certificate is not answered from another's rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from core.db import session_scope
from knowledge_base.importer import import_path

KB = Path(__file__).parent / "kb_ids"


@pytest.fixture
def ids_client(make_app, database_url: str):
    app: Flask = make_app(DATABASE_URL=database_url)
    with session_scope(app.extensions["wenzheng.sessions"]) as session:
        import_path(session, KB, actor="test", publish=True)
    app.extensions["wenzheng.retrieval"].rebuild(wait=True)
    return app.test_client()


def ask(client, question: str) -> dict:
    response = client.post("/api/v1/answer", json={"query": question})
    assert response.status_code == 200
    return response.get_json()


def test_a_lost_identity_card_is_not_answered_from_the_marriage_certificate_rule(ids_client):
    body = ask(ids_client, "身份证丢了怎么补办")
    sources = {c["source_id"] for c in body["citations"] + body["candidates"]}
    if body["decision"] == "answer":
        assert body["citations"][0]["source_id"] == "doc-居民身份证法", body
        assert "结婚证" not in body["answer"]
    else:  # nor offered as a choice
        assert "doc-婚姻登记条例" not in sources, body


def test_the_marriage_certificate_question_still_finds_its_rule(ids_client):
    body = ask(ids_client, "结婚证丢了怎么补领")
    assert body["decision"] != "handoff", body
    first = (body["citations"] or body["candidates"])[0]
    assert (first["source_id"], first["locator"].split(" ")[-1]) == ("doc-婚姻登记条例", "第十七条"), body
