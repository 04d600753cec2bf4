"""One typed settings schema: the environment as typed values, bad values named, the
production rule applied, and the action server's part importable in the Rasa venv."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.supervisor import stack_settings
from core.settings import PROJECT_ROOT, InvalidSetting, Settings
from wire.production import DEV_RASA_TOKEN, InsecureSettings

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
STRONG = "a-long-random-secret-for-tests"


def test_the_environment_gives_typed_values(tmp_path):
    settings = Settings.from_env({
        "WENZHENG_HOME": str(tmp_path),
        "WENZHENG_CHAT_RATE_PER_IP": "7",
        "WENZHENG_RASA_TIMEOUT": "2.5",
        "WENZHENG_TRANSCRIPT_MASKING": "on",
        "WENZHENG_WECHAT_DEV_LOGIN": "0",
        "REDIS_URL": "redis://127.0.0.1:6379/3",  # the conventional name is read too
        "WENZHENG_PORT": "8123",
    })
    assert settings.chat_rate_per_ip == 7
    assert settings.rasa_timeout == 2.5
    assert settings.transcript_masking is True and settings.wechat_dev_login is False
    assert settings.redis_url == "redis://127.0.0.1:6379/3"
    # Derived from others when not set: the database under HOME, the app's URL from its port.
    assert settings.database_url == f"sqlite:///{tmp_path / 'wenzheng.db'}"
    assert settings.app_url == "http://127.0.0.1:8123"


def test_the_app_reads_its_settings_from_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("WENZHENG_CHAT_STREAMS_MAX", "9")
    monkeypatch.setenv("WENZHENG_PUBLIC_URL", "https://wenzheng.example.cn")
    app = make_app()
    assert app.config["CHAT_STREAMS_MAX"] == 9
    assert app.config["SESSION_COOKIE_SECURE"] is True  # served over https


@pytest.mark.parametrize(
    ("variable", "value"),
    [("WENZHENG_PORT", "eighty"), ("WENZHENG_HTTP_TIMEOUT", "10s"), ("WENZHENG_GENERATION_ENABLED", "maybe")],
)
def test_a_bad_value_is_refused_naming_the_setting(variable, value):
    with pytest.raises(InvalidSetting, match=variable):
        Settings.from_env({variable: value})


def test_the_app_refuses_a_bad_value_naming_it(make_app, monkeypatch):
    monkeypatch.setenv("WENZHENG_API_RATE_PER_IP", "lots")
    with pytest.raises(InvalidSetting, match="WENZHENG_API_RATE_PER_IP"):
        make_app()


def test_the_supervisor_reports_a_bad_value_and_starts_nothing(tmp_path):
    env = {**os.environ, "WENZHENG_HOME": str(tmp_path), "WENZHENG_THREADS": "many"}
    result = subprocess.run(
        [sys.executable, "-m", "bot.supervisor", "--only", "watch"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert "WENZHENG_THREADS" in result.stderr
    assert not (tmp_path / "logs").exists()


def test_the_supervisor_uses_the_environment_it_is_given(tmp_path):
    settings = stack_settings({"WENZHENG_HOME": str(tmp_path), "WENZHENG_RASA_TOKEN": STRONG,
                               "WENZHENG_RASA_URL": "http://10.0.0.5:5005"})
    assert settings.rasa_token == STRONG
    assert settings.rasa_host == "10.0.0.5"  # Rasa listens on its URL's host
    assert settings.secret_key == (tmp_path / "secret_key").read_text().strip()  # the app's key


def test_production_still_refuses_development_secrets(tmp_path):
    production = Settings.from_env({"WENZHENG_HOME": str(tmp_path), "WENZHENG_ENV": "production",
                                    "WENZHENG_INTERNAL_TOKEN": STRONG})
    production.check_secrets("internal_token")
    with pytest.raises(InsecureSettings, match="WENZHENG_RASA_TOKEN"):
        production.check_secrets("internal_token", "rasa_token")
    on_postgres = Settings.from_env({"DATABASE_URL": "postgresql+psycopg://db/wenzheng"})
    assert on_postgres.rasa_token == DEV_RASA_TOKEN
    with pytest.raises(InsecureSettings, match="WENZHENG_INTERNAL_TOKEN"):
        on_postgres.check_secrets("internal_token")
    # Development keeps its defaults.
    Settings.from_env({"WENZHENG_HOME": str(tmp_path)}).check_secrets("internal_token", "rasa_token")


def test_secrets_stay_out_of_the_settings_repr():
    settings = Settings.from_env({"WENZHENG_INTERNAL_TOKEN": STRONG, "WENZHENG_GENERATION_API_KEY": "sk-test-key"})
    assert STRONG not in repr(settings) and "sk-test-key" not in repr(settings)


def _rasa_venv(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WENZHENG_") and k not in {"DATABASE_URL", "REDIS_URL"}}
    return subprocess.run(
        [str(RASA_PYTHON), "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
        env={**clean, "PYTHONPATH": str(PROJECT_ROOT), **env},
    )


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="needs .venv-rasa (make setup)")
def test_the_action_server_reads_the_same_settings_in_the_rasa_venv_without_flask():
    result = _rasa_venv(
        "import sys; from core.settings import Settings; from wire.production import DEV_INTERNAL_TOKEN; "
        "s = Settings.from_env(); print(s.app_url, s.answer_timeout, s.internal_token == DEV_INTERNAL_TOKEN); "
        "print(sorted(m for m in ('flask', 'sqlalchemy', 'bot') if m in sys.modules))",
        WENZHENG_APP_URL="http://10.0.0.7:8000/", WENZHENG_ANSWER_TIMEOUT="2",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["http://10.0.0.7:8000 2.0 True", "[]"]


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="needs .venv-rasa (make setup)")
def test_the_action_server_refuses_a_bad_value_naming_it():
    result = _rasa_venv("import actions", WENZHENG_ANSWER_TIMEOUT="soon")
    assert result.returncode == 1
    assert "WENZHENG_ANSWER_TIMEOUT" in result.stderr
