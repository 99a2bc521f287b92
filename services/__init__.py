"""The service list: read YAML, or the observatory's CSV and .xlsx files, into checked
``ServiceSpec``s.

Errors are located (``file:line: field: message``) and a file with any error yields nothing.

Modules: `spec` (the service), `issues` (located errors), `fields` (value checks shared by
every format), `yaml_format`, `csv_format` and `xlsx_format` (the readers; the last two read
rows as a `table`, whose `columns` set says what each column is and `published` how its
published values are written), `loading` (a file, whatever its format), `storing` (specs into
the database, through `storage.services`).
"""

from services.csv_format import parse_services_csv
from services.fields import slugify
from services.issues import RegistryError, RegistryIssue
from services.loading import load_service_list, load_services
from services.spec import ServiceSpec
from services.storing import upsert_services
from services.table import ServiceTable
from services.yaml_format import dump_services_yaml, parse_services_yaml

__all__ = [
    "RegistryError",
    "RegistryIssue",
    "ServiceSpec",
    "ServiceTable",
    "dump_services_yaml",
    "load_service_list",
    "load_services",
    "parse_services_csv",
    "parse_services_yaml",
    "slugify",
    "upsert_services",
]
