"""企业信息填报 and 服务机构信息填报: what an organisation tells the programme about itself.

One row per organisation, written by the organisation only and not vetted; the
vetted particulars (单位名称, 统一社会信用代码) stay on ``organization``. Choice
fields hold keys (engine.domain.profiles lists them); the forms give the labels.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.db import Base, UTCDateTime, utcnow
from storage.models.files import StoredFile


class EnterpriseProfile(Base):
    """企业信息填报: 企业基本信息, 企业标准化管理情况信息, 企业标准化需求."""

    __tablename__ = "enterprise_profile"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    # 企业基本信息
    email: Mapped[str | None] = mapped_column(String(254))
    business_info: Mapped[str | None] = mapped_column(Text)  # 企业经营信息
    scale: Mapped[str] = mapped_column(String(20))  # 企业规模
    ownership: Mapped[str] = mapped_column(String(20))  # 企业类型
    industry: Mapped[str] = mapped_column(String(200))  # 具体行业领域
    sector: Mapped[str] = mapped_column(String(20))  # 行业分类 (一产/二产/三产)
    # 所属行业: a GB/T 4754 class code, section letter first ("C3761"); None: not filled in (before 0029).
    industry_code: Mapped[str | None] = mapped_column(String(5))
    main_products: Mapped[str] = mapped_column(Text)  # 主营(核心)产品或服务
    # 企业标准化管理情况信息
    standardization_body: Mapped[str] = mapped_column(String(20))
    full_time_staff: Mapped[int] = mapped_column(Integer, default=0)
    part_time_staff: Mapped[int] = mapped_column(Integer, default=0)
    # Standards the enterprise led or took part in drafting, by level; its own enterprise standards.
    international_standards: Mapped[int] = mapped_column(Integer, default=0)
    national_standards: Mapped[int] = mapped_column(Integer, default=0)
    industry_standards: Mapped[int] = mapped_column(Integer, default=0)
    local_standards: Mapped[int] = mapped_column(Integer, default=0)
    group_standards: Mapped[int] = mapped_column(Integer, default=0)
    enterprise_standards: Mapped[int] = mapped_column(Integer, default=0)
    management_notes: Mapped[str | None] = mapped_column(Text)  # 标准化工作情况
    # 企业标准化需求
    needs: Mapped[list] = mapped_column(JSON, default=list)
    needs_detail: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class InstitutionProfile(Base):
    """服务机构信息填报 of a third-party technical institution, with its 相关附件."""

    __tablename__ = "institution_profile"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    institution_type: Mapped[str] = mapped_column(String(20))  # 机构类型
    accreditations: Mapped[list] = mapped_column(JSON, default=list)  # 资质情况
    email: Mapped[str | None] = mapped_column(String(254))
    staff: Mapped[int] = mapped_column(Integer, default=0)  # 技术人员数
    senior_staff: Mapped[int] = mapped_column(Integer, default=0)  # 其中高级职称
    capabilities: Mapped[str] = mapped_column(Text)  # 服务能力简介
    cases: Mapped[str | None] = mapped_column(Text)  # 典型服务案例
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    files: Mapped[list[InstitutionProfileFile]] = relationship(
        order_by="InstitutionProfileFile.id", cascade="all, delete-orphan", lazy="selectin")


class InstitutionProfileFile(Base):
    """One 相关附件 (资质证书, 认可证书 …) of an institution's 服务机构信息."""

    __tablename__ = "institution_profile_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("institution_profile.organization_id"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"), index=True)

    file: Mapped[StoredFile] = relationship(lazy="joined")
