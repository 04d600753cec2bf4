"""Dependencies between the top-level packages point one way: no import circles.

Each package is imported alone, every module of it, in a fresh interpreter; the project
packages that got loaded with it are what it depends on.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Lowest first: a package may import only packages before it. The web app (bot) sits
# on the domain (knowledge_base), which sits on retrieval and generation, on the core.
LAYERS = ("core", "retrieval", "generation", "knowledge_base", "bot")
PROBE = """
import importlib, json, pkgutil, sys
name = sys.argv[1]
package = importlib.import_module(name)
for module in pkgutil.walk_packages(package.__path__, name + "."):
    importlib.import_module(module.name)
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(sys.argv[2])))))
"""


def _loaded_with(package: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, package, json.dumps(LAYERS)], cwd=ROOT,
                          capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return set(json.loads(done.stdout)) - {package}


@pytest.mark.parametrize("package", [
    "core",
    "retrieval",
    "generation",
    "knowledge_base",
    "bot",
])
def test_a_package_imports_only_packages_below_it(package):
    below = set(LAYERS[:LAYERS.index(package)])
    assert _loaded_with(package) <= below
