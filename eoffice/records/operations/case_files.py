"""Case files: opening one (from the file list or ad hoc), filing documents at consecutive ordinals, ordering
and removing them, editing, closing and reopening; every step in the case file's history."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from eoffice.accounts.models import Unit, User
from eoffice.api_base import ApiError, invalid
from eoffice.db import savepoint
from eoffice.documents import clock
from eoffice.documents import policy as document_policy
from eoffice.documents.fulltext import fold
from eoffice.documents.models import Document, Status
from eoffice.extensions import db
from eoffice.records import workflow
from eoffice.records.models import (
    AccessRegime,
    CaseFile,
    CaseFileDocument,
    CaseFileEvent,
    CaseFileStatus,
    FileListEntry,
)
from eoffice.records.workflow import Action, Transition

# What is filed: documents whose handling has ended (incoming) or that went out (outgoing).
FILEABLE = frozenset({Status.COMPLETED, Status.ISSUED, Status.RECALLED, Status.REPLACED})
# The metadata a person writes; the dates and totals come from the documents.
EDITABLE = ("title", "retention_years", "access_regime", "language", "keywords", "physical_state", "note")


def record_event(
    case_file: CaseFile,
    actor: User | None,
    action: Action | str,
    *,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> CaseFileEvent:
    event = CaseFileEvent(
        actor_id=actor.id if actor else None,
        actor_name=actor.full_name if actor else "Hệ thống",
        action=str(action),
        reason=(reason or "").strip() or None,
        details=details or {},
        created_at=clock.now(),
    )
    case_file.history.append(event)
    return event


def _enter(case_file: CaseFile, transition: Transition) -> None:
    case_file.status = transition.target


def index_case_file(case_file: CaseFile) -> None:
    """Title, code and keywords without diacritics: "ho so" finds "Hồ sơ"."""
    case_file.search_text = fold(" ".join([case_file.code, case_file.title, case_file.keywords or ""]))


def document_day(document: Document) -> date:
    """The date a document carries in a case file: issued, else arrived, else registered in the system."""
    return document.issued_date or document.arrival_date or clock.vietnam_date(document.created_at)


def refresh_totals(case_file: CaseFile) -> None:
    """Start and end dates, number of documents and of pages: from the documents filed."""
    documents = [entry.document for entry in case_file.entries]
    days = [document_day(document) for document in documents]
    case_file.document_count = len(documents)
    case_file.page_count = sum(document.page_count or 0 for document in documents)
    case_file.start_date = min(days) if days else None
    case_file.end_date = max(days) if days else None


def lock_case_file(case_file: CaseFile) -> None:
    """Serialise the changes of one case file's documents until the commit, then read it afresh.

    PostgreSQL: a row lock on the case file. SQLite: the first write of a transaction takes the
    database's write lock (pysqlite opens the transaction just before it), so the ordinals read next
    are the latest.
    """
    table = CaseFile.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(table.c.id).where(table.c.id == case_file.id).with_for_update())
    else:
        db.session.execute(update(table).where(table.c.id == case_file.id).values(status=table.c.status))
    db.session.refresh(case_file)
    db.session.expire(case_file, ["entries"])


def _unit_of(user: User, unit_id: int | None) -> Unit | None:
    if unit_id is None:
        return None
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.agency_id != user.agency_id:
        raise invalid("unit_id", f"no unit {unit_id} in your agency")
    return unit


def open_case_file(actor: User, data: dict[str, Any]) -> CaseFile:
    """Open a case file of the actor's agency, planned in the file list (`file_list_entry_id`) or ad hoc."""
    agency_id = actor.agency_id
    workflow.check_open(actor, agency_id)
    entry = None
    if data.get("file_list_entry_id") is not None:
        entry = db.session.get(FileListEntry, data["file_list_entry_id"])
        if entry is None or entry.agency_id != agency_id:
            raise invalid("file_list_entry_id", "no such entry in your agency's file list")
    planned = {
        "year": entry.year if entry else None,
        "notation": entry.notation if entry else None,
        "title": entry.title if entry else None,
        "retention_years": entry.retention_years if entry else None,
        "unit_id": entry.unit_id if entry else None,
    }
    values = {key: data.get(key) if data.get(key) is not None else planned.get(key) for key in planned}
    values["year"] = values["year"] or clock.vietnam_date(clock.now()).year
    for field in ("notation", "title"):
        if not values[field]:
            raise invalid(field, "required when the case file is not opened from the file list")
    if "retention_years" not in data and entry is None:
        raise invalid("retention_years", "give the years to keep it, or null for permanently")
    if data.get("retention_years") is None and "retention_years" in data:
        values["retention_years"] = None
    unit = _unit_of(actor, values["unit_id"] or actor.unit_id)
    case_file = CaseFile(
        agency_id=agency_id,
        year=values["year"],
        notation=values["notation"],
        title=values["title"],
        retention_years=values["retention_years"],
        file_list_entry_id=entry.id if entry else None,
        access_regime=data.get("access_regime") or AccessRegime.OPEN,
        language=data.get("language") or "vi",
        keywords=data.get("keywords"),
        physical_state=data.get("physical_state"),
        note=data.get("note"),
        unit_id=unit.id if unit else None,
        responsible_id=actor.id,
        responsible_name=actor.full_name,
        status=CaseFileStatus.OPEN,
        created_at=clock.now(),
    )
    index_case_file(case_file)
    record_event(case_file, actor, Action.OPEN)
    try:
        with savepoint(db.session):
            db.session.add(case_file)
            db.session.flush()
    except IntegrityError:
        raise ApiError(
            409,
            "case_file_code_taken",
            f"the agency already has a case file {case_file.code}",
            {"json": {"notation": [f"{case_file.code} exists for {case_file.year}"]}},
        ) from None
    return case_file


def edit(case_file: CaseFile, actor: User, changes: dict[str, Any], reason: str | None = None) -> CaseFile:
    workflow.check(case_file, Action.EDIT, actor, reason)
    changed = {}
    for field in EDITABLE:
        if field in changes and getattr(case_file, field) != changes[field]:
            changed[field] = [getattr(case_file, field), changes[field]]
            setattr(case_file, field, changes[field])
    if changed:
        index_case_file(case_file)
        record_event(case_file, actor, Action.EDIT, reason=reason, details={"changed": changed})
    db.session.flush()
    return case_file


def _fileable_document(case_file: CaseFile, actor: User, document_id: int) -> Document:
    document = db.session.get(Document, document_id)
    if (
        document is None
        or document.agency_id != case_file.agency_id
        or not document_policy.can(actor, document_policy.Permission.VIEW_DOCUMENT, document)
    ):
        raise invalid("document_id", f"no document {document_id} of this agency that you may see")
    if document.status not in FILEABLE:
        raise ApiError(
            409,
            "invalid_state",
            f"a document is filed once handled or issued; this one is {document.status}",
            {"status": document.status, "action": str(Action.FILE_DOCUMENT), "allowed_actions": []},
        )
    return document


def file_document(
    case_file: CaseFile, actor: User, document_id: int, reason: str | None = None
) -> CaseFileDocument:
    """File the document at the next ordinal; a document is filed once per agency (409 `already_filed`)."""
    workflow.check(case_file, Action.FILE_DOCUMENT, actor, reason)
    document = _fileable_document(case_file, actor, document_id)
    lock_case_file(case_file)
    # The state again, under the lock: a close that committed meanwhile wins.
    workflow.check(case_file, Action.FILE_DOCUMENT, actor, reason)
    filed = db.session.scalar(
        select(CaseFileDocument).where(
            CaseFileDocument.agency_id == case_file.agency_id, CaseFileDocument.document_id == document.id
        )
    )
    if filed is not None:
        raise _already_filed(document, filed)
    last = db.session.scalar(
        select(func.max(CaseFileDocument.ordinal)).where(CaseFileDocument.case_file_id == case_file.id)
    )
    try:
        # The entry joins the session inside the savepoint: begin_nested() flushes what is pending
        # first, and an insert that failed there would take the whole transaction with it (a 500).
        with savepoint(db.session):
            entry = CaseFileDocument(
                agency_id=case_file.agency_id,
                document=document,
                ordinal=(last or 0) + 1,
                filed_by_id=actor.id,
                filed_at=clock.now(),
            )
            case_file.entries.append(entry)
            db.session.flush()
    except IntegrityError:
        # Filed meanwhile into another case file, whose lock is not ours; the request rolls back.
        raise _already_filed(document, None) from None
    refresh_totals(case_file)
    record_event(
        case_file,
        actor,
        Action.FILE_DOCUMENT,
        reason=reason,
        details={"document_id": document.id, "ordinal": entry.ordinal},
    )
    db.session.flush()
    return entry


def _already_filed(document: Document, filed: CaseFileDocument | None) -> ApiError:
    where = f" in {filed.case_file.code}" if filed is not None else ""
    return ApiError(
        409,
        "already_filed",
        f"document {document.id} is filed already{where}",
        {"document_id": document.id, "case_file_id": filed.case_file_id if filed is not None else None},
    )


def _renumber(case_file: CaseFile, order: list[int]) -> None:
    """Give the entries (by id, in this order) the ordinals 1..n. Through negative values: the ordinals are
    unique per case file at every row written, on PostgreSQL as on SQLite."""
    table = CaseFileDocument.__table__
    for ordinal, entry_id in enumerate(order, start=1):
        db.session.execute(update(table).where(table.c.id == entry_id).values(ordinal=-ordinal))
    db.session.execute(
        update(table)
        .where(table.c.case_file_id == case_file.id, table.c.ordinal < 0)
        .values(ordinal=-table.c.ordinal)
    )
    db.session.expire(case_file, ["entries"])


def remove_document(case_file: CaseFile, actor: User, document_id: int, reason: str | None = None) -> None:
    """Take a document out; the ones after it move up, so the ordinals stay 1..n."""
    workflow.check(case_file, Action.REMOVE_DOCUMENT, actor, reason)
    lock_case_file(case_file)
    workflow.check(case_file, Action.REMOVE_DOCUMENT, actor, reason)
    entry = next((e for e in case_file.entries if e.document_id == document_id), None)
    if entry is None:
        raise invalid("document_id", f"document {document_id} is not in this case file")
    ordinal = entry.ordinal
    case_file.entries.remove(entry)
    db.session.flush()
    _renumber(case_file, [e.id for e in case_file.entries])
    refresh_totals(case_file)
    record_event(
        case_file,
        actor,
        Action.REMOVE_DOCUMENT,
        reason=reason,
        details={"document_id": document_id, "ordinal": ordinal},
    )
    db.session.flush()


def reorder(case_file: CaseFile, actor: User, document_ids: list[int], reason: str | None = None) -> None:
    """Put the documents in this order (every document of the case file, once)."""
    workflow.check(case_file, Action.REORDER, actor, reason)
    lock_case_file(case_file)
    workflow.check(case_file, Action.REORDER, actor, reason)
    by_document = {entry.document_id: entry for entry in case_file.entries}
    if len(document_ids) != len(set(document_ids)) or set(document_ids) != set(by_document):
        raise invalid("document_ids", "list every document of the case file exactly once")
    before = [entry.document_id for entry in case_file.entries]
    _renumber(case_file, [by_document[document_id].id for document_id in document_ids])
    record_event(
        case_file, actor, Action.REORDER, reason=reason, details={"before": before, "after": document_ids}
    )
    db.session.flush()


def close(case_file: CaseFile, actor: User) -> CaseFile:
    transition = workflow.check(case_file, Action.CLOSE, actor)
    lock_case_file(case_file)
    transition = workflow.check(case_file, Action.CLOSE, actor)
    if not case_file.entries:
        raise ApiError(
            409,
            "invalid_state",
            "a case file with no documents is not closed",
            {"status": case_file.status, "action": str(Action.CLOSE), "allowed_actions": []},
        )
    refresh_totals(case_file)
    _enter(case_file, transition)
    case_file.closed_at = clock.now()
    record_event(case_file, actor, Action.CLOSE, details={"document_count": case_file.document_count})
    db.session.flush()
    return case_file


def reopen(case_file: CaseFile, actor: User, reason: str | None = None) -> CaseFile:
    transition = workflow.check(case_file, Action.REOPEN, actor, reason)
    lock_case_file(case_file)
    transition = workflow.check(case_file, Action.REOPEN, actor, reason)
    _enter(case_file, transition)
    case_file.closed_at = None
    record_event(case_file, actor, Action.REOPEN, reason=reason)
    db.session.flush()
    return case_file
