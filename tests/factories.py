"""Test data: real rows through the same domain services the app uses."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

import demodata
from demodata import accounts as demo_accounts
from engine.domain import registration
from engine.domain.registration import Documents
from storage.files import FileStore

# The work factor of the fixtures' password hashes: scrypt as in production (checked by the same
# check_password_hash at every login), with N = 2**10 instead of 2**15 — each login of a fixture user
# costs ~2 ms instead of ~0.1-0.2 s, and the suite logs in thousands of times.
FIXTURE_HASH_METHOD = "scrypt:1024:8:1"
_hashes: dict[str, str] = {}


def remembered_hash(password: str) -> str:
    if password not in _hashes:
        _hashes[password] = generate_password_hash(password, method=FIXTURE_HASH_METHOD)
    return _hashes[password]


@contextmanager
def remembered_password_hashes() -> Iterator[None]:
    """While creating fixture users, hash each password once per session, with a small work factor.

    The hashes are real scrypt hashes, so logging in checks them as in production; the registrations
    the tests post to /register, password changes and invitations hash as the platform does
    (tests/engine/test_domain_accounts.py checks that hash).
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo_accounts, "hash_password", remembered_hash)
        patch.setattr(registration, "hash_password", remembered_hash)
        yield


def well_formed_pdf(*objects: bytes) -> bytes:
    """A PDF with a correct cross-reference table (uploads are parsed: issue 14)."""
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj" % number + body + b"endobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# One blank page; tests vary it by replacing "200 200" with a size of the same length.
PDF_BYTES = well_formed_pdf(b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
                            b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>")

ORG_FIELDS = {"province_code": "440000", "city_code": "440300", "name": "深圳测试科技有限公司",
              "contact": "李四", "phone": "13912345678"}


def office_user(session, email="office@test.cn"):
    with remembered_password_hashes():
        return demodata.ensure_user(session, email, "Office#123", "office", "对标达标提升专项行动办公室")


def registered(session, store_root: Path, email="applicant@test.cn", user_type="enterprise",
               **fields):
    store = FileStore(store_root)
    documents = Documents({"business_license": store.save(session, PDF_BYTES, "营业执照.pdf",
                                                          "application/pdf")})
    if user_type == "institution":
        documents.files["qualification"] = store.save(session, PDF_BYTES, "资质.pdf",
                                                      "application/pdf")
    with remembered_password_hashes():
        return registration.register(session, user_type, email, "Secret#123",
                                     {**ORG_FIELDS, **fields}, documents)


def pilot(session, office, recruit_type="institution", deadline=None, title=None):
    from datetime import date

    from engine.domain import pilots

    return pilots.create_pilot(session, office, {
        "title": title or ("电动自行车产品试点第三方技术机构招募" if recruit_type == "institution"
                           else "电动自行车产品试点企业招募"),
        "product_name": "两轮电动自行车", "recruit_type": recruit_type, "field": "product",
        "description": "招募承担对标方案编制的第三方技术机构。", "deadline": deadline or date(2026, 12, 31),
    }, [])


def active_member(session, email, role, org_name):
    with remembered_password_hashes():
        return demodata.ensure_user(session, email, "Member#123", role, org_name)
