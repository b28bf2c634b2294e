"""对标方案 in the browser: 编制方案 (draft_report: 对标方案名称 + 比对分析报告) from 我参与的, the
office's 平台备案及形式审核, 我的方案 and 提交正式版 (draft_plan: 标准号, 标准名称, 参编单位, three
PDFs and the 指标项 table; 保存 keeps a draft, 提交 completes), the office's 正式版方案审核, who may
see what, and the JSON API."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from engine.domain import standards as _unused  # noqa: F401  (kept out: see below)
