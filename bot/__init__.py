"""Wenzheng web app: the answer API, citizen channels, staff and operator consoles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from bot import localtime, ratelimit
from bot.chat.streamslots import StreamSlots
from bot.chat.turnlock import make_turn_locks
from bot.config import load_config
from bot.db import close_db
from bot.errors import register_error_handlers
from bot.events import make_bus
from bot.headers import init_app as init_headers
from bot.inputs import init_app as clean_inputs
from bot.redaction import install as install_log_redaction
from bot.schema import create_schema
from core.db import make_engine, make_session_factory
from knowledge_base.urls import safe_href
from retrieval.service import RetrievalService
from wire.production import is_production, refuse_dev_secrets


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build one app instance; every resource it uses is created here, none at import."""
    install_log_redaction()
    app = Flask(__name__)
    # A path with doubled slashes is not found rather than redirected to a merged one.
    app.url_map.merge_slashes = False
    app.config.from_mapping(load_config(test_config))
    config = app.config
    refuse_dev_secrets(
        {f"WENZHENG_{name}": config[name] for name in ("INTERNAL_TOKEN", "RASA_TOKEN", "SECRET_KEY")},
        is_production(config["DATABASE_URL"], config["ENV"]),
    )
    if config["PROXY_HOPS"]:  # the client address and scheme as the outermost trusted proxy saw them
        hops = config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    for folder in ("HOME", "INDEX_DIR", "UPLOAD_DIR"):
        Path(app.config[folder]).mkdir(parents=True, exist_ok=True)

    engine = make_engine(app.config["DATABASE_URL"])
    create_schema(engine)
    sessions = make_session_factory(engine)
    app.extensions["wenzheng.engine"] = engine
    app.extensions["wenzheng.sessions"] = sessions
    app.extensions["wenzheng.retrieval"] = RetrievalService.from_config(app.config, sessions)
    app.extensions["wenzheng.events"] = make_bus(app.config["REDIS_URL"])
    ratelimit.init_app(app)
    app.extensions["wenzheng.turnlocks"] = make_turn_locks(app.config["REDIS_URL"])
    app.extensions["wenzheng.streams"] = StreamSlots(
        config["CHAT_STREAMS_MAX"], config["CHAT_STREAMS_PER_IP"], config["CHAT_STREAMS_PER_SESSION"]
    )
    app.extensions["wenzheng.senders"] = {}

    app.teardown_appcontext(close_db)
    clean_inputs(app)
    register_error_handlers(app)
    localtime.init_app(app)
    init_headers(app)
    app.jinja_env.filters["safe_href"] = safe_href  # only http(s) links become href
    _register_blueprints(app)
    _register_commands(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from bot import auth, console, labels, operator, wechat
    from bot.api import search
    from bot.chat import views as chat
    from bot.internal import views as internal

    app.register_blueprint(search.bp)
    app.register_blueprint(chat.bp)
    app.register_blueprint(internal.bp)
    labels.init_app(app)
    auth.init_app(app)
    console.init_app(app)
    operator.init_app(app)
    wechat.init_app(app)


def _register_commands(app: Flask) -> None:
    from bot.auth.cli import users
    from bot.handoff.cli import departments, handoffs
    from bot.retention import privacy
    from bot.wechat.cli import wechat
    from knowledge_base import cli as kb_cli

    app.cli.add_command(kb_cli.kb)
    app.cli.add_command(users)
    app.cli.add_command(handoffs)
    app.cli.add_command(departments)
    app.cli.add_command(wechat)
    app.cli.add_command(privacy)
