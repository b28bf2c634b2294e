"""Service tasks of publicity (called from formal_plan)."""
from __future__ import annotations

from engine.domain import publicity
from engine.services import ServiceContext, service
from storage.models import Plan


def _plan(context: ServiceContext, task) -> Plan:
    return context.get(Plan, task.data["plan_id"])


@service("publicity.open")
def open_publicity(context: ServiceContext, task) -> dict:
    return {"duration": publicity.open_round(context.session, _plan(context, task))}


@service("publicity.close")
def close_publicity(context: ServiceContext, task) -> dict:
    return {"comment_count": publicity.close_round(context.session, int(task.data["plan_id"]))}


@service("publicity.publish")
def publish(context: ServiceContext, task) -> dict:
    publicity.publish(context.session, _plan(context, task))
    return {"outcome": "published"}


@service("publicity.send_back")
def send_back(context: ServiceContext, task) -> dict:
    publicity.send_back(context.session, _plan(context, task))
    return {"outcome": "revise"}
