"""The one table of business stages: BPMN elements carry the code, users see the label."""
from __future__ import annotations

STAGE_LABELS: dict[str, str] = {
    # registration_vetting
    "vetting": "待审核",
    "returned": "已退回",
    "withdrawn": "已撤回",
    "approved": "审核通过",
    "rejected": "不予通过",
    # comparison_report
    "report_drafting": "待上传比对分析报告",
    "report_review": "平台备案及形式审核",
    "report_approved": "比对分析报告审核通过",
    # formal_plan
    "plan_drafting": "方案编制中",
    "plan_review": "正式版审核中",
    "awaiting_publicity": "待公示",
    # publicity
    "publicity": "公示中",
    "comments_review": "修订意见处理",
    "published": "发布",
    # compliance_review and certificate_issuance
    "institution_review": "待机构审核",
    "office_review": "待专项办审核",
    "evaluation_returned": "待机构重新评价",
    "issued": "已发证",
    "failed": "未达标",
    # self_declaration
    "declared": "已发布（待核查）",
    "confirmed": "已核查",
    "taken_down": "已撤下",
}

STATUS_LABELS: dict[str, str] = {
    "running": "进行中",
    "waiting": "等待中",
    "completed": "已完成",
    "cancelled": "已取消",
    "error": "出错",
    "suspended": "已挂起",
}


def stage_label(code: str | None) -> str:
    if not code:
        return ""
    return STAGE_LABELS.get(code, code)


def status_label(code: str | None) -> str:
    return STATUS_LABELS.get(code or "", code or "")
