"""Service tasks of certificate_issuance (called from compliance_review)."""
from __future__ import annotations
