"""What the crawl's Scrapy components share (the recorder, the service clock, the egress
proxy's verdicts), attached to the
Scrapy crawler so that middlewares and pipelines get it from ``from_crawler`` without reaching
into the spider. Scrapy deep-copies its settings, so live objects cannot travel there."""

from __future__ import annotations

from dataclasses import dataclass

from scrapy.crawler import Crawler

from crawler.budget import ServiceClock
from crawler.egress import VerdictLog
from crawler.recorder import Recorder

_ATTRIBUTE = "vigie_context"


@dataclass
class CrawlContext:
    recorder: Recorder
    clock: ServiceClock
    egress: VerdictLog | None = None  # the egress proxy's decisions; None when it is off


def attach(crawler: Crawler, context: CrawlContext) -> None:
    setattr(crawler, _ATTRIBUTE, context)


def context_of(crawler: Crawler) -> CrawlContext:
    context = getattr(crawler, _ATTRIBUTE, None)
    if not isinstance(context, CrawlContext):
        raise RuntimeError("this Scrapy crawler was not started by crawler.run.run_crawl")
    return context
