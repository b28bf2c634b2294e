"""the BPMN element that set each instance's stage (process_instance.stage_element), for the step bar

Existing rows are filled from the BPMN of the version each instance runs on: the element of its process
that declares the instance's stage — an end event for a completed instance, another element otherwise,
the first drawn among equals (elements sharing a stage are the same step of the bar). ``duibiao engine
check --repair`` rewrites the column from the engine state where it should differ.

Revision ID: 0030
Revises: 0027
Create Date: 2026-12-07 01:30:00
"""
import xml.etree.ElementTree as ET  # noqa: N817 — the BPMN of deployed versions, validated when deployed

import sqlalchemy as sa
from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

_BPMN = '{http://www.omg.org/spec/BPMN/20100524/MODEL}'
_SPIFF = '{http://spiffworkflow.org/bpmn/schema/1.0/core}'


def _staged_elements(bpmn_xml: str, process_key: str) -> dict[str, list[tuple[str, str]]]:
    """Stage code → [(element kind, element id)] in document order, for the process ``process_key``."""
    found: dict[str, list[tuple[str, str]]] = {}
    try:
        root = ET.fromstring(bpmn_xml.encode() if isinstance(bpmn_xml, str) else bpmn_xml)
    except ET.ParseError:
        return found
    for process in root.iter(f'{_BPMN}process'):
        if process.get('id') != process_key:
            continue
        for element in process:
            props = {p.get('name'): p.get('value') for p in element.iter(f'{_SPIFF}property')}
            if props.get('stage') and element.get('id'):
                found.setdefault(props['stage'], []).append((element.tag.rpartition('}')[2], element.get('id')))
    return found


def _chosen(candidates: list[tuple[str, str]], completed: bool) -> str | None:
    ends = [element for kind, element in candidates if kind == 'endEvent']
    others = [element for kind, element in candidates if kind != 'endEvent']
    preferred = (ends or others) if completed else (others or ends)
    return preferred[0] if preferred else None


def upgrade() -> None:
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stage_element', sa.String(length=100), nullable=True))
    bind = op.get_bind()
    instance = sa.table('process_instance', sa.column('definition_id', sa.Integer), sa.column('stage', sa.String),
                        sa.column('status', sa.String), sa.column('stage_element', sa.String))
    definition = sa.table('process_definition', sa.column('id', sa.Integer), sa.column('key', sa.String),
                          sa.column('bpmn_xml', sa.Text))
    used = bind.execute(sa.select(instance.c.definition_id, instance.c.stage).distinct()
                        .where(instance.c.stage.is_not(None))).all()
    stages_of: dict[int, set[str]] = {}
    for definition_id, stage in used:
        stages_of.setdefault(definition_id, set()).add(stage)
    for definition_id, stages in stages_of.items():
        row = bind.execute(sa.select(definition.c.key, definition.c.bpmn_xml)
                           .where(definition.c.id == definition_id)).first()
        staged = _staged_elements(row.bpmn_xml, row.key) if row is not None else {}
        for stage in stages:
            for completed in (True, False):
                element = _chosen(staged.get(stage, []), completed)
                if element is None:
                    continue
                finished = instance.c.status == 'completed'
                bind.execute(instance.update().where(
                    instance.c.definition_id == definition_id, instance.c.stage == stage,
                    finished if completed else ~finished).values(stage_element=element))


def downgrade() -> None:
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.drop_column('stage_element')
