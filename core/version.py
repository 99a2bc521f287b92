"""Vigie's version, recorded with every capture and finding."""

__version__ = "0.1.0"
