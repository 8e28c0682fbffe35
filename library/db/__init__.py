"""The catalog's database: engine and sessions, typed models, Alembic migrations."""
