"""Fresh, migrated test databases in milliseconds (the test kit's database templates).

Creating every table of the hub (and running the plugins' Alembic branches) costs about
a second per test on SQLite (one fsync per DDL statement) and more on PostgreSQL (50
catalog-changing statements).  The suite does it once per *schema key* — the backend,
and which plugin migration folders (with their files' contents) apply — and then:

SQLite
    the migrated file is built once in a session folder and copied to the test's path
    (byte for byte what migrating there would have written).

PostgreSQL
    a pool of migrated schemas per key.  A test's empty schema (from
    :func:`hub.testing.postgres_schema`) is swapped for a pooled one (``DROP`` the empty
    one, ``ALTER SCHEMA ... RENAME`` the pooled one to its name, in one transaction).
    When the test ends the schema goes back to the pool only if its definition is the
    one migrating gave — no catalog row about it (table, column, default, constraint,
    index, trigger, rule, policy, sequence, function, type) was written since, which any
    DDL would do — and the rows migrating wrote (``alembic_version``) are untouched.
    Then every other row is deleted (referencing tables first), every sequence restarts
    at its start value, and the schema is renamed out of the way.  Anything else, or any
    error, and it is dropped, as before.  (Deleted rows leave dead tuples until
    autovacuum: a query without ``ORDER BY`` has no defined order on PostgreSQL anyway.)

Only databases the kit made fresh are touched: a SQLite file that does not exist yet
(or is empty), a PostgreSQL schema :func:`hub.testing.postgres_schema` created and
nothing wrote to.  A harness started on a database that already has tables migrates it
as it always did.
"""

from __future__ import annotations

import graphlib
import hashlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from hub.db.engine import backend_of, sync_url

__all__ = ["adopt_or_migrate", "fresh_schema_created", "release_schema", "cleanup"]

_session_dir: Path | None = None
_models: str | None = None
_sqlite_templates: dict[str, Path] = {}
#: Migrated schemas waiting for a test, by (server, key).
_pool: dict[tuple[str, str], list[str]] = {}
#: Per (server, key): the catalog fingerprint and the seeded tables' contents of a fresh one.
_fresh: dict[tuple[str, str], tuple[dict[str, str], list[str]]] = {}
#: Per pooled or lent schema: its catalog signature when it was fresh.
_baseline: dict[str, str] = {}
#: Schemas postgres_schema created that nothing has used yet.
_created: set[str] = set()
#: Schemas lent to a test: name -> (server, key).
_lent: dict[str, tuple[str, str]] = {}


def create_schema(url: str) -> None:
    """Every table of the hub's models (no Alembic), as :func:`hub.testing._create_schema`."""
    import hub.db.models  # noqa: F401 - fills the metadata

    engine = sa.create_engine(sync_url(url))
    try:
        SQLModel.metadata.create_all(engine)
    finally:
        engine.dispose()


def migrate(url: str, folders: Iterable[str]) -> None:
    """What a harness does to a database: the Alembic heads with plugin folders, else
    ``create_all``."""
    folders = list(folders)
    if folders:
        from hub.db import migrate as alembic_migrate

        alembic_migrate.upgrade(url, folders)
    else:
        create_schema(url)


def _models_digest() -> str:
    global _models
    if _models is None:
        import hub.db.models  # noqa: F401 - fills the metadata

        digest = hashlib.sha256()
        for table in SQLModel.metadata.sorted_tables:
            digest.update(str(sa.schema.CreateTable(table).compile()).encode())
            for index in sorted(table.indexes, key=lambda i: str(i.name)):
                digest.update(str(sa.schema.CreateIndex(index).compile()).encode())
        _models = digest.hexdigest()
    return _models


def schema_key(folders: Mapping[str, str]) -> str:
    """Which migrations a database gets: the hub's models and these folders' files."""
    digest = hashlib.sha256(_models_digest().encode())
    for name, folder in sorted(folders.items()):
        digest.update(f"\0{name}\0{folder}\0".encode())
        for path in sorted(Path(folder).rglob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _folder() -> Path:
    global _session_dir
    if _session_dir is None:
        _session_dir = Path(tempfile.mkdtemp(prefix="hub-test-templates-"))
    return _session_dir


# --- SQLite ------------------------------------------------------------------------------


def _sqlite_path(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _sqlite(url: str, folders: Mapping[str, str]) -> bool:
    path = _sqlite_path(url)
    if path is None or (path.exists() and path.stat().st_size > 0):
        return False
    if any(path.with_name(path.name + suffix).exists() for suffix in ("-wal", "-journal")):
        return False
    key = schema_key(folders)
    template = _sqlite_templates.get(key)
    if template is None or not template.exists():
        template = _folder() / f"{key[:16]}.db"
        template.unlink(missing_ok=True)
        migrate(f"sqlite:///{template}", folders.values())
        leftovers = [template.with_name(template.name + s) for s in ("-wal", "-shm", "-journal")]
        if any(p.exists() for p in leftovers):  # not a self-contained file: do not copy it
            return False
        _sqlite_templates[key] = template
    shutil.copyfile(template, path)
    return True


# --- PostgreSQL ----------------------------------------------------------------------------


def _conninfo(url: str) -> str:
    parsed = make_url(sync_url(url)).set(drivername="postgresql")
    query = {k: v for k, v in parsed.query.items() if k != "options"}
    return parsed.set(query=query).render_as_string(hide_password=False)


def _schema_of(url: str) -> str | None:
    options = make_url(url).query.get("options")
    if not isinstance(options, str):
        return None
    for option in options.split():
        if option.startswith("-csearch_path="):
            value = option.removeprefix("-csearch_path=")
            return value if value.replace("_", "").isalnum() else None
    return None


def _with_schema(url: str, schema: str) -> str:
    return (
        make_url(url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )


_SIGNATURE = """
WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = %(schema)s),
rel AS (SELECT oid, xmin FROM pg_class WHERE relnamespace = (SELECT oid FROM ns))
SELECT coalesce(md5(string_agg(item, ',' ORDER BY item)), '') FROM (
  SELECT 'c' || oid || ':' || xmin FROM rel
  UNION ALL SELECT 'a' || attrelid || '.' || attnum || ':' || xmin FROM pg_attribute
    WHERE attrelid IN (SELECT oid FROM rel)
  UNION ALL SELECT 'd' || oid || ':' || xmin FROM pg_attrdef
    WHERE adrelid IN (SELECT oid FROM rel)
  UNION ALL SELECT 'k' || oid || ':' || xmin FROM pg_constraint
    WHERE connamespace = (SELECT oid FROM ns) OR conrelid IN (SELECT oid FROM rel)
  UNION ALL SELECT 'i' || indexrelid || ':' || xmin FROM pg_index
    WHERE indrelid IN (SELECT oid FROM rel)
  UNION ALL SELECT 't' || oid || ':' || xmin FROM pg_trigger
    WHERE tgrelid IN (SELECT oid FROM rel)
  UNION ALL SELECT 'r' || oid || ':' || xmin FROM pg_rewrite
    WHERE ev_class IN (SELECT oid FROM rel)
  UNION ALL SELECT 'p' || oid || ':' || xmin FROM pg_policy
    WHERE polrelid IN (SELECT oid FROM rel)
  UNION ALL SELECT 's' || seqrelid || ':' || xmin FROM pg_sequence
    WHERE seqrelid IN (SELECT oid FROM rel)
  UNION ALL SELECT 'f' || oid || ':' || xmin FROM pg_proc
    WHERE pronamespace = (SELECT oid FROM ns)
  UNION ALL SELECT 'y' || oid || ':' || xmin FROM pg_type
    WHERE typnamespace = (SELECT oid FROM ns)
  UNION ALL SELECT 'e' || oid || ':' || xmin FROM pg_enum
    WHERE enumtypid IN (SELECT oid FROM pg_type WHERE typnamespace = (SELECT oid FROM ns))
) items(item)
"""


def _signature(conn: Any, schema: str) -> str:
    """The schema's definition as the catalog's row versions: any DDL (a column, an
    index, a table, a grant, a function...) writes a new version of some row here;
    rows written to the tables do not."""
    return str(conn.execute(_SIGNATURE, {"schema": schema}).fetchone()[0])


def _tables(conn: Any, schema: str) -> list[str]:
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind = 'r'",
        (schema,),
    ).fetchall()
    return sorted(r[0] for r in rows)


def _contents(conn: Any, schema: str, table: str) -> str:
    row = conn.execute(
        f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), ''))"
        f' FROM "{schema}"."{table}" t'
    ).fetchone()
    return f"{row[0]} {row[1]}"


def _sizes(conn: Any, schema: str) -> dict[str, int]:
    rows = conn.execute(
        "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind = 'r'",
        (schema,),
    ).fetchall()
    return {r[0]: int(r[1]) for r in rows}


def _new_pool_schema(url: str, server: str, key: str, folders: Mapping[str, str]) -> str:
    import psycopg

    name = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    try:
        migrate(_with_schema(url, name), folders.values())
        with psycopg.connect(server) as conn:
            if (server, key) not in _fresh:
                _fresh[(server, key)] = _cleaning(conn, name)
            _baseline[name] = _signature(conn, name)
    except BaseException:
        _drop(server, name)
        raise
    return name


def _cleaning(conn: Any, schema: str) -> tuple[dict[str, str], list[str]]:
    """What a fresh schema of this key holds: the rows migrating wrote (by table) and
    the other tables, referencing ones first (the order to empty them in)."""
    seeded = {t: _contents(conn, schema, t) for t, size in _sizes(conn, schema).items() if size}
    tables = [t for t in _tables(conn, schema) if t not in seeded]
    edges = conn.execute(
        "SELECT c.relname, r.relname FROM pg_constraint k"
        " JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE k.contype = 'f' AND n.nspname = %s",
        (schema,),
    ).fetchall()
    graph: dict[str, set[str]] = {t: set() for t in tables}
    for child, parent in edges:  # a referencing table comes before the one it references
        if parent in graph and child != parent:
            graph[parent].add(child)
    return seeded, list(graphlib.TopologicalSorter(graph).static_order())


def _postgres(url: str, folders: Mapping[str, str]) -> bool:
    import psycopg

    schema = _schema_of(url)
    if schema is None or schema not in _created:
        return False
    server = _conninfo(url)
    with psycopg.connect(server) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s",
            (schema,),
        ).fetchone()
    if row is None or row[0]:
        _created.discard(schema)
        return False
    key = schema_key(folders)
    pool = _pool.setdefault((server, key), [])
    pooled = pool.pop() if pool else _new_pool_schema(url, server, key, folders)
    try:
        with psycopg.connect(server) as conn:  # one transaction: drop the empty one, rename
            conn.execute("SET LOCAL lock_timeout = '10s'")
            conn.execute(f'DROP SCHEMA "{schema}"')
            conn.execute(f'ALTER SCHEMA "{pooled}" RENAME TO "{schema}"')
    except Exception:
        _baseline.pop(pooled, None)
        _drop(server, pooled)
        return False
    _created.discard(schema)
    _lent[schema] = (server, key)
    _baseline[schema] = _baseline.pop(pooled)
    return True


def _drop(server: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _recycle(server: str, key: str, schema: str) -> str | None:
    """Empty a used schema and rename it; ``None`` if it is not the schema it was lent as."""
    import psycopg

    seeded, order = _fresh[(server, key)]
    baseline = _baseline.pop(schema, None)
    with psycopg.connect(server) as conn:  # one transaction
        conn.execute("SET LOCAL lock_timeout = '5s'")
        if baseline is None or _signature(conn, schema) != baseline:
            return None  # some DDL ran: a table, column, index, function... changed
        if any(_contents(conn, schema, t) != rows for t, rows in seeded.items()):
            return None  # e.g. alembic_version moved
        name = f"t_{secrets.token_hex(6)}"
        conn.execute(
            "".join(f'DELETE FROM "{schema}"."{t}";' for t in order)
            + f'ALTER SCHEMA "{schema}" RENAME TO "{name}"'
        )
        conn.execute(  # every sequence as created: nextval() gives its start value
            "SELECT setval(s.seqrelid, s.seqstart, false) FROM pg_sequence s"
            " JOIN pg_class c ON c.oid = s.seqrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s",
            (name,),
        )
        _baseline[name] = _signature(conn, name)
    return name


def fresh_schema_created(schema: str) -> None:
    """:func:`hub.testing.postgres_schema` made ``schema``: a harness may swap it."""
    _created.add(schema)


def release_schema(schema: str) -> bool:
    """The test using ``schema`` ended: pool it again if it is as good as new.

    Returns whether it was taken care of (else the caller drops it)."""
    _created.discard(schema)
    lent = _lent.pop(schema, None)
    if lent is None or os.environ.get("HUB_TEST_NO_TEMPLATES") == "1":
        return False
    server, key = lent
    try:
        name = _recycle(server, key, schema)
    except Exception:
        return False
    if name is None:
        return False
    _pool.setdefault((server, key), []).append(name)
    return True


def adopt_or_migrate(url: str, folders: Mapping[str, str]) -> None:
    """Bring ``url`` to the newest schema: from a template when it is one the kit made
    fresh, else by migrating it (``HUB_TEST_NO_TEMPLATES=1`` always migrates)."""
    if os.environ.get("HUB_TEST_NO_TEMPLATES") != "1":
        backend = backend_of(url)
        if backend == "sqlite" and _sqlite(url, folders):
            return
        if backend == "postgresql" and _postgres(url, folders):
            return
    migrate(url, folders.values())


def cleanup() -> None:
    """Drop the pooled schemas and the template files (end of the session)."""
    global _session_dir
    for (server, _key), names in _pool.items():
        for name in names:
            try:
                _drop(server, name)
            except Exception:  # noqa: BLE001, S110 - the server may be gone; nothing to keep
                pass
    _pool.clear()
    _sqlite_templates.clear()
    if _session_dir is not None:
        shutil.rmtree(_session_dir, ignore_errors=True)
        _session_dir = None
