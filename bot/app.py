"""The app factory: every resource an app instance uses is created here, none at import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from bot import desk, localtime, ratelimit
from bot.chat.streamslots import StreamSlots
from bot.chat.turnlock import make_turn_locks
from bot.config import load_config
from bot.db import close_db
from bot.errors import register_error_handlers
from bot.events import make_bus
from bot.headers import init_app as init_headers
from bot.inputs import init_app as clean_inputs
from bot.redaction import install as install_log_redaction
from core.db import make_engine, make_session_factory
from core.migrate import upgrade
from core.outbox import Outbox
from knowledge_base.reader import KnowledgeBaseLoader
from knowledge_base.urls import safe_href
from retrieval.service import RetrievalService


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build one app instance; every resource it uses is created here, none at import."""
    install_log_redaction()
    app = Flask("bot")  # the package: its templates, static files and logger name
    # A path with doubled slashes is not found rather than redirected to a merged one.
    app.url_map.merge_slashes = False
    settings, mapping = load_config(test_config)
    settings.check_secrets("internal_token", "rasa_token", "secret_key")
    app.config.from_mapping(mapping)
    config = app.config
    if config["PROXY_HOPS"]:  # the client address and scheme as the outermost trusted proxy saw them
        hops = config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    for folder in ("HOME", "INDEX_DIR", "UPLOAD_DIR"):
        Path(app.config[folder]).mkdir(parents=True, exist_ok=True)

    engine = make_engine(app.config["DATABASE_URL"])
    upgrade(engine)
    sessions = make_session_factory(engine)
    app.extensions["wenzheng.engine"] = engine
    app.extensions["wenzheng.sessions"] = sessions
    app.extensions["wenzheng.retrieval"] = RetrievalService.from_config(
        app.config, KnowledgeBaseLoader(sessions)
    )
    app.extensions["wenzheng.events"] = make_bus(app.config["REDIS_URL"])
    ratelimit.init_app(app)
    app.extensions["wenzheng.turnlocks"] = make_turn_locks(app.config["REDIS_URL"])
    app.extensions["wenzheng.streams"] = StreamSlots(
        config["CHAT_STREAMS_MAX"], config["CHAT_STREAMS_PER_IP"], config["CHAT_STREAMS_PER_SESSION"]
    )
    app.extensions["wenzheng.senders"] = {}
    app.extensions["wenzheng.outbox"] = Outbox(sessions)
    desk.init_app(app)

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
    from bot.schema import db
    from bot.wechat.cli import wechat
    from knowledge_base import cli as kb_cli

    app.cli.add_command(kb_cli.kb)
    app.cli.add_command(users)
    app.cli.add_command(handoffs)
    app.cli.add_command(departments)
    app.cli.add_command(wechat)
    app.cli.add_command(privacy)
    app.cli.add_command(db)
