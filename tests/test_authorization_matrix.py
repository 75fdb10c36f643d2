"""The authorisation matrix: every API route × every role × own agency / other agency / confidential.

What each role may do is not typed here: it is asked of the permission rules themselves
(`eoffice.auth.policy` for the platform, `eoffice.documents.policy` for documents, `meetings.policy`
for meetings), so the matrix checks that every route applies the rule it should. A route added without
an entry here fails `test_every_api_route_has_an_entry_in_the_matrix`.

It runs on SQLite only: the decisions are taken in Python by the same rules on either database,
and the SQL form of document visibility is run on both by the documents' own tests; a world built
once and restored by SQLite's backup API keeps its ~1,500 probes fast and independent of their order.
"""

from __future__ import annotations

import io
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from werkzeug.test import TestResponse

from eoffice import create_app
from eoffice.accounts.models import Agency, User
from eoffice.auth import policy as platform_policy
from eoffice.documents import policy as document_policy
from eoffice.documents import workflow
from eoffice.documents.api import ACTIONS
from eoffice.documents.models import Direction, Document, Status
from eoffice.documents.workflow import Action
from eoffice.extensions import db
from eoffice.mail.models import OutboxMessage
from eoffice.records import operations as records_operations
from eoffice.records import policy as records_policy
from eoffice.records import workflow as records_workflow
from eoffice.records.models import CaseFile, FileListEntry, Handover
from eoffice.storage import operations as storage_operations
from eoffice.storage.models import StoredFile
from meetings import policy as meeting_policy
from meetings.models import AgendaItem, Meeting, MeetingDocument, MeetingMinutes
from tests.conftest import TEST_PASSWORD, RequestIsolatingClient, make_settings
from tests.factories import create_agency, create_document, create_user
from tests.meetings.conftest import ENDS, STARTS, make_pdf, token_of, upload

P = platform_policy.Permission
D = document_policy.Permission
R = records_policy.Permission
SIDES = {"own": "000.00.00.H49", "other": "000.00.01.H49"}
CALLERS = ("anonymous", "platform_admin", "admin", "clerk", "leader", "specialist", "archivist")
# Routes outside the matrix, each with the reason.
EXCLUDED = {
    ("GET", "/api/v1/openapi.json"): "the public description of the API, the same for everyone",
}
# Routes an anonymous caller may reach: logging in, a link whose signature is the credential, and
# the demo CA's revocation services, which any validator of our signatures asks without an account
# (their URLs are written in the certificates; they answer only what the CA itself publishes).
PUBLIC = {
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/refresh"),
    ("POST", "/api/v1/auth/logout"),
    ("GET", "/api/v1/files/<int:file_id>/signed"),
    ("GET", "/api/v1/signatures/ca.crl"),
    ("POST", "/api/v1/signatures/ocsp"),
    ("POST", "/api/v1/signatures/tsa"),
}


@dataclass(frozen=True)
class Target:
    """One thing a route is asked about, in the own or the other agency."""

    side: str
    kind: str
    agency_id: str
    ids: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.ids[name]
        except KeyError:
            raise AttributeError(name) from None

    def __str__(self) -> str:
        extra = f" {self.ids['variant']}" if "variant" in self.ids else ""
        return f"{self.side} {self.kind}{extra}"


@dataclass(frozen=True)
class Probe:
    method: str
    path: str
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Entry:
    """How to ask a route about a target, and whether the rules let the caller through.

    `rule(user, target)` answers from the permission rules; `listed(user, target, response)` checks that a
    list shows exactly what the rules let the caller see. Every probe, reading or writing, is checked
    to change nothing when it is refused, and the world is restored after any change.
    """

    kinds: tuple[str, ...]
    probe: Callable[[Target, User | None], Probe]
    rule: Callable[[User, Target], bool]
    listed: Callable[[User, Target, TestResponse], None] | None = None


# Loading what a target names, fresh from the database (the world is restored between probes).


def _document(t: Target) -> Document:
    return db.session.get(Document, t.document_id)


def _meeting(t: Target) -> Meeting:
    return db.session.get(Meeting, t.meeting_id)


def _meeting_document(t: Target) -> MeetingDocument:
    return db.session.get(MeetingDocument, t.meeting_document_id)


def _item(t: Target) -> AgendaItem:
    return db.session.get(AgendaItem, t.item_id)


def _anyone(user: User, t: Target) -> bool:
    return True


def can(user: User | None, permission: P | D | R, target: Any = None) -> bool:
    """Asks the rules of the feature the permission belongs to."""
    if isinstance(permission, R):
        return records_policy.can(user, permission, target)
    decide = document_policy.can if isinstance(permission, D) else platform_policy.can
    return decide(user, permission, target)


def _permits(permission: P | D | R, target: Callable[[Target], Any] = lambda t: t.agency_id):
    return lambda user, t: can(user, permission, target(t))


def _on_own_agency(permission: P | D | R) -> Callable[[User, Target], bool]:
    return lambda user, t: can(user, permission, user.agency_id)


def _takes_action(user: User, t: Target) -> bool:
    """The route reads the document (VIEW_DOCUMENT), then workflow.check: a state without this action is
    a 409 (not a refusal), otherwise the transition's own permission decides."""
    document = _document(t)
    if not can(user, D.VIEW_DOCUMENT, document):
        return False
    transition = workflow.TRANSITIONS.get(
        (Direction(document.direction), Status(document.status), Action(t.variant))
    )
    return transition is None or (
        transition.permission is not None and can(user, transition.permission, document)
    )


def _case_file(t: Target) -> CaseFile:
    return db.session.get(CaseFile, t.case_file_id)


def _acts_on_case_file(action: str | None = None) -> Callable[[User, Target], bool]:
    """The route reads the case file (VIEW_CASE_FILE), then its workflow: a state that refuses the step is
    a 409 (not a refusal), otherwise the transition's own permission decides."""

    def rule(user: User, t: Target) -> bool:
        case_file = _case_file(t)
        if not can(user, R.VIEW_CASE_FILE, case_file):
            return False
        refused = records_workflow.refusal(case_file, records_workflow.Action(action or t.variant), user)
        return refused is None or refused.status == 409

    return rule


def _handover(t: Target) -> Handover:
    return db.session.get(Handover, t.handover_id)


def _lists_visible_handovers(user: User, t: Target, response: TestResponse) -> None:
    visible = {
        h.id
        for h in db.session.scalars(sa.select(Handover).where(Handover.agency_id == user.agency_id))
        if can(user, R.VIEW_HANDOVER, h)
    }
    assert _ids(response.get_json()) == visible, "hand-overs listed"


def _lists_visible_case_files(user: User, t: Target, response: TestResponse) -> None:
    visible = {cf.id for cf in db.session.scalars(sa.select(CaseFile)) if can(user, R.VIEW_CASE_FILE, cf)}
    assert _ids(response.get_json()["items"]) == visible, "case files listed"


def _meeting_rule(check: Callable[[User, Meeting], bool]) -> Callable[[User, Target], bool]:
    return lambda user, t: check(user, _meeting(t))


def _uploads_to_item(user: User, t: Target) -> bool:
    meeting = _meeting(t)
    return meeting_policy.may_view(user, meeting) and meeting_policy.may_upload(user, meeting, _item(t))


def _reads_meeting_document(user: User, t: Target) -> bool:
    return meeting_policy.may_read_document(user, _meeting(t), _meeting_document(t))


def _reads_file(user: User, t: Target) -> bool:
    """A file is read by who may read what owns it, under that feature's own rule: the READ_FILE rule
    itself once let administrators read confidential files (security finding 1), so it is not asked
    of owned files here. A file nothing owns yet follows READ_FILE (its uploader, its agency's admins)."""
    if "document_id" in t.ids:
        return can(user, D.VIEW_DOCUMENT, _document(t))
    if "meeting_document_id" in t.ids:
        return _reads_meeting_document(user, t)
    if "meeting_id" in t.ids:
        return meeting_policy.may_view(user, _meeting(t))
    if "handover_id" in t.ids:
        return can(user, R.VIEW_HANDOVER, _handover(t))
    return can(user, P.READ_FILE, db.session.get(StoredFile, t.file_id))


def _ids(items: list[dict]) -> set[int]:
    return {item["id"] for item in items}


def _lists_visible_documents(user: User, t: Target, response: TestResponse) -> None:
    """All of them with status=all; a search or the caller's waiting list holds no other."""
    visible = {d.id for d in db.session.scalars(sa.select(Document)) if can(user, D.VIEW_DOCUMENT, d)}
    listed = _ids(response.get_json()["items"])
    assert listed == visible if t.variant == "status=all" else listed <= visible, "documents listed"


def _lists_visible_register_rows(user: User, t: Target, response: TestResponse) -> None:
    secret = db.session.get(Document, t.secret_document_id)
    shown = secret.subject in response.get_data(as_text=True)
    incoming = t.variant in ("incoming", "follow-up")
    assert shown == (incoming and can(user, D.VIEW_DOCUMENT, secret)), "register rows"


def _lists_visible_meetings(user: User, t: Target, response: TestResponse) -> None:
    body = response.get_json()
    meetings = db.session.scalars(sa.select(Meeting)).all()
    assert _ids(body) == {m.id for m in meetings if meeting_policy.may_view(user, m)}, "meetings listed"


def _expected_documents(user: User, meeting: Meeting) -> set[int]:
    documents = db.session.scalars(sa.select(MeetingDocument).where(MeetingDocument.meeting_id == meeting.id))
    return {d.id for d in documents if meeting_policy.may_read_document(user, meeting, d)}


def _shows_visible_agenda(user: User, t: Target, response: TestResponse) -> None:
    body = response.get_json()
    meeting = _meeting(t)
    items = {i.id for i in meeting.agenda_items if meeting_policy.may_see_item(user, i)}
    assert _ids(body["agenda"]) == items, "agenda items shown"
    assert _ids(body["documents"]) == _expected_documents(user, meeting), "documents shown"


def _shows_visible_minutes(user: User, t: Target, response: TestResponse) -> None:
    body = response.get_json()
    meeting = _meeting(t)
    items = {i.id for i in meeting.agenda_items if meeting_policy.may_see_item(user, i)}
    assert {s["agenda_item_id"] for s in body["sections"]} - {None} == items, "minutes sections shown"


def _shows_answers_to_managers(user: User, t: Target, response: TestResponse) -> None:
    """Who answered what is for those who run the meeting; a delegate sees the totals."""
    body = response.get_json()
    polls = body if isinstance(body, list) else [body]
    shown = {bool(poll["answers"]) for poll in polls}
    assert shown == {meeting_policy.may_manage(user, _meeting(t))}, "answers of each person shown"


def _lists_readable_meeting_documents(user: User, t: Target, response: TestResponse) -> None:
    body = response.get_json()
    assert _ids(body) == _expected_documents(user, _meeting(t)), "meeting documents listed"


def _lists_readable_offline_documents(user: User, t: Target, response: TestResponse) -> None:
    body = response.get_json()
    assert _ids(body["documents"]) == _expected_documents(user, _meeting(t)), "offline book's documents"


def _get(path: str) -> Callable[[Target, User | None], Probe]:
    return lambda t, user: Probe("GET", path.format(t=t))


def _send(method: str, path: str, **kwargs: Any) -> Callable[[Target, User | None], Probe]:
    return lambda t, user: Probe(method, path.format(t=t), kwargs)


def _multipart(
    method: str, path: str, form: Callable[[Target], dict]
) -> Callable[[Target, User | None], Probe]:
    """A multipart body without its file part: past the permission check it is a 422."""
    return lambda t, user: Probe(
        method, path.format(t=t), {"data": form(t), "content_type": "multipart/form-data"}
    )


PERIOD = "from=2026-01-01&to=2026-12-31"
# Opinion polls take answers until their deadline, which must lie ahead when the world is built.
DEADLINE = (datetime.now(UTC) + timedelta(days=60)).isoformat()
NEW_USER = {"username": "nguoimoi", "password": TEST_PASSWORD, "full_name": "Người Mới"}
DOCUMENTS = ("document:open", "document:confidential", "document:draft")
FILES = (
    "file:plain",
    "file:document_open",
    "file:document_confidential",
    "file:draft",
    "file:meeting_ordinary",
    "file:meeting_confidential",
    "file:minutes",
    "file:handover_list",
)
AGENDA = ("agenda:ordinary", "agenda:confidential")
MEETING_DOCUMENTS = ("meeting_document:ordinary", "meeting_document:confidential")
CASE_FILES = ("case_file:open", "case_file:closed")
HANDOVERS = ("handover:proposed", "handover:received")
CASE_FILE_ACTIONS = (
    "case_file:open@file_document",
    "case_file:open@remove_document",
    "case_file:open@reorder",
    "case_file:open@close",
    "case_file:closed@file_document",
    "case_file:closed@reopen",
)

MATRIX: dict[tuple[str, str], Entry] = {
    # Tokens: answered whoever calls (an empty body is a 422 for everyone).
    ("POST", "/api/v1/auth/login"): Entry(("caller",), _send("POST", "/api/v1/auth/login", json={}), _anyone),
    ("POST", "/api/v1/auth/refresh"): Entry(
        ("caller",), _send("POST", "/api/v1/auth/refresh", json={}), _anyone
    ),
    ("POST", "/api/v1/auth/logout"): Entry(
        ("caller",), _send("POST", "/api/v1/auth/logout", json={}), _anyone
    ),
    ("GET", "/api/v1/me"): Entry(("caller",), _get("/api/v1/me"), _anyone),
    ("GET", "/api/v1/me/notification-preferences"): Entry(
        ("caller",), _get("/api/v1/me/notification-preferences"), _anyone
    ),
    ("PUT", "/api/v1/me/notification-preferences"): Entry(
        ("caller",), _send("PUT", "/api/v1/me/notification-preferences", json={"modes": {}}), _anyone
    ),
    # Agencies, units, users: the directory is open to members, its administration to administrators.
    ("GET", "/api/v1/people"): Entry(("agency",), _get("/api/v1/people?agency_id={t.agency_id}"), _anyone),
    ("GET", "/api/v1/directory/agencies"): Entry(
        ("caller",), _get("/api/v1/directory/agencies?q=so%20noi%20vu"), _anyone
    ),
    ("GET", "/api/v1/admin/agencies"): Entry(("caller",), _get("/api/v1/admin/agencies"), _anyone),
    ("POST", "/api/v1/admin/agencies"): Entry(
        ("caller",),
        _send("POST", "/api/v1/admin/agencies", json={"id": "000.00.09.H49", "name": "Cơ quan mới"}),
        _permits(P.CREATE_AGENCY, lambda t: None),
    ),
    ("GET", "/api/v1/admin/agencies/<agency_id>"): Entry(
        ("agency",), _get("/api/v1/admin/agencies/{t.agency_id}"), _anyone
    ),
    ("PATCH", "/api/v1/admin/agencies/<agency_id>"): Entry(
        ("agency",),
        _send("PATCH", "/api/v1/admin/agencies/{t.agency_id}", json={"name": "Tên mới"}),
        lambda user, t: can(user, P.UPDATE_AGENCY, db.session.get(Agency, t.agency_id)),
    ),
    ("GET", "/api/v1/admin/agencies/<agency_id>/units"): Entry(
        ("agency",), _get("/api/v1/admin/agencies/{t.agency_id}/units"), _anyone
    ),
    ("POST", "/api/v1/admin/agencies/<agency_id>/units"): Entry(
        ("agency",),
        _send("POST", "/api/v1/admin/agencies/{t.agency_id}/units", json={"name": "Phòng mới"}),
        _permits(P.MANAGE_UNITS),
    ),
    ("PATCH", "/api/v1/admin/units/<int:unit_id>"): Entry(
        ("agency",),
        _send("PATCH", "/api/v1/admin/units/{t.unit_id}", json={"name": "Phòng đổi tên"}),
        _permits(P.MANAGE_UNITS),
    ),
    ("GET", "/api/v1/admin/users"): Entry(
        ("agency",), _get("/api/v1/admin/users?agency_id={t.agency_id}"), _permits(P.VIEW_USERS)
    ),
    ("POST", "/api/v1/admin/users"): Entry(
        ("agency",),
        lambda t, user: Probe(
            "POST", "/api/v1/admin/users", {"json": {**NEW_USER, "agency_id": t.agency_id}}
        ),
        _permits(P.MANAGE_USERS),
    ),
    ("GET", "/api/v1/admin/users/<int:user_id>"): Entry(
        ("agency",),
        _get("/api/v1/admin/users/{t.user_id}"),
        _permits(P.VIEW_USERS, lambda t: db.session.get(User, t.user_id)),
    ),
    ("PATCH", "/api/v1/admin/users/<int:user_id>"): Entry(
        ("agency",),
        _send("PATCH", "/api/v1/admin/users/{t.user_id}", json={"full_name": "Tên Đổi"}),
        _permits(P.MANAGE_USERS, lambda t: db.session.get(User, t.user_id)),
    ),
    ("GET", "/api/v1/admin/audit-events"): Entry(
        ("agency",), _get("/api/v1/admin/audit-events?agency_id={t.agency_id}"), _permits(P.READ_AUDIT)
    ),
    # The outbox of e-mails.
    ("GET", "/api/v1/admin/outbox"): Entry(
        ("agency",), _get("/api/v1/admin/outbox?agency_id={t.agency_id}"), _permits(P.MANAGE_OUTBOX)
    ),
    ("GET", "/api/v1/admin/outbox/<int:message_id>"): Entry(
        ("agency",), _get("/api/v1/admin/outbox/{t.message_id}"), _permits(P.MANAGE_OUTBOX)
    ),
    ("POST", "/api/v1/admin/outbox/<int:message_id>/retry"): Entry(
        ("agency",),
        _send("POST", "/api/v1/admin/outbox/{t.message_id}/retry"),
        _permits(P.MANAGE_OUTBOX),
    ),
    ("POST", "/api/v1/admin/outbox/<int:message_id>/cancel"): Entry(
        ("agency",),
        _send("POST", "/api/v1/admin/outbox/{t.message_id}/cancel"),
        _permits(P.MANAGE_OUTBOX),
    ),
    # Documents.
    ("GET", "/api/v1/documents"): Entry(
        ("caller@status=all", "caller@status=all&q=nhân sự", "caller@direction=incoming"),
        _get("/api/v1/documents?limit=100&{t.variant}"),
        _anyone,
        listed=_lists_visible_documents,
    ),
    ("GET", "/api/v1/documents/types"): Entry(("caller",), _get("/api/v1/documents/types"), _anyone),
    ("POST", "/api/v1/documents/incoming"): Entry(
        ("caller",),
        _send("POST", "/api/v1/documents/incoming", json={}),
        _on_own_agency(D.CREATE_INCOMING),
    ),
    ("POST", "/api/v1/documents/incoming/duplicates"): Entry(
        ("caller",),
        _send("POST", "/api/v1/documents/incoming/duplicates", json={}),
        _on_own_agency(D.CREATE_INCOMING),
    ),
    ("GET", "/api/v1/documents/<int:document_id>/review-candidates"): Entry(
        DOCUMENTS,
        _get("/api/v1/documents/{t.document_id}/review-candidates"),
        lambda user, t: can(user, D.VIEW_DOCUMENT, _document(t)) and can(user, D.EDIT_DRAFT, _document(t)),
    ),
    ("POST", "/api/v1/documents/outgoing"): Entry(
        ("caller",),
        _send("POST", "/api/v1/documents/outgoing", json={}),
        _on_own_agency(D.CREATE_OUTGOING),
    ),
    ("GET", "/api/v1/documents/<int:document_id>"): Entry(
        DOCUMENTS, _get("/api/v1/documents/{t.document_id}"), _permits(D.VIEW_DOCUMENT, _document)
    ),
    ("PATCH", "/api/v1/documents/<int:document_id>"): Entry(
        tuple(f"{kind}@edit" for kind in DOCUMENTS),
        _send("PATCH", "/api/v1/documents/{t.document_id}", json={"subject": "Trích yếu mới"}),
        _takes_action,
    ),
    ("POST", "/api/v1/documents/<int:document_id>/files"): Entry(
        tuple(f"{kind}@edit" for kind in DOCUMENTS),
        _multipart("POST", "/api/v1/documents/{t.document_id}/files", lambda t: {"replace_main": "false"}),
        _takes_action,
    ),
    ("POST", "/api/v1/documents/<int:document_id>/actions/<action>"): Entry(
        tuple(f"{kind}@{action}" for kind in DOCUMENTS for action in ACTIONS),
        _send("POST", "/api/v1/documents/{t.document_id}/actions/{t.variant}", json={}),
        _takes_action,
    ),
    ("GET", "/api/v1/documents/<int:document_id>/files/<int:file_id>"): Entry(
        DOCUMENTS,
        _get("/api/v1/documents/{t.document_id}/files/{t.file_id}"),
        _permits(D.VIEW_DOCUMENT, _document),
    ),
    ("GET", "/api/v1/documents/settings/<agency_id>"): Entry(
        ("agency",),
        _get("/api/v1/documents/settings/{t.agency_id}"),
        lambda user, t: user.agency_id == t.agency_id or can(user, D.MANAGE_DOCUMENT_SETTINGS, t.agency_id),
    ),
    ("PUT", "/api/v1/documents/settings/<agency_id>"): Entry(
        ("agency",),
        _send("PUT", "/api/v1/documents/settings/{t.agency_id}", json={"review_levels": 2}),
        _permits(D.MANAGE_DOCUMENT_SETTINGS),
    ),
    ("GET", "/api/v1/mailboxes/<agency_id>"): Entry(
        ("agency",), _get("/api/v1/mailboxes/{t.agency_id}"), _permits(D.MANAGE_DOCUMENT_SETTINGS)
    ),
    ("PUT", "/api/v1/mailboxes/<agency_id>"): Entry(
        ("agency",),
        _send(
            "PUT",
            "/api/v1/mailboxes/{t.agency_id}",
            json={"host": "mail.example.gov.vn", "port": 993, "username": "vanthu", "password": "mat-khau"},
        ),
        _permits(D.MANAGE_DOCUMENT_SETTINGS),
    ),
    ("GET", "/api/v1/mailboxes/<agency_id>/messages"): Entry(
        ("agency",), _get("/api/v1/mailboxes/{t.agency_id}/messages"), _permits(D.MANAGE_DOCUMENT_SETTINGS)
    ),
    ("GET", "/api/v1/documents/registers/<kind>"): Entry(
        ("agency@incoming", "agency@outgoing", "agency@follow-up"),
        _get(f"/api/v1/documents/registers/{{t.variant}}?{PERIOD}&format=csv&agency_id={{t.agency_id}}"),
        _permits(D.PRINT_REGISTERS),
        listed=_lists_visible_register_rows,
    ),
    ("GET", "/api/v1/documents/statistics"): Entry(
        ("agency",),
        _get(f"/api/v1/documents/statistics?{PERIOD}&agency_id={{t.agency_id}}"),
        _permits(D.VIEW_DOCUMENT_STATISTICS),
    ),
    # Records: the file list, case files.
    ("GET", "/api/v1/records/file-list"): Entry(
        ("agency@json", "agency@csv"),
        _get("/api/v1/records/file-list?year=2026&format={t.variant}&agency_id={t.agency_id}"),
        _permits(R.VIEW_FILE_LIST),
    ),
    ("POST", "/api/v1/records/file-list"): Entry(
        ("agency",),
        lambda t, user: Probe(
            "POST",
            "/api/v1/records/file-list",
            {
                "json": {
                    "year": 2026,
                    "agency_id": t.agency_id,
                    "heading": "Văn phòng",
                    "notation": "MOI-01",
                    "title": "Hồ sơ mới",
                    "retention_years": 5,
                }
            },
        ),
        _permits(R.MANAGE_FILE_LIST),
    ),
    ("PATCH", "/api/v1/records/file-list/<int:entry_id>"): Entry(
        ("file_list_entry",),
        _send("PATCH", "/api/v1/records/file-list/{t.entry_id}", json={"title": "Tên mới"}),
        _permits(R.MANAGE_FILE_LIST),
    ),
    ("DELETE", "/api/v1/records/file-list/<int:entry_id>"): Entry(
        ("file_list_entry",),
        _send("DELETE", "/api/v1/records/file-list/{t.entry_id}"),
        _permits(R.MANAGE_FILE_LIST),
    ),
    ("POST", "/api/v1/records/file-list/copy"): Entry(
        ("agency",),
        lambda t, user: Probe(
            "POST",
            "/api/v1/records/file-list/copy",
            {"json": {"from_year": 2026, "to_year": 2027, "agency_id": t.agency_id}},
        ),
        _permits(R.MANAGE_FILE_LIST),
    ),
    ("GET", "/api/v1/records/case-files"): Entry(
        ("caller",), _get("/api/v1/records/case-files?limit=200"), _anyone, listed=_lists_visible_case_files
    ),
    ("POST", "/api/v1/records/case-files"): Entry(
        ("caller",),
        _send(
            "POST",
            "/api/v1/records/case-files",
            json={"notation": "MOI-02", "title": "Hồ sơ mới", "retention_years": 5},
        ),
        _on_own_agency(R.OPEN_CASE_FILE),
    ),
    ("GET", "/api/v1/records/case-files/<int:case_file_id>"): Entry(
        CASE_FILES,
        _get("/api/v1/records/case-files/{t.case_file_id}"),
        _permits(R.VIEW_CASE_FILE, _case_file),
    ),
    ("PATCH", "/api/v1/records/case-files/<int:case_file_id>"): Entry(
        CASE_FILES,
        _send(
            "PATCH", "/api/v1/records/case-files/{t.case_file_id}", json={"title": "Tên mới", "reason": "Sửa"}
        ),
        _acts_on_case_file("edit"),
    ),
    ("POST", "/api/v1/records/case-files/<int:case_file_id>/actions/<action>"): Entry(
        CASE_FILE_ACTIONS,
        lambda t, user: Probe(
            "POST",
            f"/api/v1/records/case-files/{t.case_file_id}/actions/{t.variant}",
            {
                "json": {
                    "file_document": {"document_id": t.spare_document_id, "reason": "Bổ sung"},
                    "remove_document": {"document_id": t.filed_document_id},
                    "reorder": {"document_ids": [t.filed_document_id]},
                    "reopen": {"reason": "Bổ sung"},
                }.get(t.variant, {})
            },
        ),
        _acts_on_case_file(),
    ),
    ("GET", "/api/v1/records/handovers"): Entry(
        ("caller",), _get("/api/v1/records/handovers"), _anyone, listed=_lists_visible_handovers
    ),
    ("POST", "/api/v1/records/handovers"): Entry(
        ("case_file:closed",),
        lambda t, user: Probe(
            "POST", "/api/v1/records/handovers", {"json": {"case_file_ids": [t.case_file_id]}}
        ),
        _acts_on_case_file("propose_handover"),
    ),
    ("GET", "/api/v1/records/handovers/<int:handover_id>"): Entry(
        HANDOVERS, _get("/api/v1/records/handovers/{t.handover_id}"), _permits(R.VIEW_HANDOVER, _handover)
    ),
    ("POST", "/api/v1/records/handovers/<int:handover_id>/receive"): Entry(
        HANDOVERS,
        _send("POST", "/api/v1/records/handovers/{t.handover_id}/receive"),
        lambda user, t: (
            can(user, R.VIEW_HANDOVER, _handover(t)) and can(user, R.RECEIVE_HANDOVER, _handover(t))
        ),
    ),
    ("GET", "/api/v1/records/handovers/<int:handover_id>/export"): Entry(
        HANDOVERS,
        _get("/api/v1/records/handovers/{t.handover_id}/export"),
        lambda user, t: (
            can(user, R.VIEW_HANDOVER, _handover(t)) and can(user, R.EXPORT_HANDOVER, _handover(t))
        ),
    ),
    # Files: read by who may read what owns them.
    ("POST", "/api/v1/files"): Entry(
        ("caller",),
        _multipart("POST", "/api/v1/files", lambda t: {"note": "no file part"}),
        _permits(P.UPLOAD_FILE),
    ),
    ("GET", "/api/v1/files/<int:file_id>"): Entry(FILES, _get("/api/v1/files/{t.file_id}"), _reads_file),
    ("GET", "/api/v1/files/<int:file_id>/content"): Entry(
        FILES, _get("/api/v1/files/{t.file_id}/content"), _reads_file
    ),
    ("POST", "/api/v1/files/<int:file_id>/link"): Entry(
        FILES, _send("POST", "/api/v1/files/{t.file_id}/link"), _reads_file
    ),
    ("GET", "/api/v1/files/<int:file_id>/signed"): Entry(("signed_link",), _get("{t.link}"), _anyone),
    # Signatures: the check tool is for any signed-in user (it reads only the file it is given).
    ("POST", "/api/v1/signatures/verify"): Entry(
        ("caller",),
        _multipart("POST", "/api/v1/signatures/verify", lambda t: {"note": "no file part"}),
        _anyone,
    ),
    ("GET", "/api/v1/signatures/ca.crl"): Entry(("caller",), _get("/api/v1/signatures/ca.crl"), _anyone),
    ("POST", "/api/v1/signatures/ocsp"): Entry(
        ("caller",),
        _send(
            "POST", "/api/v1/signatures/ocsp", data=b"not a request", content_type="application/ocsp-request"
        ),
        _anyone,
    ),
    ("POST", "/api/v1/signatures/tsa"): Entry(
        ("caller",),
        _send(
            "POST", "/api/v1/signatures/tsa", data=b"not a query", content_type="application/timestamp-query"
        ),
        _anyone,
    ),
    # Signing certificates: the admins of the owner's agency (a person's, or the agency's seal).
    ("GET", "/api/v1/signatures/certificates/people/<int:user_id>"): Entry(
        ("agency",),
        _get("/api/v1/signatures/certificates/people/{t.user_id}"),
        _permits(P.MANAGE_SIGNING_CERTIFICATES, lambda t: db.session.get(User, t.user_id)),
    ),
    ("POST", "/api/v1/signatures/certificates/people/<int:user_id>"): Entry(
        ("agency",),
        _multipart("POST", "/api/v1/signatures/certificates/people/{t.user_id}", lambda t: {"password": "x"}),
        _permits(P.MANAGE_SIGNING_CERTIFICATES, lambda t: db.session.get(User, t.user_id)),
    ),
    ("GET", "/api/v1/signatures/certificates/agencies/<agency_id>"): Entry(
        ("agency",),
        _get("/api/v1/signatures/certificates/agencies/{t.agency_id}"),
        _permits(P.MANAGE_SIGNING_CERTIFICATES),
    ),
    ("POST", "/api/v1/signatures/certificates/agencies/<agency_id>"): Entry(
        ("agency",),
        _multipart(
            "POST", "/api/v1/signatures/certificates/agencies/{t.agency_id}", lambda t: {"password": "x"}
        ),
        _permits(P.MANAGE_SIGNING_CERTIFICATES),
    ),
    # Devices: the user's own, or an admin's who manages that user.
    ("GET", "/api/v1/devices"): Entry(
        ("device",),
        _get("/api/v1/devices?user_id={t.user_id}"),
        _permits(P.MANAGE_DEVICES, lambda t: db.session.get(User, t.user_id)),
    ),
    ("POST", "/api/v1/devices/<device_id>/revoke"): Entry(
        ("device",),
        _send("POST", "/api/v1/devices/{t.device_id}/revoke?user_id={t.user_id}"),
        _permits(P.MANAGE_DEVICES, lambda t: db.session.get(User, t.user_id)),
    ),
    # Meetings.
    ("POST", "/api/v1/meetings"): Entry(
        ("caller",),
        lambda t, user: Probe(
            "POST",
            "/api/v1/meetings",
            {
                "json": {
                    "title": "Họp thử",
                    "starts_at": STARTS,
                    "ends_at": ENDS,
                    "chair_id": user.id if user else 1,
                }
            },
        ),
        lambda user, t: meeting_policy.may_organise(user),
    ),
    ("GET", "/api/v1/meetings"): Entry(
        ("caller",), _get("/api/v1/meetings"), _anyone, listed=_lists_visible_meetings
    ),
    ("GET", "/api/v1/meetings/<int:meeting_id>"): Entry(
        ("meeting",),
        _get("/api/v1/meetings/{t.meeting_id}"),
        _meeting_rule(meeting_policy.may_view),
        listed=_shows_visible_agenda,
    ),
    ("PATCH", "/api/v1/meetings/<int:meeting_id>"): Entry(
        ("meeting",),
        _send("PATCH", "/api/v1/meetings/{t.meeting_id}", json={"location": "Phòng họp số 2"}),
        _meeting_rule(meeting_policy.may_manage),
    ),
    **{
        ("POST", f"/api/v1/meetings/<int:meeting_id>/{step}"): Entry(
            ("meeting",),
            _send("POST", f"/api/v1/meetings/{{t.meeting_id}}/{step}"),
            _meeting_rule(meeting_policy.may_manage),
        )
        for step in ("invite", "start", "close", "cancel")
    },
    ("POST", "/api/v1/meetings/<int:meeting_id>/agenda"): Entry(
        ("meeting",),
        _send("POST", "/api/v1/meetings/{t.meeting_id}/agenda", json={"title": "Mục mới"}),
        _meeting_rule(meeting_policy.may_manage),
    ),
    ("PATCH", "/api/v1/meetings/<int:meeting_id>/agenda/<int:item_id>"): Entry(
        AGENDA,
        _send("PATCH", "/api/v1/meetings/{t.meeting_id}/agenda/{t.item_id}", json={"title": "Tên mục mới"}),
        lambda user, t: (
            meeting_policy.may_manage(user, _meeting(t)) and meeting_policy.may_see_item(user, _item(t))
        ),
    ),
    ("GET", "/api/v1/meetings/<int:meeting_id>/documents"): Entry(
        ("meeting",),
        _get("/api/v1/meetings/{t.meeting_id}/documents"),
        _meeting_rule(meeting_policy.may_view),
        listed=_lists_readable_meeting_documents,
    ),
    ("POST", "/api/v1/meetings/<int:meeting_id>/documents"): Entry(
        AGENDA,
        _multipart(
            "POST", "/api/v1/meetings/{t.meeting_id}/documents", lambda t: {"agenda_item_id": str(t.item_id)}
        ),
        _uploads_to_item,
    ),
    ("GET", "/api/v1/meetings/<int:meeting_id>/documents/<int:document_id>"): Entry(
        MEETING_DOCUMENTS,
        _get("/api/v1/meetings/{t.meeting_id}/documents/{t.meeting_document_id}"),
        _reads_meeting_document,
    ),
    ("GET", "/api/v1/meetings/<int:meeting_id>/documents/<int:document_id>/content"): Entry(
        MEETING_DOCUMENTS,
        _get("/api/v1/meetings/{t.meeting_id}/documents/{t.meeting_document_id}/content"),
        _reads_meeting_document,
    ),
    ("GET", "/api/v1/meetings/<int:meeting_id>/offline"): Entry(
        ("meeting",),
        _get("/api/v1/meetings/{t.meeting_id}/offline"),
        _meeting_rule(meeting_policy.may_view),
        listed=_lists_readable_offline_documents,
    ),
    ("POST", "/api/v1/meetings/<int:meeting_id>/annotations"): Entry(
        MEETING_DOCUMENTS,
        lambda t, user: Probe(
            "POST",
            f"/api/v1/meetings/{t.meeting_id}/annotations",
            {
                "json": {
                    "document_id": t.meeting_document_id,
                    "page": 1,
                    "data": {"kind": "note", "text": "Ý kiến"},
                }
            },
        ),
        _reads_meeting_document,
    ),
    ("GET", "/api/v1/meetings/<int:meeting_id>/minutes"): Entry(
        ("meeting",),
        _get("/api/v1/meetings/{t.meeting_id}/minutes"),
        _meeting_rule(meeting_policy.may_view),
        listed=_shows_visible_minutes,
    ),
    ("POST", "/api/v1/meetings/<int:meeting_id>/minutes/submit"): Entry(
        ("meeting",),
        _send("POST", "/api/v1/meetings/{t.meeting_id}/minutes/submit"),
        _meeting_rule(meeting_policy.may_write_minutes),
    ),
    ("POST", "/api/v1/meetings/<int:meeting_id>/minutes/return"): Entry(
        ("meeting",),
        _send("POST", "/api/v1/meetings/{t.meeting_id}/minutes/return", json={"comment": "Đề nghị sửa"}),
        _meeting_rule(meeting_policy.may_approve_minutes),
    ),
    ("POST", "/api/v1/meetings/<int:meeting_id>/minutes/approve"): Entry(
        ("meeting",),
        _send("POST", "/api/v1/meetings/{t.meeting_id}/minutes/approve"),
        _meeting_rule(meeting_policy.may_approve_minutes),
    ),
    ("GET", "/api/v1/meetings/<int:meeting_id>/minutes/pdf"): Entry(
        ("meeting",),
        _get("/api/v1/meetings/{t.meeting_id}/minutes/pdf"),
        _meeting_rule(meeting_policy.may_view),
    ),
    ("POST", "/api/v1/meetings/<int:meeting_id>/opinions"): Entry(
        ("meeting",),
        _send(
            "POST",
            "/api/v1/meetings/{t.meeting_id}/opinions",
            json={"question": "Ý kiến về dự thảo?", "deadline": DEADLINE},
        ),
        _meeting_rule(meeting_policy.may_manage),
    ),
    ("GET", "/api/v1/meetings/<int:meeting_id>/opinions"): Entry(
        ("meeting",),
        _get("/api/v1/meetings/{t.meeting_id}/opinions"),
        _meeting_rule(meeting_policy.may_view),
        listed=_shows_answers_to_managers,
    ),
    ("GET", "/api/v1/meetings/<int:meeting_id>/opinions/<int:poll_id>"): Entry(
        ("poll",),
        _get("/api/v1/meetings/{t.meeting_id}/opinions/{t.poll_id}"),
        _meeting_rule(meeting_policy.may_view),
        listed=_shows_answers_to_managers,
    ),
    ("POST", "/api/v1/meetings/<int:meeting_id>/opinions/<int:poll_id>/answers"): Entry(
        ("poll",),
        _send(
            "POST", "/api/v1/meetings/{t.meeting_id}/opinions/{t.poll_id}/answers", json={"option": "Đồng ý"}
        ),
        _meeting_rule(lambda user, m: meeting_policy.may_view(user, m) and meeting_policy.may_vote(user, m)),
    ),
}


# The world: two agencies, their people and, in each, everything a route can be asked about.


@dataclass
class World:
    targets: dict[str, list[Target]]
    callers: dict[str, int | None]
    headers: dict[str, dict[str, str]]
    database: str
    snapshot: sqlite3.Connection
    baseline: dict[str, list] = field(default_factory=dict)

    def of(self, kind: str) -> list[Target]:
        """The targets of a kind; `document:open@assign` is the open document asked to be assigned."""
        base, _, variant = kind.partition("@")
        found = self.targets[base]
        return [replace(t, ids={**t.ids, "variant": variant}) for t in found] if variant else found

    def restore(self) -> None:
        """Back to the world as built: a probe that changed something leaves nothing for the next."""
        db.session.remove()
        db.engine.dispose()
        target = sqlite3.connect(self.database)
        self.snapshot.backup(target)
        target.close()


def fingerprint() -> dict[str, list]:
    db.session.rollback()
    with db.engine.connect() as connection:
        return {table.name: connection.execute(sa.select(table)).all() for table in db.metadata.sorted_tables}


def _headers(client, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_of(client, username)}"}


def _build_side(client, side: str) -> tuple[dict[str, Target], dict[str, User]]:
    agency_id = SIDES[side]
    agency = create_agency(agency_id, f"Cơ quan {side}", units=["Văn phòng"], abbreviation=side.upper())
    unit_id = agency.units[0].id
    people = {
        role: create_user(f"{side}.{role}", agency_id=agency_id, roles=[role], unit_id=unit_id)
        for role in ("admin", "clerk", "leader", "specialist", "archivist")
    }
    # The handler of the confidential document and the meeting's secretary: no caller of the matrix.
    staff = create_user(f"{side}.staff", agency_id=agency_id, roles=["specialist"], unit_id=unit_id)
    clerk, leader, specialist = people["clerk"], people["leader"], people["specialist"]

    open_doc = create_document(
        "assigned", clerk=clerk, leader=leader, handler=specialist, metadata={"number": 11}
    )
    secret_doc = create_document(
        "assigned",
        clerk=clerk,
        leader=leader,
        handler=staff,
        metadata={"number": 12, "confidentiality": "secret", "subject": f"Về công tác nhân sự {side}"},
    )
    draft = create_document("draft", drafter=specialist)
    plain = storage_operations.store_file(io.BytesIO(make_pdf(1)), "ghi-chu.pdf", uploaded_by=specialist)
    db.session.commit()

    organiser, chair, secretary = (_headers(client, u.username) for u in (clerk, leader, staff))
    created = client.post(
        "/api/v1/meetings",
        json={
            "title": f"Họp giao ban {side}",
            "starts_at": STARTS,
            "ends_at": ENDS,
            "chair_id": leader.id,
            "secretary_id": staff.id,
            "participants": [{"user_id": specialist.id, "role": "delegate"}],
        },
        headers=organiser,
    )
    assert created.status_code == 201, created.get_json()
    meeting_id = created.get_json()["id"]
    items, meeting_documents = {}, {}
    for kind, body in (
        ("ordinary", {"title": "Báo cáo tình hình", "presenter_id": specialist.id}),
        ("confidential", {"title": "Nhân sự", "is_confidential": True, "named_user_ids": [leader.id]}),
    ):
        item = client.post(f"/api/v1/meetings/{meeting_id}/agenda", json=body, headers=organiser)
        assert item.status_code == 201, item.get_json()
        items[kind] = item.get_json()["id"]
        document = upload(client, organiser, meeting_id, make_pdf(2), agenda_item_id=items[kind])
        assert document.status_code == 201, document.get_json()
        meeting_documents[kind] = document.get_json()
    for step in ("invite", "start"):
        assert client.post(f"/api/v1/meetings/{meeting_id}/{step}", headers=organiser).status_code == 200
    poll = client.post(
        f"/api/v1/meetings/{meeting_id}/opinions",
        json={"question": "Thống nhất nội dung?", "deadline": DEADLINE},
        headers=organiser,
    )
    assert poll.status_code == 201, poll.get_json()
    answer = client.post(
        f"/api/v1/meetings/{meeting_id}/opinions/{poll.get_json()['id']}/answers",
        json={"option": "Đồng ý"},
        headers=_headers(client, specialist.username),
    )
    assert answer.status_code == 201, answer.get_json()
    assert client.post(f"/api/v1/meetings/{meeting_id}/close", headers=organiser).status_code == 200
    assert client.post(f"/api/v1/meetings/{meeting_id}/minutes/submit", headers=secretary).status_code == 200
    assert client.post(f"/api/v1/meetings/{meeting_id}/minutes/approve", headers=chair).status_code == 200
    minutes_pdf = db.session.get(MeetingMinutes, meeting_id).pdf_file_id
    case_files = _build_records(agency_id, clerk, leader, specialist, people["archivist"])

    message = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.agency_id == agency_id).order_by(OutboxMessage.id)
    ).first()
    assert message is not None, f"no e-mail was queued for agency {agency_id}"

    def target(kind: str, **ids: Any) -> Target:
        return Target(side, kind, agency_id, ids)

    def main_file(document: Document) -> int:
        return document.files[0].stored_file_id

    targets = {
        "agency": target(
            "agency",
            unit_id=unit_id,
            user_id=specialist.id,
            message_id=message.id,
            secret_document_id=secret_doc.id,
        ),
        "document:open": target("document:open", document_id=open_doc.id, file_id=main_file(open_doc)),
        "document:confidential": target(
            "document:confidential", document_id=secret_doc.id, file_id=main_file(secret_doc)
        ),
        "document:draft": target("document:draft", document_id=draft.id, file_id=main_file(draft)),
        "meeting": target("meeting", meeting_id=meeting_id),
        "poll": target("poll", meeting_id=meeting_id, poll_id=poll.get_json()["id"]),
        "file:plain": target("file:plain", file_id=plain.id),
        "file:document_open": target(
            "file:document_open", file_id=main_file(open_doc), document_id=open_doc.id
        ),
        "file:document_confidential": target(
            "file:document_confidential", file_id=main_file(secret_doc), document_id=secret_doc.id
        ),
        "file:draft": target("file:draft", file_id=main_file(draft), document_id=draft.id),
        "file:minutes": target("file:minutes", file_id=minutes_pdf, meeting_id=meeting_id),
    }
    for kind in ("ordinary", "confidential"):
        targets[f"agenda:{kind}"] = target(f"agenda:{kind}", meeting_id=meeting_id, item_id=items[kind])
        targets[f"meeting_document:{kind}"] = target(
            f"meeting_document:{kind}",
            meeting_id=meeting_id,
            item_id=items[kind],
            meeting_document_id=meeting_documents[kind]["id"],
        )
        targets[f"file:meeting_{kind}"] = replace(
            targets[f"meeting_document:{kind}"],
            kind=f"file:meeting_{kind}",
            ids={**targets[f"meeting_document:{kind}"].ids, "file_id": meeting_documents[kind]["file_id"]},
        )
    for kind, ids in case_files.items():
        targets[kind] = target(kind, **ids)
    if side == "own":
        link = client.post(f"/api/v1/files/{plain.id}/link", headers=_headers(client, specialist.username))
        assert link.status_code == 200, link.get_json()
        url = urlsplit(link.get_json()["url"])
        targets["signed_link"] = target("signed_link", link=f"{url.path}?{url.query}")
        targets["caller"] = target("caller")
    device_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"matrix-{side}"))
    logged_in = client.post(
        "/api/v1/auth/login",
        json={"username": specialist.username, "password": TEST_PASSWORD},
        headers={"X-Device-Id": device_id, "X-Device-Name": "tablet"},
    )
    assert logged_in.status_code == 200, logged_in.get_json()
    targets["device"] = target("device", user_id=specialist.id, device_id=device_id)
    return targets, people


def _build_records(
    agency_id: str, clerk: User, leader: User, specialist: User, archivist: User
) -> dict[str, dict[str, int]]:
    """A file list entry, an open and a closed case file of the specialist, each with a handled document
    filed, one more handled document to file, and two hand-overs: proposed and received."""
    entry = FileListEntry(
        agency_id=agency_id, year=2026, heading="Văn phòng", notation="VP-01", title="Hồ sơ hội nghị"
    )
    db.session.add(entry)
    handled = [
        create_document(
            "completed",
            clerk=clerk,
            leader=leader,
            handler=specialist,
            metadata={"number": 20 + i, "subject": f"Văn bản đã giải quyết {i}"},
        )
        for i in range(5)
    ]
    built = {"file_list_entry": {"entry_id": None}}
    for index, kind in enumerate(("open", "closed")):
        case_file = records_operations.open_case_file(
            specialist, {"notation": f"CV-0{index + 1}", "title": f"Hồ sơ {kind}", "retention_years": 10}
        )
        records_operations.file_document(case_file, specialist, handled[index].id)
        if kind == "closed":
            records_operations.close(case_file, specialist)
        built[f"case_file:{kind}"] = {
            "case_file_id": case_file.id,
            "filed_document_id": handled[index].id,
            "spare_document_id": handled[2].id,
        }
    for index, kind in ((3, "proposed"), (4, "received")):
        case_file = records_operations.open_case_file(
            specialist, {"notation": f"NL-0{index}", "title": f"Hồ sơ nộp lưu {kind}", "retention_years": 5}
        )
        records_operations.file_document(case_file, specialist, handled[index].id)
        records_operations.close(case_file, specialist)
        handover = records_operations.propose(specialist, [case_file.id])
        if kind == "received":
            records_operations.receive(handover, archivist)
        built[f"handover:{kind}"] = {"handover_id": handover.id}
    db.session.commit()
    built["file_list_entry"]["entry_id"] = entry.id
    received = db.session.get(Handover, built["handover:received"]["handover_id"])
    built["file:handover_list"] = {"file_id": received.list_file_id, "handover_id": received.id}
    return built


@pytest.fixture(scope="module")
def world_app(tmp_path_factory, sqlite_template):
    instance = tmp_path_factory.mktemp("matrix") / "instance"
    instance.mkdir()
    database = instance / "eoffice.db"
    shutil.copy(sqlite_template, database)
    flask_app = create_app(make_settings(instance, EOFFICE_DATABASE_URL=f"sqlite:///{database}"))
    flask_app.testing = True
    flask_app.test_client_class = RequestIsolatingClient
    with flask_app.app_context():
        yield flask_app, str(database)
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def world(world_app) -> Iterator[World]:
    flask_app, database = world_app
    client = flask_app.test_client()
    targets: dict[str, list[Target]] = {}
    own_people: dict[str, User] = {}
    for side in SIDES:
        built, people = _build_side(client, side)
        own_people = own_people or people
        for kind, found in built.items():
            targets.setdefault(kind, []).append(found)
    platform_admin = create_user("platform.admin", agency_id=SIDES["own"], is_platform_admin=True)
    callers = {"anonymous": None, "platform_admin": platform_admin.id}
    callers |= {role: user.id for role, user in own_people.items()}
    headers = {"anonymous": {}}
    headers |= {
        caller: _headers(client, db.session.get(User, user_id).username)
        for caller, user_id in callers.items()
        if user_id is not None
    }
    db.session.remove()
    db.engine.dispose()
    source, snapshot = sqlite3.connect(database), sqlite3.connect(":memory:")
    source.backup(snapshot)
    source.close()
    built = World(targets, callers, headers, database, snapshot)
    built.baseline = fingerprint()
    yield built
    snapshot.close()


def _probe(
    client, world: World, key: tuple[str, str], entry: Entry, caller: str, target: Target
) -> str | None:
    """Ask the route as this caller about this target; what went wrong, or None."""
    user_id = world.callers[caller]
    user = db.session.get(User, user_id) if user_id is not None else None
    allowed = key in PUBLIC if user is None else entry.rule(user, target)
    probe = entry.probe(target, user)
    response = client.open(probe.path, method=probe.method, headers=world.headers[caller], **probe.kwargs)
    status, body = response.status_code, response.get_json(silent=True)
    where = f"{probe.method} {probe.path} as {caller} on {target}: {status} {body if status >= 400 else ''}"
    problem = None
    if status >= 500:
        problem = f"server error, {where}"
    elif allowed and status in (401, 403, 404):
        problem = f"refused what the rules allow, {where}"
    elif not allowed and user is None and status != 401:
        problem = f"anonymous not asked to log in, {where}"
    elif not allowed and user is not None and status not in (403, 404):
        problem = f"LEAK: answered what the rules refuse, {where}"
    elif allowed and entry.listed is not None and user is not None:
        try:
            entry.listed(user, target, response)
        except AssertionError as error:
            problem = f"LEAK or loss in a list ({error}), {where}"
    if fingerprint() != world.baseline:
        world.restore()
        if not allowed:
            problem = problem or f"refused but wrote to the database, {where}"
    return problem


def _run(world_app, world: World, keys, callers) -> tuple[int, list[str]]:
    client = world_app[0].test_client()
    count, problems = 0, []
    for key in keys:
        entry = MATRIX[key]
        for caller in callers:
            for kind in entry.kinds:
                for target in world.of(kind):
                    count += 1
                    problem = _probe(client, world, key, entry, caller, target)
                    if problem:
                        problems.append(problem)
    return count, problems


def _api_routes(flask_app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in flask_app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_api_route_has_an_entry_in_the_matrix(world_app):
    routes = _api_routes(world_app[0])
    assert routes - set(MATRIX) - set(EXCLUDED) == set(), "routes without an entry in the matrix"
    assert (set(MATRIX) | set(EXCLUDED)) - routes == set(), "entries for routes that do not exist"


def test_anonymous_callers_are_asked_to_log_in_except_for_tokens_and_signed_links(world_app, world):
    count, problems = _run(world_app, world, sorted(MATRIX), ["anonymous"])
    assert count > len(MATRIX)
    assert not problems, f"{len(problems)} of {count} probes:\n" + "\n".join(problems)


@pytest.mark.parametrize("key", sorted(MATRIX), ids=" ".join)
def test_each_role_gets_from_the_route_what_the_permission_rules_allow(world_app, world, key):
    count, problems = _run(world_app, world, [key], [c for c in CALLERS if c != "anonymous"])
    assert count > 0
    assert not problems, f"{len(problems)} of {count} probes:\n" + "\n".join(problems)


def test_nested_routes_never_serve_a_child_of_another_parent(world_app, world):
    """The caller may read the parent: a child of another parent named under it is not found there."""
    client = world_app[0].test_client()
    own, other = (
        {t.kind: t for found in world.targets.values() for t in found if t.side == side} for side in SIDES
    )
    meeting, foreign = own["meeting"].meeting_id, other["meeting_document:ordinary"]
    probes = [
        (
            "GET",
            f"/api/v1/documents/{own['document:open'].document_id}/files/{own['file:draft'].file_id}",
            {},
        ),
        ("GET", f"/api/v1/meetings/{meeting}/documents/{foreign.meeting_document_id}", {}),
        ("GET", f"/api/v1/meetings/{meeting}/documents/{foreign.meeting_document_id}/content", {}),
        ("GET", f"/api/v1/meetings/{meeting}/opinions/{other['poll'].poll_id}", {}),
        ("PATCH", f"/api/v1/meetings/{meeting}/agenda/{foreign.item_id}", {"json": {"title": "Đổi tên"}}),
        (
            "POST",
            f"/api/v1/meetings/{meeting}/documents",
            {"data": {"agenda_item_id": str(foreign.item_id)}, "content_type": "multipart/form-data"},
        ),
    ]
    for method, path, kwargs in probes:
        response = client.open(path, method=method, headers=world.headers["clerk"], **kwargs)
        assert response.status_code == 404, (method, path, response.get_json())
        assert response.get_json()["error"]["code"] == "not_found"
    assert fingerprint() == world.baseline
