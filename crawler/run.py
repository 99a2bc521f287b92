"""Run one crawl (a Scrapy process) over service scans that already exist in storage."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from scrapy.crawler import CrawlerProcess

from core.events import Listener
from core.settings import Settings
from core.version import __version__
from crawler.browser import BrowserChoice
from crawler.budget import ServiceClock
from crawler.collect import axe_version
from crawler.context import CrawlContext, attach
from crawler.recorder import Recorder
from crawler.spider import VigieSpider
from storage.context import Storage
from storage.runs import ScanTarget

HANDLER = "crawler.handler.VigieDownloadHandler"


def scrapy_settings(settings: Settings, browser: BrowserChoice) -> dict[str, Any]:
    return {
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "DOWNLOAD_HANDLERS": {"http": HANDLER, "https": HANDLER},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": browser.launch_options(browser_args(settings)),
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": settings.concurrency,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": settings.navigation_timeout * 1000,
        "PLAYWRIGHT_PROCESS_REQUEST_HEADERS": None,
        "VIGIE_PAGE_BUDGET": settings.page_budget,
        "VIGIE_RENDERER_MEMORY_MB": settings.renderer_memory_mb,
        "CONCURRENT_REQUESTS": settings.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": settings.per_host,
        "DOWNLOAD_DELAY": settings.download_delay,
        "DOWNLOAD_TIMEOUT": max(10, int(settings.navigation_timeout)),  # robots.txt fetches
        "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
        "ROBOTSTXT_OBEY": settings.obey_robots,
        "ROBOTSTXT_USER_AGENT": "Vigie",
        "USER_AGENT": settings.user_agent,
        "RETRY_ENABLED": False,  # a failed page is evidence; retries belong to the scheduler
        # The browser follows (or refuses) a page's <meta http-equiv="refresh">: Scrapy must not
        # turn the captured page into a new request (a javascript: target made it an error).
        "METAREFRESH_ENABLED": False,
        "COOKIES_ENABLED": False,  # the browser keeps its own cookies
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "ERROR",
        "ITEM_PIPELINES": {"crawler.pipeline.CapturePipeline": 100},
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.middlewares.ServiceBudgetMiddleware": 50,
            # Scrapy's, raising a typed refusal (same priority as Scrapy's own).
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "crawler.middlewares.VigieRobotsTxtMiddleware": 100,
        },
    }


def browser_args(settings: Settings) -> tuple[str, ...]:
    args = settings.browser_args
    if settings.renderer_memory_mb > 0:
        # The handler polls each page's heap against the limit; V8's own ceiling, half as much
        # again, stops a page too busy to answer those polls (crawler.handler).
        ceiling = settings.renderer_memory_mb * 3 // 2
        args = (*args, f"--js-flags=--max-old-space-size={ceiling}")
    if settings.trusted_spki:
        args = (*args,
                f"--ignore-certificate-errors-spki-list={','.join(settings.trusted_spki)}")
    return args


def tool_versions() -> dict[str, str]:
    return {
        "vigie": __version__,
        "axe-core": axe_version(),
        "scrapy": version("scrapy"),
        "scrapy-playwright": version("scrapy-playwright"),
        "playwright": version("playwright"),
    }


def run_crawl(storage: Storage, settings: Settings, targets: list[ScanTarget],
              browser: BrowserChoice, listener: Listener | None = None) -> dict[str, Any]:
    """Crawl the targets into storage; returns Scrapy's stats. Once per process (Twisted)."""
    process = CrawlerProcess(
        {**scrapy_settings(settings, browser), "LOG_INSTALL_ROOT_HANDLER": False}
    )
    crawler = process.create_crawler(VigieSpider)
    attach(crawler, CrawlContext(Recorder(storage, listener),
                                 ServiceClock(settings.service_budget)))
    process.crawl(crawler, targets=targets, vigie_settings=settings)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in stats.items()}
