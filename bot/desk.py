"""The handoff desk of an app instance: the Flask-free domain (``bot.handoff.service``)
given this app's event bus, channel senders, Rasa resume outbox and settings."""

from __future__ import annotations

from flask import Flask, current_app

from bot.handoff.rasa import RasaResumes
from bot.handoff.service import HandoffDesk


def init_app(app: Flask) -> None:
    config = app.config
    app.extensions["wenzheng.desk"] = HandoffDesk(
        events=app.extensions["wenzheng.events"],
        # The same dict channels register their senders in (``bot.channels``).
        senders=app.extensions["wenzheng.senders"],
        resumes=RasaResumes(
            app.extensions["wenzheng.outbox"],
            config["RASA_URL"],
            config["RASA_TOKEN"],
            config["HTTP_TIMEOUT"],
        ),
        masking=config["TRANSCRIPT_MASKING"],
    )


def desk() -> HandoffDesk:
    """The current app's handoff desk."""
    return current_app.extensions["wenzheng.desk"]
