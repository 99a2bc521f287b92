"""Where the report is written and how it is served (no browser).

`vigie report --out DIR` writes into a new or empty folder, or into a report it wrote before
(its manifest, ``.vigie-report.json``); it refuses any other folder before writing anything,
and a rebuild removes only the files the previous build wrote. `vigie serve` serves files,
never a folder listing nor a file outside the report, with the report's headers.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import Settings
from reports.site.build import CSP, write_site
from reports.site.folder import MANIFEST, ForeignFolder
from reports.site.serve import make_server
from scheduler.publish import publish
from storage.context import Storage
from tests.conftest import run_vigie
from tests.reportkit import synthetic_storage

INTRANET_PAGE = ("<!doctype html><html lang='fr'><title>Intranet de la préfecture</title>"
                 "<h1>Bienvenue sur l’intranet</h1></html>")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic database (three runs of four services) and its artifacts."""
    tmp = tmp_path_factory.mktemp("report-folder")
    storage, _ = synthetic_storage(tmp)
    storage.close()
    return tmp / "data"


def report(data_dir: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return run_vigie("report", "--run", "2", "--out", str(out), "--data-dir", str(data_dir),
                     env={"VIGIE_DATABASE_URL": ""})


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def foreign_site(folder: Path) -> Path:
    """A web server's folder as a user may have it: their own page, stylesheet and files."""
    for name, content in {
        "index.html": INTRANET_PAGE,
        "assets/charte-graphique.css": "body { font-family: Marianne, sans-serif; }\n",
        "assets/logo-prefecture.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>\n",
        "documents/rapport-activite-2025.txt": "Rapport d’activité 2025\n",
    }.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(content, encoding="utf-8")
    return folder


def test_a_folder_holding_other_files_is_refused_untouched(data_dir: Path, tmp_path: Path
                                                           ) -> None:
    www = foreign_site(tmp_path / "www")
    before = snapshot(www)

    result = report(data_dir, www)

    assert result.returncode == 2, result.stdout + result.stderr
    message = " ".join(result.stderr.split())
    assert (f"{www} holds files that Vigie did not write (assets, documents, index.html): "
            "choose a new or empty folder") in message
    assert snapshot(www) == before  # was: DIR/assets/ deleted, index.html replaced
    assert not (www / MANIFEST).exists()


def test_a_file_is_not_a_report_folder(data_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "rapport.html"
    target.write_text(INTRANET_PAGE, encoding="utf-8")
    result = report(data_dir, target)
    assert result.returncode == 2
    assert f"{target} is a file, not a folder" in " ".join(result.stderr.split())
    assert target.read_text(encoding="utf-8") == INTRANET_PAGE


def test_a_rebuild_removes_only_what_vigie_wrote(data_dir: Path, tmp_path: Path) -> None:
    site = tmp_path / "rapport"
    assert report(data_dir, site).returncode == 0
    listed = set(json.loads((site / MANIFEST).read_text(encoding="utf-8"))["files"])
    assert {"index.html", "a-propos.html", "assets/vigie.css"} <= listed
    assert listed == set(snapshot(site)) - {MANIFEST}
    # A file an older Vigie wrote (listed) and files the user added beside the report.
    old_dsfr = "assets/dsfr/utility/ancien-utilitaire.css"
    (site / old_dsfr).parent.mkdir(parents=True)
    (site / old_dsfr).write_text(".fr-old {}\n", encoding="utf-8")
    (site / MANIFEST).write_text(json.dumps({"files": [*sorted(listed), old_dsfr]}),
                                 encoding="utf-8")
    (site / "LISEZMOI.txt").write_text("Rapport publié chaque nuit.\n", encoding="utf-8")
    (site / "assets" / "logo-prefecture.svg").write_text("<svg/>\n", encoding="utf-8")
    (site / ".git").mkdir()
    (site / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")

    result = report(data_dir, site)

    assert result.returncode == 0, result.stderr
    assert not (site / old_dsfr).exists() and not (site / old_dsfr).parent.exists()
    assert (site / "LISEZMOI.txt").read_text(encoding="utf-8") == "Rapport publié chaque nuit.\n"
    assert (site / "assets" / "logo-prefecture.svg").read_text(encoding="utf-8") == "<svg/>\n"
    assert (site / ".git" / "HEAD").is_file()
    assert (site / "assets" / "vigie.css").is_file() and (site / "index.html").is_file()
    assert json.loads((site / MANIFEST).read_text(encoding="utf-8"))["files"] == sorted(listed)


def test_empty_and_older_report_folders_are_accepted(data_dir: Path, tmp_path: Path) -> None:
    finder = tmp_path / "nouveau"
    finder.mkdir()
    (finder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    assert report(data_dir, finder).returncode == 0
    assert (finder / "index.html").is_file() and (finder / ".DS_Store").is_file()

    older = tmp_path / "ancien"  # written before the manifest existed
    assert report(data_dir, older).returncode == 0
    (older / MANIFEST).unlink()
    (older / "notes.txt").write_text("à garder\n", encoding="utf-8")
    assert report(data_dir, older).returncode == 0
    assert (older / "notes.txt").read_text(encoding="utf-8") == "à garder\n"
    assert (older / MANIFEST).is_file()


def test_the_scheduler_does_not_replace_a_foreign_folder(data_dir: Path, tmp_path: Path
                                                         ) -> None:
    """The nightly publication swaps the whole folder: only one that Vigie wrote."""
    www = foreign_site(tmp_path / "www")
    before = snapshot(www)
    storage = Storage.open(Settings(data_dir=data_dir, database_url=""), migrate=False)
    try:
        with pytest.raises(ForeignFolder, match="holds files that Vigie did not write"):
            publish(storage, 2, www)
        assert snapshot(www) == before
        index = publish(storage, 2, tmp_path / "publication")
        assert index.is_file()
        assert publish(storage, 2, tmp_path / "publication") == index  # its own: replaced
    finally:
        storage.close()


# --- vigie serve ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """A report served on a free port; a file beside it that must stay out of reach."""
    root = tmp_path_factory.mktemp("serve")
    (root / "secret-agents.txt").write_text("mot de passe : MotDePasse-2024\n", encoding="utf-8")
    storage = Storage.open(Settings(data_dir=data_dir, database_url=""), migrate=False)
    try:
        site = write_site(storage, 2, root / "site").parent
    finally:
        storage.close()
    server = make_server(site, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], site
    finally:
        server.shutdown()
        server.server_close()


def get(port: int, path: str) -> tuple[int, dict[str, str], str]:
    """One GET with the path sent exactly as given (no client-side normalisation)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return (response.status, dict(response.getheaders()),
                response.read().decode("utf-8", "replace"))
    finally:
        connection.close()


@pytest.mark.parametrize("folder", ["/assets/", "/assets/dsfr/", "/captures/", "/services/",
                                    "/assets"])
def test_serve_lists_no_folder(served: tuple[int, Path], folder: str) -> None:
    port, site = served
    assert (site / folder.strip("/")).is_dir()
    status, headers, body = get(port, folder)
    if status == 301:  # "/assets" → "/assets/", then not found
        status, headers, body = get(port, headers["Location"])
    assert status == 404, body
    assert "Directory listing" not in body and "vigie.css" not in body and ".png" not in body
    assert headers["Content-Security-Policy"] == CSP
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_serve_sends_the_report_with_its_headers(served: tuple[int, Path]) -> None:
    port, _ = served
    for path in ("/", "/index.html", "/assets/vigie.css"):
        status, headers, _ = get(port, path)
        assert status == 200, path
        assert headers["Content-Security-Policy"] == CSP
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
    assert 'content="overview"' in get(port, "/")[2]


@pytest.mark.parametrize("path", ["/../secret-agents.txt", "/%2e%2e/secret-agents.txt",
                                  "/assets/../../secret-agents.txt", "/..%2fsecret-agents.txt",
                                  "//../secret-agents.txt", "/../../../../etc/passwd"])
def test_serve_keeps_to_the_report_folder(served: tuple[int, Path], path: str) -> None:
    port, _ = served
    status, _, body = get(port, path)
    assert status == 404, (path, body)
    assert "MotDePasse" not in body and "root:" not in body
