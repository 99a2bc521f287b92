"""core.urls.host_of: the host name the checks compare, from hostile hrefs."""

from __future__ import annotations

import pytest

from core.urls import host_of


@pytest.mark.parametrize(("url", "host"), [
    ("https://WWW.Example.fr./a?b#c", "www.example.fr"),
    ("https://user:pw@jedonnemonavis.numerique.gouv.fr:443/Demarches/1",
     "jedonnemonavis.numerique.gouv.fr"),
    ("//voxusagers.numerique.gouv.fr/x", "voxusagers.numerique.gouv.fr"),
    ("http://[::1]:8000/", "::1"),
    ("http://[::1/", ""),  # malformed: urlsplit raises, the check must not
    ("mailto:contact@example.fr", ""),
    ("/relative/path", ""),
    ("", ""),
])
def test_host_of(url: str, host: str) -> None:
    assert host_of(url) == host
