"""Retrieval knows no database: it takes plain records through the loader it is given."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import retrieval
from bot.config import PROJECT_ROOT


def test_importing_retrieval_loads_neither_sqlalchemy_nor_the_knowledge_base():
    modules = sorted(f"retrieval.{m.name}" for m in pkgutil.iter_modules(retrieval.__path__))
    assert "retrieval.service" in modules and "retrieval.index" in modules
    probe = "; ".join([
        "import importlib, sys",
        f"[importlib.import_module(name) for name in {modules!r}]",
        "print(sorted({name.split('.')[0] for name in sys.modules} & {'sqlalchemy', 'knowledge_base'}))",
    ])
    run = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
