"""Custom actions of the Rasa action server (``rasa run actions``): they ask the web app."""

import sys

from core.settings import InvalidSetting, Settings
from wire.production import InsecureSettings


def _refuse_bad_settings() -> None:
    """Exit (status 1, the reason on stderr) on a setting that does not parse, or in
    production while the internal token is a development default."""
    try:
        Settings.from_env().check_secrets("internal_token")
    except (InvalidSetting, InsecureSettings) as error:
        print(error, file=sys.stderr)
        raise SystemExit(1) from None


_refuse_bad_settings()  # `rasa run actions` imports this package first
