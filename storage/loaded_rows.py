"""ORM objects made from rows a ``fast_sql`` read returned, as if the ORM's own query had loaded them.

Issue 15: an ORM query spends most of a completion's read in SQLAlchemy's per-query set-up (the
loading context, a row processor per entity rebuilt for every joined load), far more inside a request,
where that code runs cold, than in a loop (the task's read: ≈ 0.45 ms in a request, 0.14 ms in a loop).
A ``RowShape`` names the columns the ORM would load for a mapped class (its undeferred columns, and those
asked for); ``attach`` builds the object from its slice of a row and joins it to the session as loaded
(``make_transient_to_detached``: committed values, the identity key, what is not read left expired).
An object the session already holds for that row is kept and answered, as the ORM's query would, with
only the attributes it had not loaded filled in from the row.

Relationships are not read: a many-to-one then comes from the session's identity map when its row was
attached too (no SQL), and is loaded on first use otherwise.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from storage.fast_sql import Prepared

_EAGER = {"joined", "selectin", "subquery", "immediate"}


class RowShape:
    """The columns of ``model`` a read selects (labelled ``<prefix>_<key>``), and the objects made of them."""

    def __init__(self, model: type, prefix: str, undefer: Sequence[str] = ()):
        mapper = inspect(model)
        if not _one_table_one_key(mapper):
            raise ValueError(f"{model.__name__}: one primary-key column and no inheritance only")
        props = [prop for prop in mapper.column_attrs if not prop.deferred or prop.key in undefer]
        if {prop.key for prop in props} & set(undefer) != set(undefer):
            raise ValueError(f"{model.__name__} has no column among {undefer}")
        self.model, self._mapper = model, mapper
        self.keys = tuple(prop.key for prop in props)
        self.columns = tuple(prop.columns[0].label(f"{prefix}_{prop.key}") for prop in props)
        self._primary = self.keys.index(mapper.get_property_by_column(mapper.primary_key[0]).key)

    def identity_key(self, primary_key) -> tuple:
        return self._mapper.identity_key_from_primary_key((primary_key,))

    def attach(self, session: Session, row: Sequence, offset: int = 0) -> object:
        """The object of ``row[offset:offset + len(self.columns)]``, in ``session`` as if loaded."""
        values = row[offset:offset + len(self.keys)]
        held = session.identity_map.get(self.identity_key(values[self._primary]))
        if held is not None:
            loaded = held.__dict__
            for name, value in zip(self.keys, values, strict=True):
                if name not in loaded:
                    set_committed_value(held, name, value)
            return held
        return attach_new(session, self.model, dict(zip(self.keys, values, strict=True)))


def attach_new(session: Session, model: type, values: dict) -> object:
    """The object of a row just read or inserted (``values``: its columns by attribute), in ``session`` as
    loaded; the constructor would record each value as a change to flush."""
    made = inspect(model).class_manager.new_instance()
    made.__dict__.update(values)
    make_transient_to_detached(made)
    session.add(made)
    return made


def relate(owner: object, name: str, target: object) -> None:
    """``owner``'s many-to-one ``name`` as loaded, unless the session's object has it already."""
    if name not in owner.__dict__:
        set_committed_value(owner, name, target)


def autoflush(session: Session) -> None:
    """What the ORM's query would send first: the session's pending changes, unless autoflush is off."""
    if session.autoflush and (session.new or session.deleted or session.dirty):
        session.flush()


_BY_ID: dict[type, tuple[RowShape, Prepared] | None] = {}


def get(session: Session, model: type, row_id: int) -> object | None:
    """``session.get(model, row_id)``: the object the session holds, else the row read by one ``Prepared``
    statement. A class that loads a relationship eagerly (or has no single primary key) goes to the ORM."""
    read = _BY_ID.get(model, False)
    if read is False:
        read = _BY_ID[model] = _by_id(model)
    if read is None:
        return session.get(model, row_id)
    shape, statement = read
    if session.identity_map.get(shape.identity_key(row_id)) is not None:  # held (expired ones refreshed)
        return session.get(model, row_id)
    autoflush(session)
    row = statement.execute(session.connection(), {"row_id": row_id}).first()
    return None if row is None else shape.attach(session, row)


def _by_id(model: type) -> tuple[RowShape, Prepared] | None:
    mapper = inspect(model)
    if not _one_table_one_key(mapper) or any(relationship.lazy in _EAGER for relationship in mapper.relationships):
        return None
    shape = RowShape(model, "r")
    return shape, Prepared(select(*shape.columns).where(mapper.primary_key[0] == bindparam("row_id")))


def _one_table_one_key(mapper) -> bool:
    return len(mapper.primary_key) == 1 and mapper.inherits is None and mapper.polymorphic_on is None
