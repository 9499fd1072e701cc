"""Declarative base, UTC timestamps and the single unit of work that commits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp that is always timezone-aware UTC, on SQLite as on PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = sa.orm.registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def _callbacks() -> list[Callable[[], Any]]:
    if "after_commit_callbacks" not in g:
        g.after_commit_callbacks = []
    return g.after_commit_callbacks


def after_commit(callback: Callable[[], Any]) -> None:
    """Run ``callback`` once the current unit of work has committed (emails, file deletions...)."""
    if not has_app_context():
        raise RuntimeError("after_commit needs an application context")
    _callbacks().append(callback)


@contextmanager
def unit_of_work() -> Iterator[sa.orm.Session]:
    """The one place that commits: commit on success, roll back on error, then run after-commit hooks."""
    from contest.extensions import db

    session = db.session
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        if has_app_context():
            g.pop("after_commit_callbacks", None)
        raise
    callbacks = g.pop("after_commit_callbacks", [])
    for callback in callbacks:
        callback()


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Alembic hook: write UTCDateTime as a plain timezone-aware DateTime in migration files."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def upsert_insert(model: type | sa.Table, dialect: str | None = None) -> Any:  # noqa: ANN401 - dialect Insert
    """An INSERT that knows ON CONFLICT, for SQLite or PostgreSQL (the session's database by default)."""
    from sqlalchemy.dialects import postgresql, sqlite

    from contest.extensions import db

    dialect = dialect or db.session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(model)


def insert_ignore(model: type, **values: object) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING, on SQLite and PostgreSQL alike (for rows that must simply exist).

    True if this call inserted the row, False if it was already there."""

    return insert_returning_key(model, **values) is not None


def insert_returning_key(model: type, **values: object) -> Any:  # noqa: ANN401 - the primary key's type
    """INSERT ... ON CONFLICT DO NOTHING RETURNING the primary key: the new row's key, or None if it existed.

    (RETURNING is reliable where an ORM execute's rowcount is not.)"""
    from contest.extensions import db

    key = sa.inspect(model).primary_key
    statement = upsert_insert(model).values(**values).on_conflict_do_nothing().returning(*key)
    row = db.session.execute(statement).first()
    return None if row is None else row[0]


class DriverStatement:
    """A Core statement compiled once per dialect and run on the DB-API cursor of the session's connection.

    For the one or two hot paths where SQLAlchemy's per-execution bookkeeping costs several times the
    database work. The SQL is still SQLAlchemy's own (same statement on SQLite and PostgreSQL, the column
    types' bind processing applied), and it runs inside the session's transaction.
    """

    def __init__(self, build: Callable[[str], sa.Executable]) -> None:
        self._build = build
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None, dict[str, Any], dict[str, Any]]] = {}

    def _prepare(
        self, dialect: sa.Dialect
    ) -> tuple[str, tuple[str, ...] | None, dict[str, Any], dict[str, Any]]:
        if dialect.name not in self._compiled:
            compiled = self._build(dialect.name).compile(dialect=dialect)
            if "POSTCOMPILE" in compiled.string:
                raise ValueError("expanding IN parameters are not supported here; spell the values out")
            positions = tuple(compiled.positiontup) if compiled.positiontup else None
            processors = dict(compiled._bind_processors)  # noqa: SLF001 - the types' own bind processing
            self._compiled[dialect.name] = (
                compiled.string,
                positions,
                compiled.construct_params(),
                processors,
            )
        return self._compiled[dialect.name]

    def _run(self, session: sa.orm.Session, params: dict[str, Any], fetch: str) -> Any:
        connection = session.connection()
        sql, positions, defaults, processors = self._prepare(connection.dialect)
        values = {**defaults, **params}
        for name, process in processors.items():
            if values.get(name) is not None:
                values[name] = process(values[name])
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql, [values[name] for name in positions] if positions else values)
            return getattr(cursor, fetch)()
        finally:
            cursor.close()

    def first(self, session: sa.orm.Session, params: dict[str, Any]) -> tuple[Any, ...] | None:
        """The first row as the driver returns it (no result processing: SQLite dates stay strings)."""
        return self._run(session, params, "fetchone")

    def all(self, session: sa.orm.Session, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        return self._run(session, params, "fetchall")


def include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """What Alembic compares: not the full-text search objects, which migrations create by hand
    (an FTS5 table and its shadow tables on SQLite, a GIN expression index on PostgreSQL)."""
    return not (name and (name.startswith("products_fts") or name == "ix_products_search"))
