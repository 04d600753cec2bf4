"""pytest plugin for the action tests (``-p tests.actions.support``, under .venv-rasa).

Fixtures point the actions at a real web app; helpers build trackers as Rasa sends them
to the action server and run an action.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bench.stack import LiveStack

_sessions = itertools.count(1)


@pytest.fixture
def app_url(live_app: LiveStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The actions talk to the live web app (answer engine and internal API)."""
    monkeypatch.setenv("WENZHENG_APP_URL", live_app.app_url)
    monkeypatch.setenv("WENZHENG_INTERNAL_TOKEN", live_app.internal_token)
    yield live_app.app_url


def user_event(text: str, intent: str, confidence: float = 0.95, entities: list | None = None) -> dict[str, Any]:
    return {
        "event": "user",
        "text": text,
        "timestamp": 0.0,
        "parse_data": {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": entities or [],
        },
    }


def bot_event(text: str, custom: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"event": "bot", "text": text, "timestamp": 0.0, "data": {"custom": custom}}


def tracker_of(
    events: list[dict[str, Any]], slots: dict[str, Any] | None = None, sender: str | None = None
) -> Tracker:
    """A tracker (of a new conversation unless ``sender`` is given) whose latest message is
    the last user event of ``events``."""
    latest = next(e for e in reversed(events) if e["event"] == "user")
    return Tracker(
        sender_id=sender or f"action-test-{next(_sessions)}",
        slots=slots or {},
        latest_message=latest["parse_data"],
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run_action(action: Action, tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The messages the action uttered and the events it returned."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def custom_of(messages: list[dict[str, Any]]) -> dict[str, Any]:
    return next(m["custom"] for m in messages if m.get("custom"))
