"""Pure checks over stored captures: registry, findings, the built-in checks."""
