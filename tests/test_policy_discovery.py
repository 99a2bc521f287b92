"""The visiting policy and key-page discovery (pure functions, no network)."""

from __future__ import annotations

import pytest

from core.text import normalise_text
from core.urls import drop_credentials, has_credentials
from crawler.discovery import key_pages
from crawler.policy import PolicyViolation, check_url, is_allowed


@pytest.mark.parametrize("url", [
    "ftp://example.fr/", "javascript:alert(1)", "file:///etc/passwd", "data:text/html,x",
])
def test_only_http_and_https(url: str) -> None:
    with pytest.raises(PolicyViolation, match="scheme"):
        check_url(url, allow_private=True)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8000/", "http://localhost/", "http://10.1.2.3/", "http://192.168.0.1/",
    "http://[::1]/", "http://169.254.169.254/latest/meta-data",
])
def test_private_and_loopback_refused_unless_allowed(url: str) -> None:
    with pytest.raises(PolicyViolation, match="allow-private"):
        check_url(url, allow_private=False)
    assert is_allowed(url, allow_private=True)


def test_public_address_allowed() -> None:
    assert is_allowed("https://93.184.215.14/", allow_private=False)


def test_normalise_text_folds_case_accents_spaces_apostrophes() -> None:
    text = "  Déclaration\u00a0d\u2019ACCESSIBILITÉ "
    assert normalise_text(text) == "declaration d'accessibilite"


def test_key_pages_by_text_and_path_same_site_only() -> None:
    base = "https://service.gouv.fr/demarche/"
    links = [
        {"text": "Accessibilité : partiellement conforme", "href": "https://service.gouv.fr/a11y"},
        {"text": "Nous contacter", "href": "https://service.gouv.fr/nous-joindre"},
        {"text": "Mentions légales", "href": "https://service.gouv.fr/ml#top"},
        {"text": "", "href": "https://service.gouv.fr/plan-du-site", "aria_label": None},
        {"text": "Contact", "href": "https://autre.gouv.fr/contact"},  # another site
        {"text": "Aide", "href": "mailto:aide@service.gouv.fr"},
        {"text": "Actualités", "href": "https://service.gouv.fr/actualites"},
        {"text": "Contact (bis)", "href": "https://service.gouv.fr/nous-joindre#form"},
    ]
    assert key_pages(links, base) == [
        ("accessibility", "https://service.gouv.fr/a11y"),
        ("contact", "https://service.gouv.fr/nous-joindre"),
        ("legal", "https://service.gouv.fr/ml"),
        ("sitemap", "https://service.gouv.fr/plan-du-site"),
    ]


def test_key_pages_are_followed_without_credentials_nor_overlong_urls() -> None:
    base = "https://service.gouv.fr/demarche/"
    links = [
        # Found on a page: followed, but never with the user name and password it carries.
        {"text": "Nous contacter", "href": "https://agent:S3cret@service.gouv.fr/contact#f"},
        {"text": "Accessibilité", "href": "https://service.gouv.fr/accessibilite?"
                                          + "x=" + "a" * 2000},  # over 2,000: not followed
        {"text": "Déclaration d’accessibilité", "href": "https://service.gouv.fr/rgaa"},
    ]
    assert key_pages(links, base) == [
        ("contact", "https://service.gouv.fr/contact"),
        ("accessibility", "https://service.gouv.fr/rgaa"),
    ]


@pytest.mark.parametrize(("text", "expected"), [
    ("http://user:password@host/", "http://host/"),
    ("https://jean.dupont:p@ss:w@rd@intranet.gouv.fr:8443/a?b=c@d#e",
     "https://intranet.gouv.fr:8443/a?b=c@d#e"),
    ("//agent@cdn.service.gouv.fr/app.js", "//cdn.service.gouv.fr/app.js"),
    ("Erreur net::ERR_ABORTED at https://a:b@x.fr/p; voir https://c:d@y.fr",
     "Erreur net::ERR_ABORTED at https://x.fr/p; voir https://y.fr"),
    ("https://x.fr/retour?to=https://a:b@y.fr/", "https://x.fr/retour?to=https://y.fr/"),
    # Not credentials: an @ in a path, query or mail address; a backslash ends the host.
    ("https://x.fr/@compte", "https://x.fr/@compte"),
    ("https://x.fr//a@b", "https://x.fr//a@b"),
    ("mailto:contact@service.gouv.fr", "mailto:contact@service.gouv.fr"),
    ("http://x.fr\\@y.fr/", "http://x.fr\\@y.fr/"),
])
def test_drop_credentials(text: str, expected: str) -> None:
    assert drop_credentials(text) == expected
    assert has_credentials(text) is (text != expected)
