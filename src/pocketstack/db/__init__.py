"""Persistence: SQLAlchemy models, the engine, and Alembic migrations (SQLite or PostgreSQL)."""
