"""A generated answer's audit record travels from the action's payload into the stored reply."""

from __future__ import annotations

from bot.chat.rasa_client import parse_replies

RECORD = {"model": "fake-qwen", "generated": True, "fallback": None, "verdicts": [], "removed": []}


def test_the_generation_record_and_extractive_quote_reach_the_reply():
    custom = {"type": "answer", "decision": "answer", "confidence": 0.9, "citations": [],
              "generated": True, "extractive": "根据《条例》第三条：……[1]", "generation": RECORD}
    [reply] = parse_replies([{"recipient_id": "s", "text": "【参考回答】……[1]"},
                             {"recipient_id": "s", "custom": custom}])
    assert reply["generation"] == {**RECORD, "extractive": "根据《条例》第三条：……[1]"}


def test_an_extractive_reply_carries_no_generation_record():
    custom = {"type": "answer", "decision": "answer", "confidence": 0.9, "citations": []}
    [reply] = parse_replies([{"recipient_id": "s", "text": "根据……[1]"},
                             {"recipient_id": "s", "custom": custom}])
    assert "generation" not in reply
