"""Scrapy item pipeline: store each capture, then signal that it is in (the spider counts)."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from crawler.context import context_of
from crawler.recorder import Recorder
from crawler.signals import capture_stored
from storage.captures import CaptureRecord


class CapturePipeline:
    def __init__(self, crawler: Crawler, recorder: Recorder) -> None:
        self.crawler = crawler
        self.recorder = recorder

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CapturePipeline:
        return cls(crawler, context_of(crawler).recorder)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if isinstance(item, CaptureRecord):
            self.recorder.save(item)
            self.crawler.signals.send_catch_log(capture_stored, record=item)
        return item
