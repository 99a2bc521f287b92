"""Scrapy item pipeline: store each capture, then tell the spider it is in."""

from __future__ import annotations

from typing import Any

from storage.repository import CaptureRecord


class CapturePipeline:
    def process_item(self, item: Any, spider: Any) -> Any:
        if isinstance(item, CaptureRecord):
            spider.recorder.save(item)
            spider.capture_saved(item)
        return item
