"""Organisations, users, tokens, SMS codes, messages and registration history."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.db import Base, UTCDateTime, utcnow
from storage.models.reviewed import Reviewed

ORG_KINDS = ("enterprise", "institution", "office", "platform")
ORG_STATUSES = ("pending", "active", "rejected", "withdrawn", "disabled")


class Organization(Base):
    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18))
    province_code: Mapped[str | None] = mapped_column(String(6), index=True)  # the 省份 filters (0026)
    city_code: Mapped[str | None] = mapped_column(String(6))
    contact: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(200))
    founded_on: Mapped[date | None] = mapped_column(Date)
    website: Mapped[str | None] = mapped_column(String(200))
    service_field: Mapped[str | None] = mapped_column(String(10))
    legal_rep: Mapped[str | None] = mapped_column(String(50))
    legal_rep_id_number: Mapped[str | None] = mapped_column(String(18))
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="organization")

    @property
    def is_active(self) -> bool:
        return self.status == "active"


class PersonRoles:
    """What a person's ``roles``, ``rights``, ``full_name`` and ``email`` say: shared by the User row and
    the API's light caller (engine.domain.auth.ApiCaller)."""

    roles: str
    rights: str
    full_name: str
    email: str

    @property
    def right_set(self) -> frozenset[str]:
        return frozenset(self.rights.split())

    @property
    def display_name(self) -> str:
        return f"{self.full_name}（{self.email}）" if self.full_name else self.email

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(self.roles.split())

    def has_role(self, role: str) -> bool:
        return role in self.role_set


class User(PersonRoles, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    # Space-separated role keys: enterprise, institution, office, designer, operator.
    roles: Mapped[str] = mapped_column(String(100))
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Raised by engine.domain.auth.end_sessions: every web session carries it, an older one opens nothing.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # 单位成员: the person's name and rights within the organisation (engine.domain.team_rights):
    # space-separated keys view, submit, review, admin.
    full_name: Mapped[str] = mapped_column(String(50), default="", server_default="")
    rights: Mapped[str] = mapped_column(String(100), default="view submit review admin",
                                        server_default="view submit review admin")

    organization: Mapped[Organization] = relationship(back_populates="users", lazy="joined")


class OrganizationStatusChange(Base):
    """停用 / 启用 of an enterprise or institution by the office: who, when and why (append-only)."""

    __tablename__ = "organization_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    changed_by: Mapped[User] = relationship(lazy="joined")


class ApiToken(Base):
    """A bearer token; only its SHA-256 digest is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 用户中心 → API 令牌: the name its owner gave it, and when it was revoked (a revoked token is refused).
    name: Mapped[str] = mapped_column(String(100), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class SmsCode(Base):
    __tablename__ = "sms_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    code_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class SpentNonce(Base):
    """Single-use values the server remembers until they expire: the nonce of a session that logged out
    (its cookie no longer opens anything), a captcha already answered (its cookie cannot be replayed)."""

    __tablename__ = "spent_nonce"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Throttle(Base):
    """A failure counter per key (login by e-mail or address) within a window."""

    __tablename__ = "throttle"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Message(Base):
    """我的消息: a notice to an organisation (or one user of it)."""

    __tablename__ = "message"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The notice's title and body as message ids and parameters (engine.text.to_data): 我的消息 shows them
    # in the reader's language; title and body above are their Chinese text (e-mails, exports, older rows).
    words: Mapped[dict | None] = mapped_column(JSON)


class RegistrationSubmission(Reviewed, Base):
    """One submission of registration data (first, resubmission or change); kept as history."""

    __tablename__ = "registration_submission"
    __table_args__ = (UniqueConstraint("organization_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20), default="registration")  # or "change"
    data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    organization: Mapped[Organization] = relationship()
    files: Mapped[list[SubmissionFile]] = relationship(  # noqa: F821
        back_populates="submission", order_by="SubmissionFile.id"
    )
