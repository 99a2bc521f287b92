"""Benchmarks of Vigie, run by hand (``make bench``); not part of the installed package."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository measured
