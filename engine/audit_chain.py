"""Checking the audit trail's hash chain (storage.event_chain): ``duibiao audit verify``.

Each instance's ``process_event`` rows are walked in sequence order, their hashes recomputed and
compared; the instance's head (``last_event_sequence`` / ``last_event_hash``) tells whether rows at the
end were deleted or added behind the platform's back. Instances and their rows are read in batches,
so memory stays flat however long the trail is.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.text import N_, Text
from storage import event_chain
from storage.models import ProcessEvent, ProcessInstance

INSTANCE_BATCH = 1000
_EVENT_COLUMNS = [getattr(ProcessEvent, name) for name in (*event_chain.HASHED, "hash")]


@dataclass
class Broken:
    """The first broken link of one instance's chain."""

    instance_id: int
    sequence: int
    problem: Text


@dataclass
class Report:
    instances: int = 0
    events: int = 0
    broken: list[Broken] = field(default_factory=list)


def verify(session: Session, instance_id: int | None = None, batch: int = INSTANCE_BATCH) -> Report:
    """Recompute every chain (or one instance's): the first broken link of each instance, if any."""
    report = Report()
    for heads in _instance_batches(session, instance_id, batch):
        rows = session.execute(
            select(*_EVENT_COLUMNS).where(ProcessEvent.instance_id.in_([head.id for head in heads]))
            .order_by(ProcessEvent.instance_id, ProcessEvent.sequence)
            .execution_options(yield_per=5000)).mappings()
        events = {key: list(group) for key, group in groupby(rows, key=lambda row: row["instance_id"])}
        for head in heads:
            report.instances += 1
            own = events.get(head.id, [])
            report.events += len(own)
            problem = first_break(own, head.last_event_sequence or 0, head.last_event_hash)
            if problem is not None:
                report.broken.append(Broken(head.id, *problem))
    return report


def _instance_batches(session: Session, instance_id: int | None, batch: int) -> Iterator[list]:
    query = select(ProcessInstance.id, ProcessInstance.last_event_sequence, ProcessInstance.last_event_hash)
    if instance_id is not None:
        yield session.execute(query.where(ProcessInstance.id == instance_id)).all()
        return
    after = 0
    while heads := session.execute(query.where(ProcessInstance.id > after)
                                   .order_by(ProcessInstance.id).limit(batch)).all():
        yield heads
        after = heads[-1].id


def first_break(rows: Iterable, last_sequence: int, last_hash: str | None) -> tuple[int, Text] | None:
    """(sequence, what is wrong) of the first broken link among one instance's rows (in sequence order),
    given the head its instance row keeps; None when the chain is whole."""
    previous, expected = None, 1
    for row in rows:
        if row["sequence"] != expected:
            return expected, N_("第 %(sequence)s 条事件缺失（序号不连续）：有事件被删除", sequence=expected)
        if row["hash"] is None:
            return expected, N_("第 %(sequence)s 条事件没有哈希：它不是由平台写入的", sequence=expected)
        if event_chain.event_hash(row, previous) != row["hash"]:
            return expected, N_("第 %(sequence)s 条事件的哈希不符：这一条被改动过，或它之前的事件被改动、删除或插入",
                                sequence=expected)
        previous, expected = row["hash"], expected + 1
    found = expected - 1
    if found < last_sequence:
        return expected, N_("最后的事件被删除：实例记录有 %(recorded)s 条，表中只有 %(found)s 条",
                            recorded=last_sequence, found=found)
    if found > last_sequence:
        return last_sequence + 1, N_("表中有 %(found)s 条事件，多于实例记录的 %(recorded)s 条：有事件不是由平台写入的",
                                     recorded=last_sequence, found=found)
    if found and previous != last_hash:
        return found, N_("最后一条事件（第 %(sequence)s 条）与实例记录的链尾不符：事件被替换过", sequence=found)
    return None
