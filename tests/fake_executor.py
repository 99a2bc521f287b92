"""A stand-in for the executor (`vigie scan --resume RUN`) in the scheduler tests.

It does what the real one does to the database, without a browser: it claims the run (its
owner becomes this process), waits, then closes the run ``completed``. It appends
``<run> <pid> <child pid>`` to ``$FAKE_EXECUTOR_LOG`` so tests can count executions and check
that the process group is gone after a stop (``--child`` starts a ``sleep`` in the group).

    python tests/fake_executor.py RUN [--seconds S] [--exit CODE] [--leave-running] [--child]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script

from core.outcomes import RunStatus
from core.settings import Settings
from storage.context import Storage
from storage.db import transaction
from storage.models import ScanRun
from storage.runs import finish_run


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("run", type=int)
    parser.add_argument("--seconds", type=float, default=0.0)
    parser.add_argument("--exit", type=int, default=0)
    parser.add_argument("--leave-running", action="store_true")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args(argv)
    child = subprocess.Popen(["sleep", "600"]) if args.child else None
    log = os.environ.get("FAKE_EXECUTOR_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"{args.run} {os.getpid()} {child.pid if child else 0}\n")
    storage = Storage.open(Settings.from_env(), migrate=False)
    try:
        with transaction(storage.sessions) as session:
            run = session.get_one(ScanRun, args.run)
            run.config = {**(run.config or {}),
                          "owner": {"host": socket.gethostname(), "pid": os.getpid()}}
            run.status = RunStatus.running.value
        time.sleep(args.seconds)
        if not args.leave_running:
            with transaction(storage.sessions) as session:
                finish_run(session, args.run, status=RunStatus.completed.value, stats={},
                           tool_versions={})
    finally:
        storage.close()
        if child is not None:
            child.kill()
            child.wait()
    return args.exit


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
