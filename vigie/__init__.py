"""Vigie: evidence about the quality of French public online services.

This package holds the entry points (the CLI, the demo) and the orchestration layer they share
(``vigie.app``). The layers below are ``reports``, ``indicators``, ``checks``, ``crawler``,
``services``, ``storage`` and ``core``: see CONTRIBUTING.md.
"""

from core.version import __version__

__all__ = ["__version__"]
