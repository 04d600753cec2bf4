"""Channels that need a push register a sender for operator and system messages.

The web page and the mini-program read the transcript themselves (SSE, polling);
push channels such as WeChat customer-service messages register a sender here, which
the handoff desk calls after its commit.
"""

from __future__ import annotations

from flask import Flask

from bot.handoff.service import Sender


def register_sender(app: Flask, channel: str, sender: Sender) -> None:
    app.extensions["wenzheng.senders"][channel] = sender
