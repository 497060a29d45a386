"""CSV exports of the dashboard's tables and of the records under them (SPEC 12)."""
