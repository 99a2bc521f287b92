"""When and where scans run (APScheduler + local/Celery backends): built in a later issue."""
