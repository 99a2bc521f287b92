"""How long a night of many services takes on N machines, from what bench/workers.py measured.

The model, in machine seconds:

- a capture costs ``capture_s`` in the single-process scan (its crawl time per capture, at the
  benchmark's concurrency);
- the worker path adds ``overhead_s`` per service (the task: delivery, lease, a crawl child with
  its own Scrapy and Chromium, closing): a service of P pages on one worker takes
  ``overhead_s + 2 P capture_s``; a second worker on the same machine divides that by
  ``two_worker_gain`` (measured at the benchmark's size, assumed the same at P pages);
- machines share only PostgreSQL and Redis, so the crawl part divides by their number
  (assumed: neither is the bottleneck, and artifacts go to a store all of them reach);
- what the run does before its crawl (``fixed_s``) and after it (``checks_s`` per capture:
  checks, indicators, summary) happens once, in the process that owns the run, on one machine:
  it does not divide.
"""

from __future__ import annotations

from dataclasses import dataclass

VIEWPORTS = 2
NIGHT_SERVICES = 1000
NIGHT_PAGES = 8
MACHINES = (1, 2, 4, 8)


@dataclass(frozen=True)
class NightModel:
    capture_s: float
    overhead_s: float
    two_worker_gain: float
    checks_s: float
    fixed_s: float

    def service_s(self, workers: int, pages: int = NIGHT_PAGES) -> float:
        """Machine seconds one service of ``pages`` pages takes on the worker path."""
        one = self.overhead_s + VIEWPORTS * pages * self.capture_s
        return one / self.two_worker_gain if workers == 2 else one

    def hours(self, machines: int, workers: int | None, services: int = NIGHT_SERVICES,
              pages: int = NIGHT_PAGES) -> float:
        """The night's wall time; ``workers=None``: the single-process scan (one machine)."""
        captures = services * pages * VIEWPORTS
        if workers is None:
            crawl = captures * self.capture_s
        else:
            crawl = services * self.service_s(workers, pages) / machines
        return (self.fixed_s + crawl + captures * self.checks_s) / 3600
