"""A folder of sites served together: one :class:`SiteServer` per subfolder, each on its own
free port of 127.0.0.1 (over HTTPS for those given a TLS context)."""

from __future__ import annotations

import argparse
import contextlib
import os
import ssl
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType

from vigie.demo.catalog import SITES_DIR, site_folders
from vigie.demo.server import SiteServer


class DemoSites:
    """One :class:`SiteServer` per subfolder of ``root`` (the bundled demo sites by default)."""

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        *,
        only: Iterable[str] | None = None,
        quiet: bool = True,
        https: Mapping[str, ssl.SSLContext] | None = None,
    ) -> None:
        self.root = Path(root) if root is not None else SITES_DIR
        names = site_folders(self.root)
        if only is not None:
            wanted = set(only)
            unknown = wanted - set(names)
            if unknown:
                raise KeyError(f"unknown site(s) in {self.root}: {', '.join(sorted(unknown))}")
            names = [n for n in names if n in wanted]
        self.servers: dict[str, SiteServer] = {
            name: SiteServer(self.root / name, quiet=quiet, tls=(https or {}).get(name))
            for name in names
        }

    def start(self) -> DemoSites:
        try:
            for server in self.servers.values():
                server.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    def __enter__(self) -> DemoSites:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __getitem__(self, name: str) -> SiteServer:
        return self.servers[name]

    @property
    def base_urls(self) -> dict[str, str]:
        """Folder name → base URL (no trailing slash) of every running site."""
        return {name: s.base_url for name, s in self.servers.items() if s.running}


def main(argv: list[str] | None = None) -> None:
    """``python -m vigie.demo.server [ROOT]``: serve every subfolder until interrupted."""
    parser = argparse.ArgumentParser(description="Serve the demo sites on 127.0.0.1")
    parser.add_argument("root", nargs="?", default=str(SITES_DIR))
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    with DemoSites(args.root, quiet=not args.verbose) as sites:
        for name, url in sites.base_urls.items():
            print(f"{name:20} {url}/")
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)


if __name__ == "__main__":
    main()
