"""The ``vigie`` command line: argument parsing and display, over ``vigie.app``."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from vigie.cli.main import app

__all__ = ["app", "main"]

# Options whose value may be left out, and the value they then take (``--resume`` alone: the
# latest run). Typer's parser has no optional values: the next token would be taken as one.
OPTIONAL_VALUES = {"--resume": "latest"}


def with_optional_values(args: Sequence[str]) -> list[str]:
    out: list[str] = []
    for i, arg in enumerate(args):
        out.append(arg)
        following = args[i + 1] if i + 1 < len(args) else None
        if arg in OPTIONAL_VALUES and (following is None or following.startswith("-")):
            out.append(OPTIONAL_VALUES[arg])
    return out


def main() -> None:
    """The ``vigie`` console script."""
    app(args=with_optional_values(sys.argv[1:]), prog_name="vigie")
