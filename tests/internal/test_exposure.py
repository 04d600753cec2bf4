"""`/internal/v1` only from internal addresses, and production refuses development secrets
in the app, the supervisor and the action server (issue 14 item 3)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.config import PROJECT_ROOT
from bot.supervisor import process_specs, stack_settings
from internal.conftest import TOKEN
from wire.production import DEV_INTERNAL_TOKEN, DEV_RASA_TOKEN, InsecureSettings

pytestmark = pytest.mark.fake_embedder  # no ranking asserted: no 471 MB model

AUTH = {"Authorization": f"Bearer {TOKEN}"}
FEEDBACK = {"session_id": "s-1", "helpful": True}


@pytest.mark.parametrize(
    "environ, headers",
    [
        ({"REMOTE_ADDR": "203.0.113.9"}, {}),
        ({"REMOTE_ADDR": "10.0.0.5"}, {}),
        # A reverse proxy on the same host forwards a public visitor: still not internal.
        ({"REMOTE_ADDR": "127.0.0.1"}, {"X-Forwarded-For": "203.0.113.9"}),
        ({"REMOTE_ADDR": "127.0.0.1"}, {"Forwarded": "for=203.0.113.9"}),
    ],
)
def test_internal_api_refuses_outside_addresses_even_with_the_token(api, environ, headers):
    response = api.post(
        "/internal/v1/feedback", json=FEEDBACK, headers={**AUTH, **headers}, environ_base=environ
    )
    assert response.status_code == 403
    assert response.json["error"] == "not_internal" and "内部" in response.json["message"]


def test_internal_networks_are_configurable(make_app):
    app = make_app(INTERNAL_TOKEN=TOKEN, INTERNAL_ALLOWED_NETWORKS="10.0.0.0/8, 127.0.0.1/32")
    client = app.test_client()
    inside = client.post(
        "/internal/v1/feedback", json=FEEDBACK, headers=AUTH, environ_base={"REMOTE_ADDR": "10.1.2.3"}
    )
    outside = client.post(
        "/internal/v1/feedback", json=FEEDBACK, headers=AUTH, environ_base={"REMOTE_ADDR": "192.0.2.1"}
    )
    assert inside.status_code == 404  # past the gate: the session has no question yet
    assert outside.status_code == 403


DEV_VALUES = {
    "INTERNAL_TOKEN": DEV_INTERNAL_TOKEN, "RASA_TOKEN": DEV_RASA_TOKEN, "SECRET_KEY": "dev"
}


@pytest.mark.parametrize("setting", sorted(DEV_VALUES))
@pytest.mark.parametrize("mode", ["postgres", "env"])
def test_the_app_refuses_development_secrets_in_production(make_app, postgres_url, setting, mode):
    production = {"DATABASE_URL": postgres_url} if mode == "postgres" else {"ENV": "production"}
    with pytest.raises(InsecureSettings) as refused:
        make_app(**production, **{setting: DEV_VALUES[setting]})
    assert f"WENZHENG_{setting}" in str(refused.value)
    assert "生产模式" in str(refused.value) and "Refusing to start" in str(refused.value)


def test_development_mode_keeps_its_defaults(make_app):
    app = make_app(INTERNAL_TOKEN=DEV_INTERNAL_TOKEN, RASA_TOKEN=DEV_RASA_TOKEN)
    assert app.config["INTERNAL_TOKEN"] == DEV_INTERNAL_TOKEN


def _supervisor(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.supervisor", *args],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )


def _production_env(tmp_path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WENZHENG_")}
    env.pop("DATABASE_URL", None)
    return {
        **env,
        "WENZHENG_HOME": str(tmp_path),
        "WENZHENG_ENV": "production",
        "WENZHENG_INTERNAL_TOKEN": "a-long-internal-token-for-tests",
        "WENZHENG_RASA_TOKEN": "a-long-rasa-token-for-tests",
        **extra,
    }


def test_the_supervisor_refuses_to_start_with_a_development_token(tmp_path):
    env = _production_env(tmp_path, WENZHENG_RASA_TOKEN=DEV_RASA_TOKEN)
    result = _supervisor(env, "--only", "watch")
    assert result.returncode == 1
    assert "WENZHENG_RASA_TOKEN" in result.stderr and "生产模式" in result.stderr
    assert not (tmp_path / "logs").exists()  # nothing was started


def test_no_secret_on_any_command_line(tmp_path):
    env = _production_env(tmp_path)
    settings = stack_settings(env)
    for spec in process_specs(settings):
        command = " ".join(spec.command)
        assert settings.rasa_token not in command and settings.internal_token not in command
        assert settings.rasa_token not in (spec.health_url or "")


RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="needs .venv-rasa (make setup)")
def test_the_action_server_refuses_to_start_with_the_development_token(tmp_path):
    env = _production_env(tmp_path, PYTHONPATH=str(PROJECT_ROOT))
    env.pop("WENZHENG_INTERNAL_TOKEN")
    result = subprocess.run(
        [str(RASA_PYTHON.parent / "rasa"), "run", "actions", "--actions", "actions", "--port", "0"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    assert "WENZHENG_INTERNAL_TOKEN" in result.stderr + result.stdout
