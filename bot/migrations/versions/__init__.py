"""syncdesk's schema migrations, oldest first (Alembic revision files; see docs/migrations.md)."""
