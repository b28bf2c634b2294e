"""Test data: real rows through the same domain services the app uses."""
from __future__ import annotations

from pathlib import Path

import demodata
from engine.domain import registration
from engine.domain.registration import Documents
from storage.files import FileStore


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
    return demodata.ensure_user(session, email, "Office#123", "office", "对标达标提升专项行动办公室")


def registered(session, store_root: Path, email="applicant@test.cn", user_type="enterprise",
               **fields):
    store = FileStore(store_root)
    documents = Documents({"business_license": store.save(session, PDF_BYTES, "营业执照.pdf",
                                                          "application/pdf")})
    if user_type == "institution":
        documents.files["qualification"] = store.save(session, PDF_BYTES, "资质.pdf",
                                                      "application/pdf")
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
    return demodata.ensure_user(session, email, "Member#123", role, org_name)
