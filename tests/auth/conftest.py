"""Every app of this suite runs on SQLite and on PostgreSQL."""

from tests.fixtures.postgres import make_app_on_both_databases  # noqa: F401 (fixture)
