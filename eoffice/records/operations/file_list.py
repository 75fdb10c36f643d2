"""The file list (danh mục hồ sơ) of an agency and year: its entries under unit headings, copied from last
year's at the start of a year, printed as PDF or CSV."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from eoffice.accounts.models import Agency, Unit, User
from eoffice.api_base import ApiError, invalid
from eoffice.db import savepoint
from eoffice.documents.registers import Register
from eoffice.extensions import db
from eoffice.records.models import FileListEntry
from eoffice.records.policy import Permission, authorize

FIELDS = ("heading", "position", "notation", "title", "retention_years", "unit_id", "responsible_id", "note")
COLUMNS = [
    "Số, ký hiệu hồ sơ",
    "Tên đề mục và tiêu đề hồ sơ",
    "Thời hạn bảo quản",
    "Đơn vị, người lập hồ sơ",
    "Ghi chú",
]
WIDTHS = [14, 46, 12, 20, 12]


def entries_of(agency_id: str, year: int) -> list[FileListEntry]:
    return list(
        db.session.scalars(
            select(FileListEntry)
            .where(FileListEntry.agency_id == agency_id, FileListEntry.year == year)
            .order_by(FileListEntry.heading, FileListEntry.position, FileListEntry.notation)
        )
    )


def _check_people(agency_id: str, values: dict[str, Any]) -> None:
    if values.get("unit_id") is not None:
        unit = db.session.get(Unit, values["unit_id"])
        if unit is None or unit.agency_id != agency_id:
            raise invalid("unit_id", f"no unit {values['unit_id']} in agency {agency_id}")
    if values.get("responsible_id") is not None:
        person = db.session.get(User, values["responsible_id"])
        if person is None or person.agency_id != agency_id:
            raise invalid("responsible_id", f"no person {values['responsible_id']} in agency {agency_id}")


def _written_unique(entry: FileListEntry, write: Callable[[], None]) -> FileListEntry:
    """Write the entry inside a savepoint: begin_nested() flushes what is pending first, so a write made
    before it that took a notation in use would fail outside it and take the request's transaction along."""
    wanted = (entry.year, entry.notation)
    try:
        with savepoint(db.session):
            write()
            # Named before the flush: a savepoint rolled back expires what changed in it.
            wanted = (entry.year, entry.notation)
            db.session.flush()
    except IntegrityError:
        year, notation = wanted
        raise ApiError(
            409,
            "case_file_code_taken",
            f"the file list of {year} has an entry {notation} already",
            {"json": {"notation": [f"{notation} exists in {year}"]}},
        ) from None
    return entry


def add_entry(actor: User, agency_id: str, data: dict[str, Any]) -> FileListEntry:
    authorize(actor, Permission.MANAGE_FILE_LIST, agency_id)
    if db.session.get(Agency, agency_id) is None:
        raise invalid("agency_id", f"no agency {agency_id}")
    _check_people(agency_id, data)
    entry = FileListEntry(agency_id=agency_id, year=data["year"], **{k: data.get(k) for k in FIELDS})
    entry.position = entry.position or 0
    return _written_unique(entry, lambda: db.session.add(entry))


def change_entry(actor: User, entry: FileListEntry, changes: dict[str, Any]) -> FileListEntry:
    authorize(actor, Permission.MANAGE_FILE_LIST, entry.agency_id)
    _check_people(entry.agency_id, changes)

    def write() -> None:
        for field in FIELDS:
            if field in changes:
                setattr(entry, field, changes[field])

    return _written_unique(entry, write)


def remove_entry(actor: User, entry: FileListEntry) -> None:
    """An entry goes; the case files opened from it keep their own notation and title."""
    authorize(actor, Permission.MANAGE_FILE_LIST, entry.agency_id)
    db.session.delete(entry)
    db.session.flush()


def copy_year(actor: User, agency_id: str, from_year: int, to_year: int) -> list[FileListEntry]:
    """Last year's entries into this year's list, except the notations it has already."""
    authorize(actor, Permission.MANAGE_FILE_LIST, agency_id)
    if from_year == to_year:
        raise invalid("to_year", "copy into another year")
    present = {entry.notation for entry in entries_of(agency_id, to_year)}
    copied = [
        FileListEntry(
            agency_id=agency_id,
            year=to_year,
            **{field: getattr(source, field) for field in FIELDS},
        )
        for source in entries_of(agency_id, from_year)
        if source.notation not in present
    ]
    db.session.add_all(copied)
    db.session.flush()
    return copied


def retention_label(years: int | None) -> str:
    return "Vĩnh viễn" if years is None else f"{years} năm"


def file_list_register(agency: Agency, year: int) -> Register:
    """The printed file list: a row per heading, then its entries (PDF and CSV as the registers are)."""
    rows: list[list[str]] = []
    heading = None
    for entry in entries_of(agency.id, year):
        if entry.heading != heading:
            heading = entry.heading
            rows.append(["", heading.upper(), "", "", ""])
        who = ", ".join(
            name
            for name in (
                entry.unit.name if entry.unit else "",
                entry.responsible.full_name if entry.responsible else "",
            )
            if name
        )
        rows.append(
            [entry.notation, entry.title, retention_label(entry.retention_years), who, entry.note or ""]
        )
    return Register(
        f"DANH MỤC HỒ SƠ NĂM {year}",
        agency.name,
        (date(year, 1, 1), date(year, 12, 31)),
        COLUMNS,
        WIDTHS,
        rows,
    )
