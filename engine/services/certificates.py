"""Service tasks of certificate_issuance (called from compliance_review)."""
from __future__ import annotations

from engine import clock
from engine.domain import certificates
from engine.services import ServiceContext, service
from storage.models import Application, Certificate


@service("certificate.issue")
def issue(context: ServiceContext, task) -> dict:
    application = context.get(Application, task.data["application_id"])
    certificate = certificates.issue(context.session, application)
    return {"certificate_id": certificate.id, "number": certificate.number}


@service("certificate.publish")
def publish(context: ServiceContext, task) -> dict:
    """达标结果 lists issued applications at once; the enterprise and institution are told."""
    certificate = context.get(Certificate, task.data["certificate_result"]["certificate_id"])
    certificate.application.updated_at = clock.now()  # 已发证: the BPMN stage, projected by the save
    certificates.announce(context.session, certificate)
    return {"certificate_id": certificate.id}
