"""What the authorisation matrix is made of: targets, probes, entries, and the rules they ask."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from werkzeug.test import TestResponse

from eoffice.accounts.models import User
from eoffice.auth import policy as platform_policy
from eoffice.documents import policy as document_policy
from eoffice.documents.models import Document
from eoffice.extensions import db
from eoffice.records import policy as records_policy
from eoffice.records.models import Handover
from eoffice.storage.models import StoredFile
from meetings import policy as meeting_policy
from meetings.models import Meeting, MeetingDocument

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


def load_document(t: Target) -> Document:
    return db.session.get(Document, t.document_id)


def load_meeting(t: Target) -> Meeting:
    return db.session.get(Meeting, t.meeting_id)


def load_meeting_document(t: Target) -> MeetingDocument:
    return db.session.get(MeetingDocument, t.meeting_document_id)


def anyone(user: User, t: Target) -> bool:
    return True


def can(user: User | None, permission: P | D | R, target: Any = None) -> bool:
    """Asks the rules of the feature the permission belongs to."""
    if isinstance(permission, R):
        return records_policy.can(user, permission, target)
    decide = document_policy.can if isinstance(permission, D) else platform_policy.can
    return decide(user, permission, target)


def permits(permission: P | D | R, target: Callable[[Target], Any] = lambda t: t.agency_id):
    return lambda user, t: can(user, permission, target(t))


def on_own_agency(permission: P | D | R) -> Callable[[User, Target], bool]:
    return lambda user, t: can(user, permission, user.agency_id)


def load_handover(t: Target) -> Handover:
    return db.session.get(Handover, t.handover_id)


def reads_meeting_document(user: User, t: Target) -> bool:
    return meeting_policy.may_read_document(user, load_meeting(t), load_meeting_document(t))


def reads_file(user: User, t: Target) -> bool:
    """A file is read by who may read what owns it, under that feature's own rule: the READ_FILE rule
    itself once let administrators read confidential files (security finding 1), so it is not asked
    of owned files here. A file nothing owns yet follows READ_FILE (its uploader, its agency's admins)."""
    if "document_id" in t.ids:
        return can(user, D.VIEW_DOCUMENT, load_document(t))
    if "meeting_document_id" in t.ids:
        return reads_meeting_document(user, t)
    if "meeting_id" in t.ids:
        return meeting_policy.may_view(user, load_meeting(t))
    if "handover_id" in t.ids:
        return can(user, R.VIEW_HANDOVER, load_handover(t))
    return can(user, P.READ_FILE, db.session.get(StoredFile, t.file_id))


def ids_of(items: list[dict]) -> set[int]:
    return {item["id"] for item in items}


def get(path: str) -> Callable[[Target, User | None], Probe]:
    return lambda t, user: Probe("GET", path.format(t=t))


def send(method: str, path: str, **kwargs: Any) -> Callable[[Target, User | None], Probe]:
    return lambda t, user: Probe(method, path.format(t=t), kwargs)


def multipart(
    method: str, path: str, form: Callable[[Target], dict]
) -> Callable[[Target, User | None], Probe]:
    """A multipart body without its file part: past the permission check it is a 422."""
    return lambda t, user: Probe(
        method, path.format(t=t), {"data": form(t), "content_type": "multipart/form-data"}
    )


# Opinion polls take answers until their deadline, which must lie ahead when the world is built.
DEADLINE = (datetime.now(UTC) + timedelta(days=60)).isoformat()
