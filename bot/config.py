"""Configuration: defaults, overridden by environment variables, overridden by the caller.

Every setting can be set as ``WENZHENG_<NAME>`` in the environment; ``DATABASE_URL``
and ``REDIS_URL`` are also read under their conventional names.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from wire.production import DEV_INTERNAL_TOKEN, DEV_RASA_TOKEN

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    # All state lives below this folder: database, indexes, model cache, uploads.
    "HOME": str(PROJECT_ROOT / "var"),
    "DATABASE_URL": None,  # default: sqlite:///$HOME/wenzheng.db
    "REDIS_URL": None,  # shared state between processes (rate limits, events) when set
    "EMBEDDING_MODEL": None,  # default: $HOME/models/multilingual-e5-small (built offline)
    "EMBEDDING_CACHE": None,  # passage vectors by content hash; default: $HOME/cache/embeddings
    # onnx: encode with ONNX Runtime from the model's exported graph (3x faster); torch: PyTorch.
    "EMBEDDING_BACKEND": "onnx",
    "RETRIEVAL_CONFIG": str(PROJECT_ROOT / "retrieval" / "pipeline.yml"),
    "RASA_URL": "http://127.0.0.1:5005",
    "RASA_TOKEN": DEV_RASA_TOKEN,
    "INTERNAL_TOKEN": DEV_INTERNAL_TOKEN,
    "PUBLIC_URL": "http://127.0.0.1:8000",
    "HTTP_TIMEOUT": 10.0,
    "MAX_QUERY_CHARS": 500,
    # Citizen chat: Rasa relay timeout, per-minute rate limits, live-stream heartbeat, and
    # whether the stored transcript masks ID-card/phone/bank numbers (logs always do).
    "RASA_TIMEOUT": 30.0,
    "CHAT_RATE_PER_SESSION": 20,
    "CHAT_RATE_PER_IP": 60,
    "CHAT_HEARTBEAT_SECONDS": 15.0,
    # Live streams hold a server thread each: they end after CHAT_STREAM_SECONDS (the browser
    # reconnects with Last-Event-ID) and are capped per process (keep CHAT_STREAMS_MAX well
    # below the waitress thread pool, WENZHENG_THREADS, default 16), per client and session.
    "CHAT_STREAM_SECONDS": 300.0,
    "CHAT_STREAMS_MAX": 6,
    "CHAT_STREAMS_PER_IP": 3,
    "CHAT_STREAMS_PER_SESSION": 2,
    # Anonymous /api/v1/search and /api/v1/answer calls per client address and minute.
    "API_RATE_PER_IP": 30,
    # "production" refuses development secrets (so does a PostgreSQL DATABASE_URL).
    "ENV": "development",
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none).
    "PROXY_HOPS": 0,
    # Client networks (comma-separated CIDRs) that may call /internal/v1 (token needed too).
    "INTERNAL_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",
    # Staff login: free failures per account, then a wait doubling from BACKOFF up to MAX.
    "LOGIN_FREE_ATTEMPTS": 5,
    "LOGIN_BACKOFF_SECONDS": 30.0,
    "LOGIN_BACKOFF_MAX_SECONDS": 3600.0,
    "LOGIN_RATE_PER_IP": 30,  # login attempts per client address in 5 minutes
    "TRANSCRIPT_MASKING": False,
    # Days citizen text is kept (transcripts, WeChat pushes, query logs, Rasa tracker);
    # `flask --app bot privacy purge` clears what is older. 0 keeps everything.
    "PRIVACY_RETENTION_DAYS": 180,
    "SECRET_KEY": None,
    # Session cookie: Lax keeps it off cross-site form posts; Secure (HTTPS only) is on when
    # the site is served over https (PUBLIC_URL https://…, as production behind the TLS
    # proxy is), unless set explicitly. Plain http never gets a Secure cookie back.
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SECURE": None,
    # Uploads and import previews nobody confirmed are removed after this many hours.
    "UPLOAD_MAX_AGE_HOURS": 24,
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
    "WECHAT_APPID": "",
    "WECHAT_SECRET": "",
    "WECHAT_TOKEN": "",
    "WECHAT_ENCODING_AES_KEY": "",
    "WECHAT_API_BASE": "https://api.weixin.qq.com",
    # A signed push older or newer than this (seconds) is refused, and its nonce is
    # remembered for twice as long so a captured push cannot be replayed.
    "WECHAT_TIMESTAMP_WINDOW": 300,
    # Threads answering pushed WeChat messages (each may wait on Rasa and the send API).
    "WECHAT_WORKERS": 4,
    # Mini-program log-in without WeChat (openid from the device), for WeChat DevTools on a
    # laptop; refused when the app runs in production (PostgreSQL or WENZHENG_ENV=production).
    "WECHAT_DEV_LOGIN": False,
    # 订阅消息: the template announcing an operator's reply (empty: none is asked for), how
    # its fields are filled (keyword:value with value question/reply/time/department), the
    # page it opens and the state of the mini-program it opens (formal/trial/developer).
    "WECHAT_SUBSCRIBE_TEMPLATE_ID": "",
    "WECHAT_SUBSCRIBE_FIELDS": "thing1:question,thing2:reply,time3:time",
    "WECHAT_SUBSCRIBE_PAGE": "pages/chat/chat",
    "WECHAT_SUBSCRIBE_STATE": "formal",
    # Optional grounded generation (docs/generation.md): an OpenAI-compatible chat endpoint
    # (base URL ending in /v1) rephrases the chosen source; every sentence is checked
    # against it, and the extractive answer is sent whenever the model or the check fails.
    "GENERATION_ENABLED": False,
    "GENERATION_BASE_URL": "",
    "GENERATION_MODEL": "",
    "GENERATION_API_KEY": "",
    # Whole completion; keep it below the action server's WENZHENG_ANSWER_TIMEOUT (5 s), or
    # raise that too, else a slow model turns into the "engine down" apology.
    "GENERATION_TIMEOUT": 3.0,
    "GENERATION_MAX_TOKENS": 400,
    # The time zone every page shows times in (bot/localtime.py).
    "DISPLAY_TZ": "Asia/Shanghai",
}

_CONVENTIONAL_NAMES = ("DATABASE_URL", "REDIS_URL")


def _coerce(value: str, default: Any) -> Any:
    if isinstance(default, bool):
        return value.lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    return value


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Resolve the settings for one app instance; derived paths come last."""
    config = dict(DEFAULTS)
    for name, default in DEFAULTS.items():
        raw = os.environ.get(f"WENZHENG_{name}")
        if raw is None and name in _CONVENTIONAL_NAMES:
            raw = os.environ.get(name)
        if raw is not None:
            config[name] = _coerce(raw, default)
    config.update(overrides or {})

    home = Path(config["HOME"]).resolve()
    config["HOME"] = str(home)
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{home / 'wenzheng.db'}"
    if not config["EMBEDDING_MODEL"]:
        config["EMBEDDING_MODEL"] = str(home / "models" / "multilingual-e5-small")
    if not config["EMBEDDING_CACHE"]:
        config["EMBEDDING_CACHE"] = str(home / "cache" / "embeddings")
    config.setdefault("INDEX_DIR", str(home / "index"))
    config.setdefault("UPLOAD_DIR", str(home / "uploads"))
    if config["SESSION_COOKIE_SECURE"] is None:
        config["SESSION_COOKIE_SECURE"] = str(config["PUBLIC_URL"]).startswith("https://")
    elif isinstance(config["SESSION_COOKIE_SECURE"], str):
        config["SESSION_COOKIE_SECURE"] = _coerce(config["SESSION_COOKIE_SECURE"], False)
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _persistent_secret(home)
    return config


def _persistent_secret(home: Path) -> str:
    """A per-installation secret kept under HOME, so sessions survive a restart."""
    path = home / "secret_key"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
