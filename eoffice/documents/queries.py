"""Listing documents: what the caller may see, what waits for them, keyset pages over (created_at, id)."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select, union
from sqlalchemy.orm import aliased

from eoffice.accounts.models import Role, User
from eoffice.api_base import DB_INT_MAX, EARLIEST_DATE, LATEST_DATE
from eoffice.documents import fulltext
from eoffice.documents.clock import VIETNAM
from eoffice.documents.models import (
    Assignment,
    AssignmentMember,
    DeliveryStatus,
    Direction,
    Document,
    DocumentParticipant,
    HandlingRole,
    Recipient,
    Status,
)
from eoffice.documents.operations.common import invalid
from eoffice.documents.policy import visible_agency, visible_documents
from eoffice.extensions import db


def _current_assignment_member(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(
        Assignment.document_id == Document.id,
        Assignment.superseded_at.is_(None),
        AssignmentMember.assignment_id == Assignment.id,
        *conditions,
    )


def waiting_for(user: User) -> ColumnElement[bool]:
    """The documents the user has to act on now; the default list."""
    unread = ~exists().where(
        DocumentParticipant.document_id == Document.id,
        DocumentParticipant.user_id == user.id,
        DocumentParticipant.read_at.is_not(None),
    )
    handles = [
        and_(
            AssignmentMember.user_id == user.id,
            AssignmentMember.role.in_([HandlingRole.PRIMARY, HandlingRole.CO_HANDLER]),
        )
    ]
    if user.unit_id is not None:
        handles.append(
            and_(AssignmentMember.unit_id == user.unit_id, AssignmentMember.role == HandlingRole.PRIMARY)
        )
    recipient = exists().where(
        Recipient.document_id == Document.id,
        Recipient.delivery_status == DeliveryStatus.DELIVERED,
        or_(Recipient.user_id == user.id, *([Recipient.unit_id == user.unit_id] if user.unit_id else [])),
    )
    clauses = [
        # Reviewer or signer whose turn it is.
        and_(
            Document.status.in_([Status.IN_REVIEW, Status.AWAITING_SIGNATURE]),
            Document.current_reviewer_id == user.id,
        ),
        # Handler or co-handler of the current assignment.
        and_(
            Document.status.in_([Status.ASSIGNED, Status.IN_PROGRESS]),
            _current_assignment_member(or_(*handles)),
        ),
        # Informed, not read yet.
        and_(
            Document.status.in_([Status.ASSIGNED, Status.IN_PROGRESS, Status.COMPLETED]),
            _current_assignment_member(
                AssignmentMember.user_id == user.id, AssignmentMember.role == HandlingRole.INFORMED
            ),
            unread,
        ),
        # Internal recipient of an issued document, not read yet.
        and_(Document.status == Status.ISSUED, recipient, unread),
        # The drafter's own drafts, and those returned to them.
        and_(
            Document.direction == Direction.OUTGOING,
            Document.status.in_([Status.DRAFT, Status.RETURNED]),
            Document.created_by_id == user.id,
        ),
    ]
    if user.has_role(Role.CLERK):
        clauses.append(
            and_(
                Document.agency_id == user.agency_id,
                or_(
                    and_(
                        Document.direction == Direction.INCOMING,
                        Document.status.in_([Status.PENDING_REGISTRATION, Status.REGISTERED]),
                    ),
                    and_(Document.direction == Direction.OUTGOING, Document.status == Status.APPROVED),
                ),
            )
        )
    if user.has_role(Role.LEADER):
        clauses.append(
            and_(Document.status == Status.AWAITING_DIRECTION, Document.directing_leader_id == user.id)
        )
    return or_(*clauses)


def waiting_candidates(user: User):
    """A small superset of waiting_for(user), read from indexed columns about the user.

    The default list joins on it, so the database starts from the user's few documents instead
    of walking every document of the agency newest first.
    """
    current_member = (
        select(Assignment.document_id)
        .join(AssignmentMember, AssignmentMember.assignment_id == Assignment.id)
        .where(Assignment.superseded_at.is_(None))
    )
    branches = [
        select(Document.id).where(Document.current_reviewer_id == user.id),
        current_member.where(AssignmentMember.user_id == user.id),
        select(Recipient.document_id).where(Recipient.user_id == user.id),
        select(Document.id).where(
            Document.created_by_id == user.id, Document.status.in_([Status.DRAFT, Status.RETURNED])
        ),
    ]
    if user.unit_id is not None:
        branches.append(current_member.where(AssignmentMember.unit_id == user.unit_id))
        branches.append(select(Recipient.document_id).where(Recipient.unit_id == user.unit_id))
    if user.has_role(Role.CLERK):
        branches.append(
            select(Document.id).where(
                Document.agency_id == user.agency_id,
                Document.status.in_([Status.PENDING_REGISTRATION, Status.REGISTERED, Status.APPROVED]),
            )
        )
    if user.has_role(Role.LEADER):
        branches.append(
            select(Document.id).where(
                Document.directing_leader_id == user.id, Document.status == Status.AWAITING_DIRECTION
            )
        )
    return union(*branches).subquery("waiting_candidates")


def encode_cursor(item: dict[str, Any]) -> str:
    """The cursor of the page after a list item."""
    raw = json.dumps([item["created_at"].isoformat(), item["id"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        created_at, document_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        moment = datetime.fromisoformat(created_at)
        if moment.tzinfo is None or not isinstance(document_id, int):
            raise ValueError("incomplete cursor")
        if not EARLIEST_DATE <= moment.date() <= LATEST_DATE or not 0 < document_id <= DB_INT_MAX:
            raise ValueError("a cursor out of what this server gives out")
        moment = moment.astimezone(UTC)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError) as exc:
        raise invalid("cursor", "not a cursor this server gave out", "query") from exc
    return moment, document_id


def _start_of(day) -> datetime:
    return datetime.combine(day, time(0), VIETNAM).astimezone(UTC)


# What a list item shows (schemas.DocumentSummarySchema): read in the page's one statement, instead of
# loading whole documents and then their assignments, handlers and handlers' roles in three more.
_SUMMARY_COLUMNS = (
    Document.id,
    Document.agency_id,
    Document.direction,
    Document.status,
    Document.issuer_id,
    Document.issuer_name,
    Document.document_type,
    Document.number,
    Document.notation,
    # The year in a legal normative document's number and notation.
    Document.is_legal_normative,
    Document.number_year,
    Document.issued_date,
    Document.subject,
    Document.urgency,
    Document.confidentiality,
    Document.due_date,
    Document.arrival_number,
    Document.arrival_date,
    Document.created_at,
    # The deadline of the current assignment (Document.current_assignment: the newest not superseded).
    select(Assignment.deadline)
    .where(Assignment.document_id == Document.id, Assignment.superseded_at.is_(None))
    .order_by(Assignment.id.desc())
    .limit(1)
    .correlate(Document)
    .scalar_subquery()
    .label("deadline"),
)


def _page(query: Select, count: int) -> list[dict[str, Any]]:
    """The list items of the first `count` documents of the query (a select of Document), newest first.

    Plain dicts: marshmallow reads a field of one with a look-up, where a Row costs it a caught TypeError
    (it tries `row["id"]` before `row.id`), twice the time of the page's serialisation.
    """
    rows = db.session.execute(
        query.with_only_columns(*_SUMMARY_COLUMNS)
        .order_by(Document.created_at.desc(), Document.id.desc())
        .limit(count)
    )
    keys = tuple(rows.keys())
    return [dict(zip(keys, row, strict=True)) for row in rows]


# A query for common words fills its page among this many newest documents in scope.
RECENT_WINDOW = 1000
# Across every agency (a platform admin), a rare word leaves that page short, and the index would list
# its matches in all agencies, each one read to be sorted. When the first window found enough that, at
# the same rate, this one would fill the page, the walk goes on this far. Found fewer (1 or 2 for a page
# of 20), the walk too would often leave the page short, and the index, listing few matches for so rare
# a word, answers in less than the walk (docs/performance.md has the figures).
WIDE_RECENT_WINDOW = 10_000


def _search_page(query: Select, text: str, agency_id: str | None, count: int) -> list[dict[str, Any]]:
    """Accent-insensitive full text over metadata and the text of PDF files, newest first.

    Common words (a few documents in a hundred and more) fill the page among the newest documents:
    they are walked newest first and each one's text is tested, which ends at the page. Rarer words
    leave that page short; then the full-text index lists every match in scope, few by then.
    """
    indexed = fulltext.matches(Document.id, text, agency_id)
    if indexed is None:
        return []
    windows = [RECENT_WINDOW] if agency_id is not None else [RECENT_WINDOW, WIDE_RECENT_WINDOW]
    for window, wider in zip(windows, [*windows[1:], None], strict=True):
        newest = query.order_by(Document.created_at.desc(), Document.id.desc()).limit(window).subquery()
        recent = aliased(Document, newest)
        row_test = fulltext.row_matches(recent.id, text)
        if row_test is None:
            break
        # Only the ids: when the page stays short they are thrown away.
        ids = db.session.scalars(
            select(recent.id)
            .where(row_test)
            .order_by(recent.created_at.desc(), recent.id.desc())
            .limit(count)
        ).all()
        if len(ids) == count:
            return _page(select(Document).where(Document.id.in_(ids)), count)
        if wider is None or len(ids) * wider < count * window:
            # Too few among the newest for a wider walk to fill the page: the index lists few matches.
            break
    return _page(query.where(indexed), count)


def list_documents(user: User, filters: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first; one page of at most `limit` and the cursor of the next page, if any."""
    query = select(Document).where(visible_documents(user))
    agency_id = visible_agency(user)
    if agency_id is not None:
        query = query.where(Document.agency_id == agency_id)
    status = filters.get("status")
    if status is None:
        candidates = waiting_candidates(user)
        query = query.join(candidates, candidates.c.id == Document.id).where(waiting_for(user))
    elif status != "all":
        query = query.where(Document.status.in_(status.split(",")))
    if "direction" in filters:
        query = query.where(Document.direction == filters["direction"])
    if "urgency" in filters:
        query = query.where(Document.urgency == filters["urgency"])
    if "from_" in filters:
        query = query.where(Document.created_at >= _start_of(filters["from_"]))
    if "to" in filters:
        query = query.where(Document.created_at < _start_of(filters["to"] + timedelta(days=1)))
    if filters.get("cursor"):
        created_at, document_id = decode_cursor(filters["cursor"])
        query = query.where(
            or_(
                Document.created_at < created_at,
                and_(Document.created_at == created_at, Document.id < document_id),
            )
        )
    limit = filters.get("limit", 20)
    if filters.get("q"):
        rows = _search_page(query, filters["q"], agency_id, limit + 1)
    else:
        rows = _page(query, limit + 1)
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor
