"""Indicators: a service scan's findings turned into the observatory's indicators (and Vigie's own).

Every rule is stated in ``docs/indicators.md``; each indicator is one module, listed once in
``indicators.registry.INDICATOR_MODULES``.
"""
