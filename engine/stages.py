"""The one table of business stages: BPMN elements carry the code, users see the label."""
from __future__ import annotations

from engine.text import N_

STAGE_LABELS: dict[str, str] = {
    # registration_vetting
    "vetting": N_("待审核"),
    "returned": N_("已退回"),
    "withdrawn": N_("已撤回"),
    "approved": N_("审核通过"),
    "rejected": N_("不予通过"),
    # comparison_report
    "report_drafting": N_("待上传比对分析报告"),
    "report_review": N_("平台备案及形式审核"),
    "report_approved": N_("比对分析报告审核通过"),
    # formal_plan
    "plan_drafting": N_("方案编制中"),
    "plan_review": N_("正式版审核中"),
    "awaiting_publicity": N_("待公示"),
    # publicity
    "publicity": N_("公示中"),
    "comments_review": N_("修订意见处理"),
    "published": N_("发布"),
    # compliance_review and certificate_issuance
    "institution_review": N_("待机构审核"),
    "office_review": N_("待专项办审核"),
    "evaluation_returned": N_("待机构重新评价"),
    "issued": N_("已发证"),
    "failed": N_("未达标"),
    # self_declaration
    "declared": N_("已发布（待核查）"),
    "confirmed": N_("已核查"),
    "taken_down": N_("已撤下"),
}

STATUS_LABELS: dict[str, str] = {
    "running": N_("进行中"),
    "waiting": N_("等待中"),
    "completed": N_("已完成"),
    "cancelled": N_("已取消"),
    "error": N_("出错"),
    "suspended": N_("已挂起"),
}


def stage_label(code: str | None) -> str:
    if not code:
        return ""
    return STAGE_LABELS.get(code, code)


def status_label(code: str | None) -> str:
    return STATUS_LABELS.get(code or "", code or "")
