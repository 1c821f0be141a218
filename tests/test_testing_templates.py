"""The test kit's database templates (``hub.testing_db``): a harness's database is what
migrating it would give, a PostgreSQL schema goes back to the pool only emptied and
unchanged, and a database that already has tables is migrated, never replaced."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from hub import testing_db
from hub.testing import POSTGRES_ENV, postgres_schema

MANGO = {"mango": str(Path(__file__).parents[1] / "plugins/mango/hub_mango/migrations")}


def _definition(url: str) -> list[tuple[object, ...]]:
    """The database's own account of its tables, columns, keys and indexes, and the
    Alembic revisions it is at (a PostgreSQL schema's name left out)."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(sa.text("SELECT type, name, tbl_name, sql FROM sqlite_master"))
                found = [tuple(row) for row in rows]
                if ("table", "alembic_version", "alembic_version") in [r[:3] for r in found]:
                    versions = conn.execute(sa.text("SELECT version_num FROM alembic_version"))
                    found += [("revision", v) for v in versions.scalars()]
        finally:
            engine.dispose()
        return sorted(found, key=repr)
    schema = testing_db._schema_of(url)
    found = _rows(url, """
        SELECT 'column', table_name, column_name, data_type, is_nullable, column_default
          FROM information_schema.columns WHERE table_schema = current_schema()
        UNION ALL
        SELECT 'constraint', c.relname, k.conname, pg_get_constraintdef(k.oid), '', ''
          FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
         WHERE c.relnamespace = current_schema()::regnamespace
        UNION ALL
        SELECT 'index', tablename, indexname, indexdef, '', ''
          FROM pg_indexes WHERE schemaname = current_schema()
    """)  # fmt: skip
    if any(row[1] == "alembic_version" for row in found):
        found += _rows(url, "SELECT 'revision', version_num FROM alembic_version")
    return sorted(
        (tuple(str(v).replace(str(schema), "<schema>") for v in r) for r in found), key=repr
    )


def _postgres_base() -> str:
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        if os.environ.get("HUB_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"HUB_REQUIRE_POSTGRES=1 but {POSTGRES_ENV} is not set")
        pytest.skip(f"needs PostgreSQL: set {POSTGRES_ENV}")
    return base


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(testing_db._conninfo(url)) as conn:
        schema = testing_db._schema_of(url)
        conn.execute(f'SET search_path = "{schema}"')
        cursor = conn.execute(sql)
        return list(cursor.fetchall()) if cursor.description else []


@pytest.mark.parametrize("folders", [{}, MANGO], ids=["models", "plugin-migrations"])
def test_a_fresh_sqlite_file_is_what_migrating_gives(tmp_path: Path, folders: dict) -> None:
    copied, migrated = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    testing_db.adopt_or_migrate(copied, folders)
    testing_db.migrate(migrated, folders.values())
    assert _definition(copied) == _definition(migrated)
    assert "clinic" in str(_definition(copied))


def test_a_sqlite_file_with_tables_is_migrated_not_replaced(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE kept (x INTEGER)"))
        conn.execute(sa.text("INSERT INTO kept VALUES (7)"))
    engine.dispose()
    testing_db.adopt_or_migrate(url, {})
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT x FROM kept")).scalars().all() == [7]
        assert conn.execute(sa.text("SELECT count(*) FROM clinic")).scalar_one() == 0
    engine.dispose()


@pytest.mark.parametrize("folders", [{}, MANGO], ids=["models", "plugin-migrations"])
def test_a_pooled_postgres_schema_is_what_migrating_gives(folders: dict) -> None:
    base = _postgres_base()
    for url in postgres_schema(base):
        testing_db.adopt_or_migrate(url, folders)
        for other in postgres_schema(base):
            testing_db.migrate(other, folders.values())
            assert _definition(url) == _definition(other)


def test_a_used_schema_comes_back_empty_with_its_sequences_restarted() -> None:
    base = _postgres_base()
    for url in postgres_schema(base):
        testing_db.adopt_or_migrate(url, {})
        used = testing_db._schema_of(url)
        _rows(url, "INSERT INTO api_token (name, role, token_hash, created_at)"
              " VALUES ('a', 'admin', 'h1', now()), ('b', 'admin', 'h2', now())"
              " RETURNING id")  # fmt: skip
        _rows(url, "INSERT INTO clinic (id, name, timezone, address, phone, options,"
              " created_at, updated_at)"
              " VALUES ('c-1', 'n', 'UTC', '', '', '{}', now(), now())")  # fmt: skip
    pooled = [s for names in testing_db._pool.values() for s in names]
    assert used not in pooled  # renamed when it went back
    for url in postgres_schema(base):
        testing_db.adopt_or_migrate(url, {})
        tables = [r[0] for r in _rows(url, "SELECT tablename FROM pg_tables"
                                      " WHERE schemaname = current_schema()")]  # fmt: skip
        assert tables
        for table in tables:
            assert _rows(url, f'SELECT count(*) FROM "{table}"') == [(0,)], table
        inserted = _rows(url, "INSERT INTO api_token (name, role, token_hash, created_at)"
                         " VALUES ('a', 'admin', 'h1', now()) RETURNING id")  # fmt: skip
        assert inserted == [(1,)]


def test_a_schema_whose_definition_changed_is_not_pooled_again() -> None:
    base = _postgres_base()
    for url in postgres_schema(base):
        testing_db.adopt_or_migrate(url, {})
        schema = testing_db._schema_of(url)
        _rows(url, "ALTER TABLE clinic ADD COLUMN extra integer")
        assert schema is not None
        assert testing_db.release_schema(schema) is False  # the caller drops it


def test_a_schema_that_has_tables_is_migrated_not_replaced() -> None:
    base = _postgres_base()
    for url in postgres_schema(base):
        _rows(url, "CREATE TABLE kept (x integer)")
        testing_db.adopt_or_migrate(url, {})
        assert _rows(url, "SELECT count(*) FROM kept") == [(0,)]
        assert _rows(url, "SELECT count(*) FROM clinic") == [(0,)]
