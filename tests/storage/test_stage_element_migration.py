"""Migration 0030: the element that set each existing instance's stage, read from the BPMN of its version."""
from __future__ import annotations

from sqlalchemy import text

from storage import migrate
from storage.db import make_engine
from tests.webapp.bpmn_edits import shipped

NOW = "2026-01-01 00:00:00"


def test_existing_instances_get_the_element_of_their_stage(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'before.db'}")
    migrate.upgrade(engine, "0027")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO process_definition (id, key, version, sha256, bpmn_xml, dependencies, deployed_at, "
            "is_current) VALUES (1, 'pilot_enrollment', 1, 'x', :xml, '[]', :now, 1)"),
            {"xml": shipped("pilot_enrollment.bpmn"), "now": NOW})
        for instance_id, status, stage in ((1, "running", "vetting"), (2, "completed", "approved"),
                                           (3, "running", "returned"), (4, "completed", "rejected"),
                                           (5, "running", None), (6, "running", "not_in_the_bpmn")):
            connection.execute(text(
                "INSERT INTO process_instance (id, definition_id, process_key, subject, status, stage, state, "
                "version, last_event_sequence, created_at, updated_at) VALUES (:id, 1, 'pilot_enrollment', '', "
                ":status, :stage, '{}', 1, 0, :now, :now)"),
                {"id": instance_id, "status": status, "stage": stage, "now": NOW})
    migrate.upgrade(engine, "0030")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, stage_element FROM process_instance ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [(1, "review_enrollment"), (2, "approved_end"), (3, "correct_enrollment"),
                                            (4, "rejected_end"), (5, None), (6, None)]
    engine.dispose()
