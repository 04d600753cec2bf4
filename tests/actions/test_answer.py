"""action_answer against the real answer engine of a running web app."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from actions.answer import (
    ENGINE_DOWN_APOLOGY,
    FEEDBACK_PROMPT,
    REJECTED_QUERY_MESSAGE,
    ActionAnswer,
    _structured,
)
from tests.actions.support import bot_event, custom_of, run_action, tracker_of, user_event


def _cited_sources(messages) -> list[str]:
    return [c["source_id"] for c in custom_of(messages)["citations"]]


def test_a_question_gets_an_answer_with_citations_and_a_feedback_prompt(app_url):
    tracker = tracker_of([user_event("公积金租房提取怎么办理", "ask_policy")])

    messages, events = run_action(ActionAnswer(), tracker)

    answer = custom_of(messages)
    assert answer["type"] == "answer" and answer["decision"] == "answer"
    assert messages[0]["text"].strip()
    assert "\n\n" not in messages[0]["text"]  # one answer arrives as one REST message
    citation = answer["citations"][0]
    assert citation["source_id"].startswith("faq-gjj-zufang")
    assert citation["title"] and citation["url"]
    prompt = messages[-1]
    assert prompt["text"] == FEEDBACK_PROMPT
    assert [b["payload"] for b in prompt["buttons"]] == ["/feedback_helpful", "/feedback_unhelpful"]
    assert events == []


def test_a_follow_up_is_answered_in_the_topic_of_the_earlier_question(app_url):
    tracker = tracker_of(
        [
            user_event("公积金租房提取怎么办理", "ask_policy"),
            bot_event("可以通过网上服务大厅办理。", {"type": "answer", "decision": "answer"}),
            user_event("那需要什么材料？", "ask_policy"),
        ]
    )

    messages, _ = run_action(ActionAnswer(), tracker)

    assert "faq-gjj-zufang-cailiao" in _cited_sources(messages)


def test_a_clarify_choice_answers_the_chosen_candidate(app_url):
    tracker = tracker_of(
        [
            user_event("公积金怎么提取", "ask_policy"),
            bot_event("您想咨询的是下面哪一项？请点击选择：", {"type": "answer", "decision": "clarify"}),
            user_event(
                '/choose_candidate{"source_id": "faq-gjj-goufang", "locator": ""}',
                "choose_candidate",
                entities=[
                    {"entity": "source_id", "value": "faq-gjj-goufang"},
                    {"entity": "locator", "value": ""},
                ],
            ),
        ]
    )

    messages, _ = run_action(ActionAnswer(), tracker)

    assert _cited_sources(messages)[0] == "faq-gjj-goufang"


def test_a_question_the_knowledge_base_cannot_answer_is_handed_off_and_the_bot_paused(app_url):
    tracker = tracker_of([user_event("量子计算机的原理", "ask_policy")])

    messages, events = run_action(ActionAnswer(), tracker)

    handoff = next(m["custom"] for m in messages if (m.get("custom") or {}).get("type") == "handoff")
    assert handoff["reason"] == "low_confidence" and handoff["handoff_id"]
    # The citizen is told the knowledge base has no answer, and where else to ask.
    assert "没有找到" in messages[0]["text"] and "12345" in messages[0]["text"]
    assert {"event": "pause", "timestamp": None} in events
    assert not any(c for m in messages for c in (m.get("custom") or {}).get("citations", []))


def test_an_overlong_question_is_refused_with_a_request_to_shorten_it(app_url):
    tracker = tracker_of([user_event("公积金租房提取怎么办理" * 60, "ask_policy")])

    messages, events = run_action(ActionAnswer(), tracker)

    assert [m["text"] for m in messages] == [REJECTED_QUERY_MESSAGE]
    assert events == []


class _SlowHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server naming)
        time.sleep(3)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def slow_app_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A web app that takes 3 s to answer, with the actions' timeout at 1 s."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("WENZHENG_APP_URL", url)
    monkeypatch.setenv("WENZHENG_ANSWER_TIMEOUT", "1")
    yield url
    server.shutdown()
    server.server_close()


def test_a_slow_answer_engine_gets_an_apology_and_a_handoff_offer_in_time(slow_app_url):
    tracker = tracker_of([user_event("社保卡丢了怎么补办", "ask_policy")])

    started = time.monotonic()
    messages, events = run_action(ActionAnswer(), tracker)

    assert time.monotonic() - started < 2.5
    assert messages[0]["text"] == ENGINE_DOWN_APOLOGY
    assert messages[0]["buttons"][0]["payload"] == "/request_human"
    assert events == []


@pytest.fixture
def unreachable_app_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A port that is bound but never listens: every connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        monkeypatch.setenv("WENZHENG_APP_URL", url)
        yield url


def test_an_unreachable_answer_engine_gets_an_apology(unreachable_app_url):
    tracker = tracker_of([user_event("医保怎么报销", "ask_policy")])

    messages, events = run_action(ActionAnswer(), tracker)

    assert messages[0]["text"] == ENGINE_DOWN_APOLOGY
    assert events == []


def test_a_generated_answer_relays_its_extractive_quote_and_audit_record():
    record = {"model": "fake-qwen", "generated": True, "fallback": None, "verdicts": [], "removed": []}
    response = {"decision": "answer", "confidence": 0.9, "answer": "【参考回答】……[1]", "citations": [],
                "candidates": [], "query": "q", "generated": True, "extractive": "根据……[1]",
                "generation": record}
    custom = _structured(response)
    assert (custom["generated"], custom["extractive"], custom["generation"]) == (True, "根据……[1]", record)
    plain = _structured({k: v for k, v in response.items() if k not in {"generated", "extractive", "generation"}})
    assert not {"generated", "extractive", "generation"} & set(plain)
