"""Delivery of operator and system messages to channels that need a push.

The web page and the mini-program read the transcript themselves (SSE, polling);
push channels such as WeChat customer-service messages register a sender here.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

from bot.models import Conversation, Message

Sender = Callable[[Conversation, Message], None]


def register_sender(app: Flask, channel: str, sender: Sender) -> None:
    app.extensions["wenzheng.senders"][channel] = sender


def deliver(conversation: Conversation, message: Message) -> None:
    """Push ``message`` to the citizen if their channel needs a push."""
    sender = current_app.extensions["wenzheng.senders"].get(conversation.channel)
    if sender is not None:
        sender(conversation, message)
