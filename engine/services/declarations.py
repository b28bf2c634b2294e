"""Service tasks of self_declaration (我要对标). ``declaration.status`` is the process stage, written by
the engine's save (engine.projection); these keep the facts: 发布时间, 撤下时间."""
from __future__ import annotations

from engine import clock
from engine.domain.messages import notify
from engine.projection import project_onto
from engine.services import ServiceContext, inputs, service
from engine.text import N_, lines
from storage.models import Declaration

_LINK = "/my/declarations"

inputs("self_declaration", "declaration_id", "enterprise_org_id")
project_onto("self_declaration", Declaration, "declaration_id")


def _declaration(context: ServiceContext, task) -> Declaration:
    return context.get(Declaration, task.data["declaration_id"])


@service("declaration.publish")
def publish(context: ServiceContext, task) -> dict:
    """A self-declaration is public at once; the office checks it afterwards."""
    declaration = _declaration(context, task)
    declaration.published_at = clock.now()
    return {"declaration_id": declaration.id}


@service("declaration.confirm")
def confirm(context: ServiceContext, task) -> dict:
    declaration = _declaration(context, task)  # 已核查: the stage, projected by the engine's save
    return {"declaration_id": declaration.id}


@service("declaration.take_down")
def take_down(context: ServiceContext, task) -> dict:
    """Out of 对标结果; the enterprise is told why (the reason is also shown publicly)."""
    declaration = _declaration(context, task)
    declaration.taken_down_at = clock.now()
    notify(context.session, declaration.enterprise_id, N_("自我声明已被专项办撤下"),
           lines(N_("产品：%(product)s（型号 %(model)s）", product=declaration.product_name,
                    model=declaration.product_model),
                 N_("撤下原因：%(reason)s", reason=declaration.taken_down_reason or "")), _LINK)
    return {"declaration_id": declaration.id}


@service("declaration.withdraw")
def withdraw(context: ServiceContext, task) -> dict:
    """撤回 by the enterprise before the office's 核查: out of 对标结果 at once."""
    declaration = _declaration(context, task)  # 已撤回: the stage, projected by the engine's save
    return {"declaration_id": declaration.id}
