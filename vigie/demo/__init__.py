"""Bundled fictional demo services and the local web servers that serve them (and test sites)."""

from vigie.demo.server import SiteServer
from vigie.demo.sites import DemoSites

__all__ = ["DemoSites", "SiteServer"]
