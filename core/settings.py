"""Every setting of the web app, the supervisor and the action server: one typed schema.

Each field is read from the environment as ``WENZHENG_<NAME>`` (``DATABASE_URL`` and
``REDIS_URL`` also under their conventional names) and parsed to its type; a value that
does not parse stops the process with an error naming the variable. Fields left unset
take the default written here; paths and URLs derived from others are filled in last.

Stdlib dataclasses rather than pydantic-settings: the action server runs in Rasa 3.6's
venv, which pins pydantic 1, and pydantic-settings 2 needs pydantic 2.

Importable without Flask, SQLAlchemy or anything else outside the standard library, in
both venvs (the action server's is Python 3.10).
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from wire.production import DEV_INTERNAL_TOKEN, DEV_RASA_TOKEN, is_production, refuse_dev_secrets

PROJECT_ROOT = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class InvalidSetting(ValueError):
    """A setting's value does not parse to its type; the message names the variable."""


def _also(*names: str) -> dict[str, tuple[str, ...]]:
    return {"also": names}


@dataclass(frozen=True)
class Settings:
    """Secrets are left out of the repr, so a logged Settings shows none."""

    # --- shared by every process -------------------------------------------------------
    # All state lives below this folder: database, indexes, model cache, uploads, logs.
    home: Path = PROJECT_ROOT / "var"
    database_url: str = field(default="", metadata=_also("DATABASE_URL"))  # default: sqlite:///$HOME/wenzheng.db
    redis_url: str | None = field(default=None, metadata=_also("REDIS_URL"))  # shared state between processes (rate limits, events) when set
    # "production" refuses development secrets (so does a PostgreSQL DATABASE_URL).
    env: str = "development"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = field(default=DEV_RASA_TOKEN, repr=False)
    internal_token: str = field(default=DEV_INTERNAL_TOKEN, repr=False)
    # How the action server reaches the app; default http://$HOST:$PORT.
    app_url: str = ""

    # --- web app -----------------------------------------------------------------------
    embedding_model: Path | None = None  # default: $HOME/models/multilingual-e5-small (built offline)
    embedding_cache: Path | None = None  # passage vectors by content hash; default: $HOME/cache/embeddings
    # onnx: encode with ONNX Runtime from the model's exported graph (3x faster); torch: PyTorch.
    embedding_backend: str = "onnx"
    retrieval_config: Path = PROJECT_ROOT / "retrieval" / "pipeline.yml"
    public_url: str = "http://127.0.0.1:8000"
    http_timeout: float = 10.0
    max_query_chars: int = 500
    # Citizen chat: Rasa relay timeout, per-minute rate limits, live-stream heartbeat, and
    # whether the stored transcript masks ID-card/phone/bank numbers (logs always do).
    rasa_timeout: float = 30.0
    chat_rate_per_session: int = 20
    chat_rate_per_ip: int = 60
    chat_heartbeat_seconds: float = 15.0
    # Live streams hold a server thread each: they end after CHAT_STREAM_SECONDS (the browser
    # reconnects with Last-Event-ID) and are capped per process (keep CHAT_STREAMS_MAX well
    # below the waitress thread pool, THREADS), per client and session.
    chat_stream_seconds: float = 300.0
    chat_streams_max: int = 6
    chat_streams_per_ip: int = 3
    chat_streams_per_session: int = 2
    # Anonymous /api/v1/search and /api/v1/answer calls per client address and minute.
    api_rate_per_ip: int = 30
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none).
    proxy_hops: int = 0
    # Client networks (comma-separated CIDRs) that may call /internal/v1 (token needed too).
    internal_allowed_networks: str = "127.0.0.0/8,::1/128"
    # Staff login: free failures per account, then a wait doubling from BACKOFF up to MAX.
    login_free_attempts: int = 5
    login_backoff_seconds: float = 30.0
    login_backoff_max_seconds: float = 3600.0
    login_rate_per_ip: int = 30  # login attempts per client address in 5 minutes
    transcript_masking: bool = False
    # Days citizen text is kept (transcripts, WeChat pushes, query logs, Rasa tracker);
    # `flask --app bot privacy purge` clears what is older. 0 keeps everything.
    privacy_retention_days: int = 180
    # Default: a random key kept in $HOME/secret_key (persistent_secret_key), so sessions
    # survive a restart.
    secret_key: str | None = field(default=None, repr=False)
    # Session cookie: Lax keeps it off cross-site form posts; Secure (HTTPS only) is on when
    # the site is served over https (PUBLIC_URL https://…, as production behind the TLS
    # proxy is), unless set explicitly. Plain http never gets a Secure cookie back.
    session_cookie_samesite: str = "Lax"
    session_cookie_httponly: bool = True
    session_cookie_secure: bool | None = None
    # Uploads and import previews nobody confirmed are removed after this many hours.
    upload_max_age_hours: int = 24
    permanent_session_lifetime: int = 8 * 3600
    max_content_length: int = 20 * 1024 * 1024
    wechat_appid: str = ""
    wechat_secret: str = field(default="", repr=False)
    wechat_token: str = field(default="", repr=False)
    wechat_encoding_aes_key: str = field(default="", repr=False)
    wechat_api_base: str = "https://api.weixin.qq.com"
    # A signed push older or newer than this (seconds) is refused, and its nonce is
    # remembered for twice as long so a captured push cannot be replayed.
    wechat_timestamp_window: int = 300
    # Threads answering pushed WeChat messages (each may wait on Rasa and the send API).
    wechat_workers: int = 4
    # Mini-program log-in without WeChat (openid from the device), for WeChat DevTools on a
    # laptop; refused when the app runs in production (PostgreSQL or ENV=production).
    wechat_dev_login: bool = False
    # 订阅消息: the template announcing an operator's reply (empty: none is asked for), how
    # its fields are filled (keyword:value with value question/reply/time/department), the
    # page it opens and the state of the mini-program it opens (formal/trial/developer).
    wechat_subscribe_template_id: str = ""
    wechat_subscribe_fields: str = "thing1:question,thing2:reply,time3:time"
    wechat_subscribe_page: str = "pages/chat/chat"
    wechat_subscribe_state: str = "formal"
    # Optional grounded generation (docs/generation.md): an OpenAI-compatible chat endpoint
    # (base URL ending in /v1) rephrases the chosen source; every sentence is checked
    # against it, and the extractive answer is sent whenever the model or the check fails.
    generation_enabled: bool = False
    generation_base_url: str = ""
    generation_model: str = ""
    generation_api_key: str = field(default="", repr=False)
    # Whole completion; keep it below ANSWER_TIMEOUT (5 s), or raise that too, else a slow
    # model turns into the "engine down" apology.
    generation_timeout: float = 3.0
    generation_max_tokens: int = 400
    # The time zone every page shows times in (bot/localtime.py).
    display_tz: str = "Asia/Shanghai"

    # --- supervisor (python -m bot.supervisor) -------------------------------------------
    host: str = "127.0.0.1"  # where waitress serves the app
    port: int = 8000
    threads: int = 16  # waitress's thread pool
    actions_url: str = "http://127.0.0.1:5055"
    rasa_model: Path | None = None  # default: $HOME/rasa/models
    # Rasa's tracker store in production; default: the app's PostgreSQL database.
    rasa_tracker_url: str | None = None
    rasa_host: str = ""  # interface Rasa listens on; default: RASA_URL's host
    actions_host: str = ""  # interface the action server listens on; default: ACTIONS_URL's host
    watch_interval: float = 60.0  # seconds between two handoff watch passes
    start_timeout: float = 300.0  # seconds the servers have to answer their health checks

    # --- action server ------------------------------------------------------------------
    # The citizen waits for this: past it, an apology and a handoff offer beat silence.
    answer_timeout: float = 5.0

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
    ) -> Settings:
        """The settings ``environ`` (default: this process's environment) gives, with
        ``overrides`` (by field name, typed values or strings) on top; derived ones last."""
        environ = os.environ if environ is None else environ
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for spec in dataclasses.fields(cls):
            for name in (env_name(spec.name), *spec.metadata.get("also", ())):
                if name in environ:
                    values[spec.name] = _parse(name, environ[name], hints[spec.name])
                    break
        for key, value in (overrides or {}).items():
            if key not in hints:
                raise InvalidSetting(f"unknown setting {key!r}")
            values[key] = _parse(env_name(key), value, hints[key])
        return cls(**values)._derived()

    def _derived(self) -> Settings:
        home = self.home.resolve()
        return dataclasses.replace(
            self,
            home=home,
            database_url=self.database_url or f"sqlite:///{home / 'wenzheng.db'}",
            embedding_model=self.embedding_model or home / "models" / "multilingual-e5-small",
            embedding_cache=self.embedding_cache or home / "cache" / "embeddings",
            session_cookie_secure=(
                self.public_url.startswith("https://")
                if self.session_cookie_secure is None else self.session_cookie_secure
            ),
            app_url=(self.app_url or f"http://{self.host}:{self.port}").rstrip("/"),
            rasa_model=self.rasa_model or home / "rasa" / "models",
            rasa_host=self.rasa_host or urlsplit(self.rasa_url).hostname or "127.0.0.1",
            actions_host=self.actions_host or urlsplit(self.actions_url).hostname or "127.0.0.1",
        )

    @property
    def production(self) -> bool:
        """The one production rule (wire/production.py): PostgreSQL or ENV=production."""
        return is_production(self.database_url, self.env)

    def check_secrets(self, *names: str) -> None:
        """``InsecureSettings`` in production while one of these secrets (field names) is
        missing, a development default or short."""
        refuse_dev_secrets({env_name(name): getattr(self, name) for name in names}, self.production)


def env_name(name: str) -> str:
    """``chat_rate_per_ip`` → ``WENZHENG_CHAT_RATE_PER_IP``."""
    return f"WENZHENG_{name.upper()}"


def _parse(name: str, value: Any, kind: Any) -> Any:
    """``value`` (a string from the environment, or an already typed override) as ``kind``."""
    options = typing.get_args(kind) if isinstance(kind, types.UnionType) else (kind,)
    if type(None) in options:
        if value is None or value == "":
            return None
        kind = next(option for option in options if option is not type(None))
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        return _invalid(name, value, "a yes/no value (1/0, true/false, yes/no, on/off)")
    if kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return int(value)
        except (TypeError, ValueError):
            return _invalid(name, value, "a whole number")
    if kind is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        try:
            return float(value)
        except (TypeError, ValueError):
            return _invalid(name, value, "a number")
    if kind is Path:
        if isinstance(value, str | Path) and str(value):
            return Path(value)
        return _invalid(name, value, "a path")
    if isinstance(value, str):
        return value
    return _invalid(name, value, "text")


def _invalid(name: str, value: Any, expected: str) -> Any:
    raise InvalidSetting(f"设置 {name} 的值 {value!r} 无效。Invalid setting {name}={value!r}: expected {expected}.")


def persistent_secret_key(home: Path) -> str:
    """A per-installation secret kept under ``home``, created on first use."""
    path = home / "secret_key"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
