"""The visiting policy and key-page discovery (pure functions, no network)."""

from __future__ import annotations

import pytest

from core.text import normalise_text
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
