"""Service tasks of self_declaration (我要对标): the only writers of ``declaration.status``."""
from __future__ import annotations

from engine import clock
from engine.domain.messages import notify
from engine.services import ServiceContext, inputs, service
from storage.models import Declaration

_LINK = "/my/declarations"

inputs("self_declaration", "declaration_id", "enterprise_org_id")


def _declaration(context: ServiceContext, task) -> Declaration:
    return context.get(Declaration, task.data["declaration_id"])


@service("declaration.publish")
def publish(context: ServiceContext, task) -> dict:
    """A self-declaration is public at once; the office checks it afterwards."""
    declaration = _declaration(context, task)
    declaration.status, declaration.published_at = "published", clock.now()
    return {"declaration_id": declaration.id}


@service("declaration.confirm")
def confirm(context: ServiceContext, task) -> dict:
    declaration = _declaration(context, task)
    declaration.status = "confirmed"
    return {"declaration_id": declaration.id}


@service("declaration.take_down")
def take_down(context: ServiceContext, task) -> dict:
    """Out of 对标结果; the enterprise is told why (the reason is also shown publicly)."""
    declaration = _declaration(context, task)
    declaration.status, declaration.taken_down_at = "taken_down", clock.now()
    notify(context.session, declaration.enterprise_id, "自我声明已被专项办撤下",
           f"产品：{declaration.product_name}（型号 {declaration.product_model}）\n"
           f"撤下原因：{declaration.taken_down_reason or ''}", _LINK)
    return {"declaration_id": declaration.id}


@service("declaration.withdraw")
def withdraw(context: ServiceContext, task) -> dict:
    """撤回 by the enterprise before the office's 核查: out of 对标结果 at once."""
    declaration = _declaration(context, task)
    declaration.status = "withdrawn"
    return {"declaration_id": declaration.id}
