"""The ``vigie`` command line: argument parsing and display, over ``vigie.app``."""

from vigie.cli.main import app

__all__ = ["app"]
