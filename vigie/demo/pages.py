"""The French error page of the demo server: its own errors (404) and the ``status`` behaviour."""

from __future__ import annotations

from http import HTTPStatus

ERROR_CONTENT_TYPE = "text/html; charset=utf-8"

# A %-format, as ``BaseHTTPRequestHandler.error_message_format`` expects.
ERROR_PAGE = """<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Erreur %(code)d</title></head>
<body><main><h1>Erreur %(code)d</h1><p>%(message)s</p><p>%(explain)s</p></main></body>
</html>
"""

_FRENCH_REASONS = {
    400: "Requête incorrecte",
    401: "Authentification requise",
    403: "Accès refusé",
    404: "Page introuvable",
    410: "Page supprimée",
    429: "Trop de requêtes : veuillez réessayer plus tard",
    500: "Erreur interne du serveur",
    502: "Passerelle en erreur",
    503: "Service momentanément indisponible",
    504: "Délai d’attente de la passerelle dépassé",
}


def french_reason(code: int) -> str:
    """The reason shown for ``code``: French for the usual errors, else the English phrase."""
    if code in _FRENCH_REASONS:
        return _FRENCH_REASONS[code]
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Erreur"


def error_page(code: int, message: str, explain: str = "") -> str:
    return ERROR_PAGE % {"code": code, "message": message, "explain": explain}
