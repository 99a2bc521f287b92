"""Downloader middlewares: requests that must not be sent end as typed failures; Scrapy's own
requests go through the egress proxy.

Both exceptions are Scrapy ``IgnoreRequest``s (Scrapy drops the request and calls the errback)
and Vigie ``CaptureFailure``s (the spider records their kind without reading their text).
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.robotstxt import RobotParser

from core.errors import BlockedByRobots, ServiceBudgetSpent
from crawler.budget import ServiceClock
from crawler.context import context_of

ROBOTS_MESSAGE = "disallowed by robots.txt"


class ServiceBudgetExhausted(IgnoreRequest, ServiceBudgetSpent):
    pass


class RobotsDisallowed(IgnoreRequest, BlockedByRobots):
    pass


class ServiceBudgetMiddleware:
    """A request whose service has spent its time budget is not sent."""

    def __init__(self, clock: ServiceClock) -> None:
        self.clock = clock

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ServiceBudgetMiddleware:
        return cls(context_of(crawler).clock)

    def process_request(self, request: Request, spider: Any = None) -> None:
        info = request.meta.get("vigie")
        if info and self.clock.exhausted(info["service_scan_id"]):
            raise ServiceBudgetExhausted(
                f"service time budget of {self.clock.budget:g} s spent before this page")


class EgressProxyMiddleware:
    """Requests Scrapy itself sends (robots.txt) go through the egress proxy, as the browser's
    do: Scrapy's HttpProxyMiddleware reads ``meta["proxy"]``."""

    def __init__(self, proxy_url: str) -> None:
        self.proxy_url = proxy_url

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EgressProxyMiddleware:
        proxy_url = crawler.settings.get("VIGIE_EGRESS_PROXY_URL")
        if not proxy_url:
            raise NotConfigured("the egress proxy is off")
        return cls(proxy_url)

    def process_request(self, request: Request, spider: Any = None) -> None:
        if not request.meta.get("playwright"):
            request.meta["proxy"] = self.proxy_url


class VigieRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, raising a typed refusal."""

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest:
            raise RobotsDisallowed(ROBOTS_MESSAGE) from None
