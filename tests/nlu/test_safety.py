"""The safety words shared by Rasa's IntentGuard and the chat relay."""

from __future__ import annotations

import pytest

from nlu_components.safety import emergency_message, is_safety_message


@pytest.mark.parametrize(
    "text",
    [
        "我要结束这一切",
        "我想一了百了",
        "活够了",
        "我不想再活下去了",
        "我想自殺",
        "家里著火了",
        "活著没意思",
        "有人持刀",
    ],
)
def test_distress_and_danger_are_recognised(text):
    assert is_safety_message(text)


@pytest.mark.parametrize(
    "text", ["结束对话", "结束咨询", "社保断缴了怎么办", "生育津贴怎么领", "我失业了怎么办", "再见"]
)
def test_ordinary_lines_are_not_alarms(text):
    assert not is_safety_message(text)


def test_the_emergency_message_is_the_bots_and_names_every_hotline():
    message = emergency_message()
    for number in ("110", "120", "119", "12356"):
        assert number in message
