"""The service list: read YAML or the observatory's CSV into checked ``ServiceSpec``s.

Errors are located (``file:line: field: message``) and a file with any error yields nothing.
"""

from services.registry import (
    RegistryError,
    RegistryIssue,
    ServiceSpec,
    dump_services_yaml,
    load_services,
    parse_services_yaml,
    slugify,
    upsert_services,
)

__all__ = [
    "RegistryError",
    "RegistryIssue",
    "ServiceSpec",
    "dump_services_yaml",
    "load_services",
    "parse_services_yaml",
    "slugify",
    "upsert_services",
]
