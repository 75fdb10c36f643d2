"""Agencies (by their national identifier), their units and their users."""

from __future__ import annotations

import enum
import re
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.db import Base, UTCDateTime, utcnow

# Mã định danh: V1V2V3.Z1Z2.Y1Y2.X1X2X3, levels 4..1 left to right; level 1 is a letter and two digits.
AGENCY_ID_PATTERN = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")


def is_valid_agency_id(value: str) -> bool:
    return bool(AGENCY_ID_PATTERN.fullmatch(value))


class Role(enum.StrEnum):
    ADMIN = "admin"
    CLERK = "clerk"
    LEADER = "leader"
    SPECIALIST = "specialist"
    # Keeps the agency archive (lưu trữ cơ quan): receives closed case files, amends them with a reason.
    ARCHIVIST = "archivist"


class Agency(Base):
    __tablename__ = "agencies"

    id: Mapped[str] = mapped_column(String(13), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    abbreviation: Mapped[str | None] = mapped_column(String(20))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    units: Mapped[list[Unit]] = relationship(back_populates="agency", order_by="Unit.id")


class DirectoryAgency(Base):
    """An agency connected to the national axis, as its list of agencies names it (GET agencies): what a
    clerk picks the issuer of an incoming document or the recipients of an outgoing one from."""

    __tablename__ = "directory_agencies"

    id: Mapped[str] = mapped_column(String(13), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[str | None] = mapped_column(String(13))
    # The name lowercased without diacritics (documents.fulltext.fold): searched with LIKE.
    search_name: Mapped[str] = mapped_column(String(200), index=True)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("agency_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    abbreviation: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agency: Mapped[Agency] = relationship(back_populates="units")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    language: Mapped[str] = mapped_column(String(5), default="vi")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # Raised when one of the user's devices is revoked: the keys of offline meeting books (meetings.offline)
    # derive from it, so a revoked device's key opens nothing downloaded afterwards.
    offline_key_generation: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    agency: Mapped[Agency] = relationship()
    unit: Mapped[Unit | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", order_by="UserRole.role", lazy="selectin"
    )

    @property
    def roles(self) -> list[str]:
        return [row.role for row in self.role_rows]

    def has_role(self, role: Role | str) -> bool:
        return str(role) in self.roles


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
