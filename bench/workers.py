"""Celery workers against the single-process scan: captures per second, the worker path's
overhead per service, and the hours of a 1,000-service night on N machines.

Run by hand (2 cores: the defaults take about ten minutes; ``make bench-workers``)::

    .venv/bin/python bench/workers.py [--services 12] [--pages 4] [--repeat 1]

One corpus of ``--pages`` pages (bench/corpus.py) is served ``--services`` times on 127.0.0.1,
one port per service, so that no page is shared between services (a page shared by several
services of one scan is fetched once, which the workers could not do). Three paths, each with
a fresh PostgreSQL schema (``--postgres``, default ``VIGIE_TEST_POSTGRES_URL``) and data folder,
so that only the execution path differs:

1. ``single``: ``vigie scan --services FILE`` (local backend: one crawl child for the run);
2. ``1 worker``: the same scan with ``VIGIE_BROKER_URL`` (a private redis-server) and one
   ``vigie worker``, started and ready beforehand (not timed);
3. ``2 workers``: the same with two.

In each path a service of one tiny page is scanned first (the fixed cost of one task), then the
corpus. Each scan is timed as a whole process, start to exit; its CPU and memory include the
workers' trees. Settings as bench/throughput.py: no delay, robots.txt ignored, ``--concurrency``
captures in flight (per scan, and per worker). Figures are ratios against the single-process
scan of the same run; bench/night.py turns them into the hours of a night (docs/benchmarks.md).
Every process started (workers, redis-server, scans) is stopped on exit, failure or Ctrl-C.
Exit code 0 when every capture is ok, 1 otherwise, 2 without a browser, Redis or PostgreSQL.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

# ``python bench/workers.py`` puts bench/ on the path, not the repository: add it, so that
# ``bench`` imports and the code measured is this tree's.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import ROOT
from bench.corpus import build_corpus, build_tiny_site
from bench.night import VIEWPORTS
from bench.options import add_run_options, browser_label, work_dir
from bench.pg_schema import DEFAULT_URL, fresh_schema, problem
from bench.process import wait_for_idle
from bench.redis_server import RedisServer
from bench.report import print_busy, print_heading
from bench.sides import scan, vigie_env, write_services
from bench.worker_pool import WorkerPool
from bench.workers_report import (
    PATHS,
    SINGLE,
    WORKERS,
    Measured,
    print_plan,
    print_row,
    print_summary,
)
from vigie.demo.server import SiteServer


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, default=12)
    parser.add_argument("--pages", type=int, default=4, help="pages per service")
    parser.add_argument("--repeat", type=int, default=1, help="run the three paths N times")
    parser.add_argument("--postgres", default=DEFAULT_URL,
                        help="a PostgreSQL database where the benchmark may create schemas")
    add_run_options(parser, timeout_of="scan")
    args = parser.parse_args(argv)
    if min(args.services, args.pages, args.repeat, args.concurrency) < 1:
        parser.error("--services, --pages, --repeat and --concurrency must be at least 1")
    return args


def _exit_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds the with-blocks: every process is stopped


def vigie_init(env: dict[str, str]) -> None:
    """Create the schema before the clock starts, so that no path pays its migrations."""
    done = subprocess.run([sys.executable, "-m", "vigie", "init"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"vigie init failed:\n{done.stdout}{done.stderr}")


def run_path(path: str, rep: int, work: Path, lists: dict[str, tuple[Path, int]],
             redis_url: str, args: argparse.Namespace) -> list[Measured]:
    """One path in a fresh schema: the workers (if any) ready, then each list scanned."""
    workers = WORKERS[path]
    out: list[Measured] = []
    with fresh_schema(args.postgres) as url, contextlib.ExitStack() as stack:
        env = vigie_env(work / "data", concurrency=args.concurrency, max_pages=args.pages,
                        database_url=url, broker_url=redis_url if workers else "")
        vigie_init(env)
        pool = stack.enter_context(WorkerPool(workers, env, work / "workers")) \
            if workers else None
        for kind, (services, expected) in lists.items():
            print_busy(wait_for_idle(args.idle_wait), "scan")
            before = pool.tasks_logged() if pool else []
            result = scan(services, env, expected, work / kind, args.timeout, side=path,
                          also=pool.pids if pool else ())
            m = Measured(rep, path, kind, result, pool.tasks_since(before) if pool else [])
            print_row(m)
            out.append(m)
    return out


def measure_all(base: Path, args: argparse.Namespace, browser: str) -> list[Measured]:
    corpus = build_corpus(base / "site", args.pages)
    build_tiny_site(base / "tiny")
    print_heading(corpus, browser)
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(SiteServer(corpus.root)) for _ in range(args.services)]
        tiny = stack.enter_context(SiteServer(base / "tiny"))
        redis = stack.enter_context(RedisServer(base / "redis"))
        lists = {
            "tiny": (write_services(base / "tiny.yaml", [("minimal", [tiny.base_url + "/"])]),
                     VIEWPORTS),
            "corpus": (write_services(base / "services.yaml", [
                (f"service-{i + 1:02d}", [s.base_url + p for p in corpus.paths])
                for i, s in enumerate(servers)]),
                VIEWPORTS * args.pages * args.services),
        }
        warm_up(base / "warm-up", lists["tiny"], args)
        print_plan(args.services, args.pages, args.concurrency, args.repeat)
        results: list[Measured] = []
        for rep in range(1, args.repeat + 1):
            order = PATHS if rep % 2 else tuple(reversed(PATHS))
            for path in order:
                work = base / f"run{rep}-{path.replace(' ', '-')}"
                results += run_path(path, rep, work, lists, redis.url, args)
        return results


def warm_up(work: Path, tiny: tuple[Path, int], args: argparse.Namespace) -> None:
    """One untimed scan first: the first measured scan must not pay cold disk caches."""
    started = time.perf_counter()
    with fresh_schema(args.postgres) as url:
        env = vigie_env(work / "data", concurrency=args.concurrency, max_pages=args.pages,
                        database_url=url)
        vigie_init(env)
        scan(tiny[0], env, tiny[1], work, args.timeout, side=SINGLE)
    print(f"warm-up (vigie init + a tiny scan, not counted): {time.perf_counter() - started:.1f} s")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    browser = browser_label("bench/workers.py")
    if browser is None:
        return 2
    missing = problem(args.postgres)
    if missing or shutil.which("redis-server") is None:
        print(f"bench/workers.py: needs PostgreSQL at {args.postgres} ({missing or 'ok'}) and "
              "redis-server (apt-get install redis-server)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    with contextlib.ExitStack() as stack:
        results = measure_all(work_dir(stack, args.keep), args, browser)
        print_summary(results, args.services, args.pages)
    failed = [m for m in results
              if m.result.captures != m.result.expected or m.result.details.get("error")]
    for m in failed:
        print(f"{m.path} {m.scan}: {m.result.captures} captures ok of {m.result.expected}, exit "
              f"code {m.result.run.returncode}; {m.result.details.get('outcomes', '')}\n"
              f"{m.result.details.get('error', '')}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
