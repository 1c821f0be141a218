"""Is the database already at every head?  Answered without loading Alembic.

``hub serve`` (and every other command) upgrades the schema before it starts.  On a
restart the database is almost always current already, and loading Alembic to learn
that — its package, the environment, every revision script run as a module — was a
tenth of ``hub serve``'s start (docs/decisions.md, issue 18 goal 6).  This module reads
the same revision scripts as text instead: the literal ``revision``,
``down_revision`` and ``depends_on`` assignments at the top of each file, found in
the same folders and by the same file-name rule as Alembic's
``ScriptDirectory`` (``*.py``, not ``__init__``, not in ``__pycache__``, not
recursive), and compares them with the ``alembic_version`` rows.

The answer is "current" only when it is certain: every revision of every script is
applied (a row's own revision and everything it reaches through ``down_revision`` and
``depends_on``), every row is a known revision, and no row is an ancestor of another.
Then ``alembic upgrade heads`` has nothing to do.  Anything else — no version table,
a revision behind, a row no script knows, a header that is not a plain literal
(computed, a branch label or partial id as a dependency, a legacy file name) — is
"not known to be current", and the caller runs Alembic exactly as before, with its
upgrade or its error.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from hub.db.engine import sync_url

#: Alembic's rule for revision files when scripts are not sourceless
#: (``alembic.script.base._only_source_rev_file``).
REVISION_FILE = re.compile(r"(?!\.\#|__init__)(.*\.py)$")
#: Alembic's table of applied revisions (the hub's env.py keeps the default name).
VERSION_TABLE = "alembic_version"


class Unreadable(Exception):
    """A revision script's header is not plain literals this module can read."""


@dataclass(frozen=True)
class Header:
    """The graph part of one revision script."""

    revision: str
    #: ``down_revision`` and ``depends_on`` together: what must be applied before it.
    requires: tuple[str, ...]


def _names(node: ast.expr | None, what: str, path: Path) -> tuple[str, ...]:
    if node is None:
        return ()
    try:
        value = ast.literal_eval(node)
    except ValueError:
        raise Unreadable(f"{path}: {what} is not a literal") from None
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise Unreadable(f"{path}: {what} is {value!r}")


def read_header(path: Path) -> Header:
    """``revision``, ``down_revision`` and ``depends_on`` of one script, from its text."""
    assigned: dict[str, ast.expr | None] = {}
    for node in ast.parse(path.read_bytes(), filename=str(path)).body:
        value: ast.expr | None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                if target.id in assigned:  # assigned twice: the later one would win
                    raise Unreadable(f"{path}: {target.id} is assigned more than once")
                assigned[target.id] = value
    revision = _names(assigned.get("revision"), "revision", path)
    if len(revision) != 1:
        raise Unreadable(f"{path}: no single literal revision")
    requires = _names(assigned.get("down_revision"), "down_revision", path) + _names(
        assigned.get("depends_on"), "depends_on", path
    )
    return Header(revision=revision[0], requires=requires)


def read_headers(locations: Iterable[str | Path]) -> dict[str, Header]:
    """Every revision in the version locations, by id, as Alembic would list them."""
    headers: dict[str, Header] = {}
    for location in dict.fromkeys(Path(loc).resolve() for loc in locations):
        if not location.is_dir():
            continue
        for path in sorted(location.iterdir()):
            if not path.is_file() or not REVISION_FILE.match(path.name):
                continue
            header = read_header(path)
            if header.revision in headers:
                raise Unreadable(f"revision {header.revision} appears twice")
            headers[header.revision] = header
    for header in headers.values():
        for needed in header.requires:
            if needed not in headers:  # a partial id or a branch label: Alembic resolves it
                raise Unreadable(f"{header.revision} requires {needed!r}, not a revision id")
    return headers


def applied(headers: Mapping[str, Header], rows: Iterable[str]) -> set[str]:
    """The revisions the rows stand for: each row and everything it requires."""
    seen: set[str] = set()
    todo = list(rows)
    while todo:
        revision = todo.pop()
        if revision not in seen:
            seen.add(revision)
            todo.extend(headers[revision].requires)
    return seen


def is_current(headers: Mapping[str, Header], rows: set[str]) -> bool:
    """Whether ``alembic upgrade heads`` would find nothing to do for these rows."""
    if not rows or not rows <= headers.keys():
        return False
    if applied(headers, rows) != headers.keys():
        return False
    # each row a head of what is applied (Alembic keeps no row below another)
    return all(row not in applied(headers, rows - {row}) for row in rows)


def version_rows(database_url: str) -> set[str] | None:
    """The ``alembic_version`` rows, or ``None`` if the table is not there."""
    engine = sa.create_engine(sync_url(database_url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table(VERSION_TABLE):
                return None
            return set(
                connection.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
            )
    finally:
        engine.dispose()


def at_head(database_url: str, locations: Iterable[str | Path]) -> bool:
    """True only when the database is certainly at every head of these locations."""
    try:
        headers = read_headers(locations)
    except (Unreadable, SyntaxError, OSError):
        return False
    try:
        rows = version_rows(database_url)
    except sa.exc.SQLAlchemyError:  # cannot connect, say: Alembic reports it as before
        return False
    return rows is not None and is_current(headers, rows)
