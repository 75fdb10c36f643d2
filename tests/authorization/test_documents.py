"""The matrix's document routes: documents, their settings and mailboxes, registers and statistics
(`eoffice.documents.policy`)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from werkzeug.test import TestResponse

from eoffice.accounts.models import User
from eoffice.documents import workflow
from eoffice.documents.api import ACTIONS
from eoffice.documents.models import Direction, Document, Status
from eoffice.documents.workflow import Action
from eoffice.extensions import db
from tests.authorization.helpers import (
    D,
    Entry,
    Target,
    anyone,
    can,
    get,
    ids_of,
    load_document,
    multipart,
    on_own_agency,
    permits,
    send,
)
from tests.authorization.world import assert_roles_get_what_the_rules_allow

PERIOD = "from=2026-01-01&to=2026-12-31"
DOCUMENT_KINDS = ("document:open", "document:confidential", "document:draft")


def _takes_action(user: User, t: Target) -> bool:
    """The route reads the document (VIEW_DOCUMENT), then workflow.check: a state without this action is
    a 409 (not a refusal), otherwise the transition's own permission decides."""
    document = load_document(t)
    if not can(user, D.VIEW_DOCUMENT, document):
        return False
    transition = workflow.TRANSITIONS.get(
        (Direction(document.direction), Status(document.status), Action(t.variant))
    )
    return transition is None or (
        transition.permission is not None and can(user, transition.permission, document)
    )


def _lists_visible_documents(user: User, t: Target, response: TestResponse) -> None:
    """All of them with status=all; a search or the caller's waiting list holds no other."""
    visible = {d.id for d in db.session.scalars(sa.select(Document)) if can(user, D.VIEW_DOCUMENT, d)}
    listed = ids_of(response.get_json()["items"])
    assert listed == visible if t.variant == "status=all" else listed <= visible, "documents listed"


def _lists_visible_register_rows(user: User, t: Target, response: TestResponse) -> None:
    secret = db.session.get(Document, t.secret_document_id)
    shown = secret.subject in response.get_data(as_text=True)
    incoming = t.variant in ("incoming", "follow-up")
    assert shown == (incoming and can(user, D.VIEW_DOCUMENT, secret)), "register rows"


DOCUMENTS: dict[tuple[str, str], Entry] = {
    # Documents.
    ("GET", "/api/v1/documents"): Entry(
        ("caller@status=all", "caller@status=all&q=nhân sự", "caller@direction=incoming"),
        get("/api/v1/documents?limit=100&{t.variant}"),
        anyone,
        listed=_lists_visible_documents,
    ),
    ("GET", "/api/v1/documents/types"): Entry(("caller",), get("/api/v1/documents/types"), anyone),
    ("POST", "/api/v1/documents/incoming"): Entry(
        ("caller",),
        send("POST", "/api/v1/documents/incoming", json={}),
        on_own_agency(D.CREATE_INCOMING),
    ),
    ("POST", "/api/v1/documents/incoming/duplicates"): Entry(
        ("caller",),
        send("POST", "/api/v1/documents/incoming/duplicates", json={}),
        on_own_agency(D.CREATE_INCOMING),
    ),
    ("GET", "/api/v1/documents/<int:document_id>/review-candidates"): Entry(
        DOCUMENT_KINDS,
        get("/api/v1/documents/{t.document_id}/review-candidates"),
        lambda user, t: (
            can(user, D.VIEW_DOCUMENT, load_document(t)) and can(user, D.EDIT_DRAFT, load_document(t))
        ),
    ),
    ("POST", "/api/v1/documents/outgoing"): Entry(
        ("caller",),
        send("POST", "/api/v1/documents/outgoing", json={}),
        on_own_agency(D.CREATE_OUTGOING),
    ),
    ("GET", "/api/v1/documents/<int:document_id>"): Entry(
        DOCUMENT_KINDS, get("/api/v1/documents/{t.document_id}"), permits(D.VIEW_DOCUMENT, load_document)
    ),
    ("PATCH", "/api/v1/documents/<int:document_id>"): Entry(
        tuple(f"{kind}@edit" for kind in DOCUMENT_KINDS),
        send("PATCH", "/api/v1/documents/{t.document_id}", json={"subject": "Trích yếu mới"}),
        _takes_action,
    ),
    ("POST", "/api/v1/documents/<int:document_id>/files"): Entry(
        tuple(f"{kind}@edit" for kind in DOCUMENT_KINDS),
        multipart("POST", "/api/v1/documents/{t.document_id}/files", lambda t: {"replace_main": "false"}),
        _takes_action,
    ),
    ("POST", "/api/v1/documents/<int:document_id>/actions/<action>"): Entry(
        tuple(f"{kind}@{action}" for kind in DOCUMENT_KINDS for action in ACTIONS),
        send("POST", "/api/v1/documents/{t.document_id}/actions/{t.variant}", json={}),
        _takes_action,
    ),
    ("GET", "/api/v1/documents/<int:document_id>/files/<int:file_id>"): Entry(
        DOCUMENT_KINDS,
        get("/api/v1/documents/{t.document_id}/files/{t.file_id}"),
        permits(D.VIEW_DOCUMENT, load_document),
    ),
    ("GET", "/api/v1/documents/settings/<agency_id>"): Entry(
        ("agency",),
        get("/api/v1/documents/settings/{t.agency_id}"),
        lambda user, t: user.agency_id == t.agency_id or can(user, D.MANAGE_DOCUMENT_SETTINGS, t.agency_id),
    ),
    ("PUT", "/api/v1/documents/settings/<agency_id>"): Entry(
        ("agency",),
        send("PUT", "/api/v1/documents/settings/{t.agency_id}", json={"review_levels": 2}),
        permits(D.MANAGE_DOCUMENT_SETTINGS),
    ),
    ("GET", "/api/v1/mailboxes/<agency_id>"): Entry(
        ("agency",), get("/api/v1/mailboxes/{t.agency_id}"), permits(D.MANAGE_DOCUMENT_SETTINGS)
    ),
    ("PUT", "/api/v1/mailboxes/<agency_id>"): Entry(
        ("agency",),
        send(
            "PUT",
            "/api/v1/mailboxes/{t.agency_id}",
            json={"host": "mail.example.gov.vn", "port": 993, "username": "vanthu", "password": "mat-khau"},
        ),
        permits(D.MANAGE_DOCUMENT_SETTINGS),
    ),
    ("GET", "/api/v1/mailboxes/<agency_id>/messages"): Entry(
        ("agency",), get("/api/v1/mailboxes/{t.agency_id}/messages"), permits(D.MANAGE_DOCUMENT_SETTINGS)
    ),
    ("GET", "/api/v1/documents/registers/<kind>"): Entry(
        ("agency@incoming", "agency@outgoing", "agency@follow-up"),
        get(f"/api/v1/documents/registers/{{t.variant}}?{PERIOD}&format=csv&agency_id={{t.agency_id}}"),
        permits(D.PRINT_REGISTERS),
        listed=_lists_visible_register_rows,
    ),
    ("GET", "/api/v1/documents/statistics"): Entry(
        ("agency",),
        get(f"/api/v1/documents/statistics?{PERIOD}&agency_id={{t.agency_id}}"),
        permits(D.VIEW_DOCUMENT_STATISTICS),
    ),
}


@pytest.mark.parametrize("key", sorted(DOCUMENTS), ids=" ".join)
def test_each_role_gets_from_the_route_what_the_permission_rules_allow(world_app, world, key):
    assert_roles_get_what_the_rules_allow(world_app, world, DOCUMENTS, key)
