"""Form drafts: two designers saving the same revision at the same moment — exactly one save wins, the
other is refused (the revision check and the write are one UPDATE). PostgreSQL is where the race is real
(a read-then-write save lets both win there); SQLite serializes its writers anyway."""
from __future__ import annotations

import threading

import workflows
from engine import form_designs
from engine.designs import DraftRefused
from storage.models import FormDraft


def one_save_wins(session_factory, save) -> str:
    """Two threads call ``save(session, label)`` at the same moment: exactly one is saved, the other refused;
    the winner's label."""
    start, outcomes = threading.Barrier(2), []

    def attempt(label: str) -> None:
        with session_factory() as session:
            start.wait()
            try:
                save(session, label)
                session.commit()
                outcomes.append(("saved", label))
            except DraftRefused:
                session.rollback()
                outcomes.append(("refused", label))

    threads = [threading.Thread(target=attempt, args=(label,)) for label in ("甲", "乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(kind for kind, _label in outcomes) == ["refused", "saved"]
    (winner,) = [label for kind, label in outcomes if kind == "saved"]
    return winner


def test_of_two_saves_of_one_revision_exactly_one_wins(session_factory, frozen_clock):
    with session_factory() as session:
        draft_id = form_designs.new_draft(session, "site_check", None, title="现场核查").id
        session.commit()
    winner = one_save_wins(session_factory, lambda session, label: form_designs.save_draft(
        session, draft_id, {"components": [{"type": "text", "text": label}]}, 1, label, None))
    with session_factory() as session:
        kept = session.get(FormDraft, draft_id)
        assert (kept.revision, kept.note, kept.schema["components"][0]["text"]) == (2, winner, winner)


def test_of_two_saves_of_one_process_draft_revision_exactly_one_wins(session_factory, frozen_clock, deployed):
    """The same for the modeler's drafts (engine.designs.save_draft)."""
    from engine import designs
    from storage.models import ProcessDraft

    xml = dict(workflows.bpmn_files())["self_declaration.bpmn"].decode()
    with session_factory() as session:
        draft_id = designs.save_draft(session, "self_declaration", xml, "起草", None).id
        session.commit()
    winner = one_save_wins(session_factory, lambda session, label: designs.save_draft(
        session, "self_declaration", xml, label, None, draft=session.get(ProcessDraft, draft_id), revision=1))
    with session_factory() as session:
        kept = session.get(ProcessDraft, draft_id)
        assert (kept.revision, kept.note) == (2, winner)
