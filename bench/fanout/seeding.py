"""The fan-out benchmark's people and document: the organiser and N delegates inserted directly, each
delegate's devices, the PDF turned page by page."""

from __future__ import annotations

import io
from dataclasses import dataclass

import sqlalchemy as sa
from pypdf import PdfWriter

AGENCY_ID = "000.00.00.H49"
ORGANISER = "bench-organiser"
PASSWORD = "Bench-mật-khẩu-2026"


def delegate_username(index: int) -> str:
    return f"daibieu{index:05d}"


@dataclass(frozen=True)
class DeviceLogin:
    """One tablet of a delegate: the device id it logged in with and the access token it got."""

    user_id: int
    device_id: str
    token: str

    def for_loadgen(self) -> dict[str, str | int]:
        return {"token": self.token, "device_id": self.device_id, "user_id": self.user_id}


def make_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def insert_organiser_and_delegates(count: int) -> list[int]:
    """In an app context: the agency, its organiser (a clerk) and `count` delegates; the delegates' ids.

    The delegates are inserted directly and share the organiser's password hash: N argon2 hashes
    would take minutes.
    """
    from eoffice.accounts import operations as accounts
    from eoffice.accounts.models import Role, User, UserRole
    from eoffice.extensions import db

    accounts.create_agency(AGENCY_ID, "Ủy ban nhân dân tỉnh Quảng Nam")
    organiser = accounts.create_user(
        username=ORGANISER,
        password=PASSWORD,
        full_name="Văn thư",
        agency_id=AGENCY_ID,
        roles=[Role.CLERK.value],
    )
    rows = [
        {
            "username": delegate_username(i),
            "password_hash": organiser.password_hash,
            "full_name": f"Đại biểu {i}",
            "agency_id": AGENCY_ID,
        }
        for i in range(count)
    ]
    db.session.execute(sa.insert(User), rows)
    user_ids = list(
        db.session.scalars(sa.select(User.id).where(User.username.like("daibieu%")).order_by(User.username))
    )
    db.session.execute(
        sa.insert(UserRole), [{"user_id": user_id, "role": Role.SPECIALIST.value} for user_id in user_ids]
    )
    db.session.commit()
    db.engine.dispose()
    return user_ids


def delegates_for(devices: int, devices_per_delegate: int) -> int:
    if devices % devices_per_delegate:
        raise SystemExit(f"{devices} devices are not {devices_per_delegate} devices for each delegate")
    return devices // devices_per_delegate
