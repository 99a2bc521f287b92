"""The only place that knows the schema: models, migrations, sessions, artifacts."""
