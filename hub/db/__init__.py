"""Storage: the engine, the tables and the migrations (SQLite embedded, PostgreSQL to scale)."""
