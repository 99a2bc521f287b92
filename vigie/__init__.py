"""Vigie: evidence about the quality of French public online services."""

__version__ = "0.1.0"
