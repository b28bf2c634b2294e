"""Service tasks of compliance_review (参与达标)."""
from __future__ import annotations
