"""Writing a known set of new ORM objects with plain INSERTs, for hot paths, instead of a flush.

Registering an incoming document creates seven rows; the unit of work's flush sorted, diffed and
bookkept them and sent a statement for each, which cost more CPU than the database spent on the
rows. insert_now writes the same objects and leaves the session as if it had flushed them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Insert,
    Select,
    Table,
    TextClause,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.orm import MANYTOONE, ONETOMANY, Mapper, Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

# (attribute of the object the key comes from, attribute of the object it goes to)
KeyPairs = list[tuple[str, str]]


@dataclass
class _Plan:
    """What insert_now needs of a mapped class, worked out once."""

    table: Table
    attributes: list[tuple[str, Column]]  # every column attribute, in the table's column order
    parents: list[tuple[str, KeyPairs]]  # many-to-one: the related object's keys → ours
    children: list[tuple[str, bool, KeyPairs]]  # one-to-many (write-only?): our keys → each child's
    serial: str | None  # the attribute of a serial integer primary key
    defaults: dict[str, Any]  # column key: its Python-side default


_PLANS: dict[Mapper, _Plan] = {}


def _plan(mapper: Mapper) -> _Plan:
    plan = _PLANS.get(mapper)
    if plan is not None:
        return plan
    table = mapper.local_table
    for column in table.columns:
        if column.server_default is not None:
            raise ValueError(f"{column} has a server default: insert_now cannot know its value")
    by_column = {attribute.columns[0]: attribute.key for attribute in mapper.column_attrs}
    parents, children = [], []
    for relationship in mapper.relationships:
        other = relationship.mapper
        if relationship.direction is MANYTOONE:
            pairs = [
                (other.get_property_by_column(remote).key, by_column[local])
                for local, remote in relationship.local_remote_pairs
            ]
            parents.append((relationship.key, pairs))
        elif relationship.direction is ONETOMANY:
            pairs = [
                (by_column[local], other.get_property_by_column(remote).key)
                for local, remote in relationship.local_remote_pairs
            ]
            children.append((relationship.key, relationship.lazy in ("write_only", "dynamic"), pairs))
    # The column the database numbers (not a key that is also a foreign key, as document_search's).
    serial = by_column[table.autoincrement_column] if table.autoincrement_column is not None else None
    plan = _PLANS[mapper] = _Plan(
        table=table,
        attributes=[(by_column[column], column) for column in table.columns],
        parents=parents,
        children=children,
        serial=serial,
        defaults={column.key: _default(column) for column in table.columns if column.default is not None},
    )
    return plan


def _default(column: Column) -> Any:
    """The Python-side default of a column, as a value or as a function of no arguments."""
    default = column.default
    if default.is_scalar:
        return default.arg
    if default.is_callable:
        return lambda: default.arg(None)
    raise ValueError(f"{column} has a default insert_now cannot compute: {default!r}")


def insert_now(session: Session, objects: Sequence[object]) -> None:
    """Write new objects with plain INSERTs and make them persistent, as a flush would.

    Objects come parents first: an object's foreign keys are copied from the objects its
    relationships point to, which must come before it. On PostgreSQL the serial ids are drawn from
    their sequences in one query and every row goes in one more statement (data-modifying CTEs);
    elsewhere each object is one INSERT … RETURNING. Each object ends with every column as
    written (Python-side defaults applied), nothing of them is left to flush, and the session knows
    them as if it had loaded them. Only the objects given are written: the rows of collections,
    write-only ones included, must be among them. Objects added to the session but not flushed yet
    are taken back first. Columns with server-side defaults are not supported, and on PostgreSQL an
    attribute set to None explicitly is written as SQL NULL (a column default does not replace it,
    and a JSON column gets NULL, not JSON null): set such attributes to their value or leave them unset.
    """
    for instance in objects:
        if inspect(instance).pending:
            session.expunge(instance)
    # The session's connection, in its transaction: plain statements need none of the ORM's execution.
    connection = session.connection()
    states = [inspect(instance) for instance in objects]
    plans = [_plan(state.mapper) for state in states]
    in_one_statement = connection.dialect.name == "postgresql"
    if in_one_statement:
        _draw_ids(connection, states, plans)
    rows: list[dict[str, Any]] = []
    for state, plan in zip(states, plans, strict=True):
        values = state.dict
        for key, pairs in plan.parents:
            parent = values.get(key)
            if parent is not None:
                for source, target in pairs:
                    setattr(state.obj(), target, getattr(parent, source))
        row = {column.key: values[attribute] for attribute, column in plan.attributes if attribute in values}
        if in_one_statement:
            for key, default in plan.defaults.items():
                if key not in row:
                    row[key] = default() if callable(default) else default
            written = {attribute: row.get(column.key) for attribute, column in plan.attributes}
            rows.append(row)
        else:
            stored = connection.execute(_insert_returning(plan.table), row).one()._mapping
            written = {attribute: stored[column] for attribute, column in plan.attributes}
        for attribute, value in written.items():
            set_committed_value(state.obj(), attribute, value)
        for key, write_only, pairs in plan.children:
            if write_only:
                children = list(state.attrs[key].history.added)
            else:
                value = values.get(key)
                children = value if isinstance(value, list) else [] if value is None else [value]
            for child in children:
                for source, target in pairs:
                    setattr(child, target, values[source])
    if in_one_statement:
        tables = tuple(plan.table for plan in plans)
        connection.execute(
            _in_one(tables),
            {f"r{index}": _json_row(row) for index, row in enumerate(rows)},
        )
    for instance in objects:
        make_transient_to_detached(instance)
    session.add_all(objects)


_INSERT_RETURNING: dict[Table, Insert] = {}


def _insert_returning(table: Table) -> Insert:
    """INSERT … RETURNING every column; the columns written are those of the parameters."""
    statement = _INSERT_RETURNING.get(table)
    if statement is None:
        statement = _INSERT_RETURNING[table] = insert(table).returning(*table.columns)
    return statement


_IN_ONE: dict[tuple[Table, ...], TextClause] = {}


def _in_one(tables: tuple[Table, ...]) -> TextClause:
    """One row into each table as data-modifying CTEs of one statement, each row one JSON parameter
    (r<index>) that PostgreSQL turns into the table's row type; built once per sequence of tables.

    A parameter per column made psycopg parse the long statement again on every call (it caches
    only statements of at most 50 parameters), a cost on every registration.
    Foreign keys are checked at the end of the statement, when every row is in.
    """
    statement = _IN_ONE.get(tables)
    if statement is None:
        ctes = []
        for index, table in enumerate(tables):
            columns = ", ".join(f'"{column.name}"' for column in table.columns)
            ctes.append(
                f'r{index} AS (INSERT INTO "{table.name}" ({columns}) SELECT {columns} '
                f'FROM json_populate_record(NULL::"{table.name}", CAST(:r{index} AS json)))'
            )
        statement = _IN_ONE[tables] = text(f"WITH {', '.join(ctes)} SELECT 1")
    return statement


def _json_row(row: dict[str, Any]) -> str:
    return json.dumps(row, default=_json_value, ensure_ascii=False, separators=(",", ":"))


def _json_value(value: Any) -> Any:
    """Dates and times as PostgreSQL reads them; a naive datetime is refused, as UTCDateTime does."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be written by insert_now")


_DRAWS: dict[tuple[Table, ...], Select] = {}


def _draw_ids(connection: Connection, states, plans: list[_Plan]) -> None:
    """Give each object with a serial primary key and none yet the next value of its sequence (one query)."""
    needing = [
        (state, plan)
        for state, plan in zip(states, plans, strict=True)
        if plan.serial is not None and state.dict.get(plan.serial) is None
    ]
    if not needing:
        return
    tables = tuple(plan.table for _, plan in needing)
    statement = _DRAWS.get(tables)
    if statement is None:
        statement = _DRAWS[tables] = select(
            *(
                func.nextval(func.pg_get_serial_sequence(table.name, table.primary_key.columns[0].name))
                for table in tables
            )
        )
    for (state, plan), value in zip(needing, connection.execute(statement).one(), strict=True):
        setattr(state.obj(), plan.serial, value)
