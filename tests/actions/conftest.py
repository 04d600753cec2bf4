"""The action tests need rasa_sdk: they run under .venv-rasa (`make test-actions`)."""

import importlib.util

if importlib.util.find_spec("rasa_sdk") is None:
    collect_ignore_glob = ["test_*.py", "support.py"]
