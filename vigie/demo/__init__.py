"""Bundled fictional demo services and the local web servers that serve them (and test sites)."""

from vigie.demo.server import DemoSites, SiteServer

__all__ = ["DemoSites", "SiteServer"]
