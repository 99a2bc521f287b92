"""Downloader middleware: a request whose service has spent its time budget is not sent."""

from __future__ import annotations

from typing import Any

from scrapy import Request

from crawler.spider import ServiceBudgetExhausted


class ServiceBudgetMiddleware:
    def process_request(self, request: Request, spider: Any) -> None:
        info = request.meta.get("vigie")
        if info and spider.budget_exhausted(info["service_scan_id"]):
            raise ServiceBudgetExhausted(
                f"service time budget of {spider.vs.service_budget:g} s spent before this page"
            )
