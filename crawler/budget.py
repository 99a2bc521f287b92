"""The service time budget, shared by the spider (which starts each service's clock) and the
downloader middleware (which refuses requests of a service whose budget is spent)."""

from __future__ import annotations

import time


class ServiceClock:
    def __init__(self, budget_seconds: float) -> None:
        self.budget = budget_seconds
        self._started: dict[int, float] = {}

    def start(self, service_scan_id: int) -> None:
        self._started.setdefault(service_scan_id, time.monotonic())

    def exhausted(self, service_scan_id: int) -> bool:
        started = self._started.get(service_scan_id)
        return started is not None and time.monotonic() - started > self.budget
