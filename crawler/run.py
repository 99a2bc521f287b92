"""Run one crawl (a Scrapy process) over service scans that already exist in storage."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess

from core.events import Listener
from core.settings import Settings
from core.version import __version__
from crawler.browser import BrowserChoice
from crawler.budget import ServiceClock
from crawler.collect import axe_version
from crawler.context import CrawlContext, attach
from crawler.egress import EgressProxy
from crawler.policy import EgressPolicy
from crawler.recorder import Recorder
from crawler.spider import VigieSpider
from storage.context import Storage
from storage.runs import ScanTarget

HANDLER = "crawler.handler.VigieDownloadHandler"


def scrapy_settings(settings: Settings, browser: BrowserChoice,
                    proxy_url: str = "") -> dict[str, Any]:
    """``proxy_url``: the egress proxy every request goes through ("" when it is off)."""
    return {
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "DOWNLOAD_HANDLERS": {"http": HANDLER, "https": HANDLER},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": browser.launch_options(browser_args(settings, proxy_url),
                                                            settings.browser_sandbox),
        "VIGIE_EGRESS_PROXY_URL": proxy_url,
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
            # Before Scrapy's HttpProxyMiddleware (750), which reads what it sets.
            "crawler.middlewares.EgressProxyMiddleware": 740,
        },
    }


def browser_args(settings: Settings, proxy_url: str = "") -> tuple[str, ...]:
    args = settings.browser_args
    if settings.renderer_memory_mb > 0:
        # The handler polls each page's heap against the limit; V8's own ceiling, half as much
        # again, stops a page too busy to answer those polls (crawler.handler).
        ceiling = settings.renderer_memory_mb * 3 // 2
        args = (*args, f"--js-flags=--max-old-space-size={ceiling}")
    if settings.trusted_spki:
        args = (*args, f"--ignore-certificate-errors-spki-list={','.join(settings.trusted_spki)}")
    if proxy_url:
        args = (*args, *egress_args(proxy_url))
    return args


def egress_args(proxy_url: str) -> tuple[str, ...]:
    """Chromium sends everything through the egress proxy and can reach nothing else."""
    return (
        f"--proxy-server={proxy_url}",
        # Chromium sends loopback hosts around any proxy unless told not to.
        "--proxy-bypass-list=<-loopback>",
        # The browser resolves no name itself (the proxy does, and pins the address): a request
        # that would go around the proxy finds no host. The proxy is an address, not a name.
        f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {urlsplit(proxy_url).hostname}",
        # WebRTC may only use the proxy: no UDP to arbitrary addresses (ICE candidates).
        "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
        "--webrtc-ip-handling-policy=disable_non_proxied_udp",
    )


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
    proxy = None
    if settings.egress_proxy:
        policy = EgressPolicy.of(settings.allow_private, settings.allowed_private)
        proxy = EgressProxy(policy, connect_timeout=settings.navigation_timeout).start()
    try:
        process = CrawlerProcess(
            {**scrapy_settings(settings, browser, proxy.url if proxy else ""),
             "LOG_INSTALL_ROOT_HANDLER": False}
        )
        crawler = process.create_crawler(VigieSpider)
        attach(crawler, CrawlContext(Recorder(storage, listener),
                                     ServiceClock(settings.service_budget),
                                     egress=proxy.log if proxy else None))
        process.crawl(crawler, targets=targets, vigie_settings=settings)
        process.start()
    finally:
        if proxy is not None:
            proxy.stop()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in stats.items()}
