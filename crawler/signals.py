"""Vigie's own Scrapy signals (Scrapy's convention: a unique object per signal)."""

capture_stored = object()  # sent with ``record=`` once a capture's row is committed
