"""The matrix's platform routes: tokens, the directory and its administration, the outbox, files,
signatures and signing certificates, devices (`eoffice.auth.policy`)."""

from __future__ import annotations

import pytest

from eoffice.accounts.models import Agency, User
from eoffice.extensions import db
from tests.authorization.helpers import (
    Entry,
    P,
    Probe,
    anyone,
    can,
    get,
    multipart,
    permits,
    reads_file,
    send,
)
from tests.authorization.world import assert_roles_get_what_the_rules_allow
from tests.conftest import TEST_PASSWORD

NEW_USER = {"username": "nguoimoi", "password": TEST_PASSWORD, "full_name": "Người Mới"}
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


PLATFORM: dict[tuple[str, str], Entry] = {
    # Tokens: answered whoever calls (an empty body is a 422 for everyone).
    ("POST", "/api/v1/auth/login"): Entry(("caller",), send("POST", "/api/v1/auth/login", json={}), anyone),
    ("POST", "/api/v1/auth/refresh"): Entry(
        ("caller",), send("POST", "/api/v1/auth/refresh", json={}), anyone
    ),
    ("POST", "/api/v1/auth/logout"): Entry(("caller",), send("POST", "/api/v1/auth/logout", json={}), anyone),
    ("GET", "/api/v1/me"): Entry(("caller",), get("/api/v1/me"), anyone),
    ("GET", "/api/v1/me/notification-preferences"): Entry(
        ("caller",), get("/api/v1/me/notification-preferences"), anyone
    ),
    ("PUT", "/api/v1/me/notification-preferences"): Entry(
        ("caller",), send("PUT", "/api/v1/me/notification-preferences", json={"modes": {}}), anyone
    ),
    # Agencies, units, users: the directory is open to members, its administration to administrators.
    ("GET", "/api/v1/people"): Entry(("agency",), get("/api/v1/people?agency_id={t.agency_id}"), anyone),
    ("GET", "/api/v1/directory/agencies"): Entry(
        ("caller",), get("/api/v1/directory/agencies?q=so%20noi%20vu"), anyone
    ),
    ("GET", "/api/v1/admin/agencies"): Entry(("caller",), get("/api/v1/admin/agencies"), anyone),
    ("POST", "/api/v1/admin/agencies"): Entry(
        ("caller",),
        send("POST", "/api/v1/admin/agencies", json={"id": "000.00.09.H49", "name": "Cơ quan mới"}),
        permits(P.CREATE_AGENCY, lambda t: None),
    ),
    ("GET", "/api/v1/admin/agencies/<agency_id>"): Entry(
        ("agency",), get("/api/v1/admin/agencies/{t.agency_id}"), anyone
    ),
    ("PATCH", "/api/v1/admin/agencies/<agency_id>"): Entry(
        ("agency",),
        send("PATCH", "/api/v1/admin/agencies/{t.agency_id}", json={"name": "Tên mới"}),
        lambda user, t: can(user, P.UPDATE_AGENCY, db.session.get(Agency, t.agency_id)),
    ),
    ("GET", "/api/v1/admin/agencies/<agency_id>/units"): Entry(
        ("agency",), get("/api/v1/admin/agencies/{t.agency_id}/units"), anyone
    ),
    ("POST", "/api/v1/admin/agencies/<agency_id>/units"): Entry(
        ("agency",),
        send("POST", "/api/v1/admin/agencies/{t.agency_id}/units", json={"name": "Phòng mới"}),
        permits(P.MANAGE_UNITS),
    ),
    ("PATCH", "/api/v1/admin/units/<int:unit_id>"): Entry(
        ("agency",),
        send("PATCH", "/api/v1/admin/units/{t.unit_id}", json={"name": "Phòng đổi tên"}),
        permits(P.MANAGE_UNITS),
    ),
    ("GET", "/api/v1/admin/users"): Entry(
        ("agency",), get("/api/v1/admin/users?agency_id={t.agency_id}"), permits(P.VIEW_USERS)
    ),
    ("POST", "/api/v1/admin/users"): Entry(
        ("agency",),
        lambda t, user: Probe(
            "POST", "/api/v1/admin/users", {"json": {**NEW_USER, "agency_id": t.agency_id}}
        ),
        permits(P.MANAGE_USERS),
    ),
    ("GET", "/api/v1/admin/users/<int:user_id>"): Entry(
        ("agency",),
        get("/api/v1/admin/users/{t.user_id}"),
        permits(P.VIEW_USERS, lambda t: db.session.get(User, t.user_id)),
    ),
    ("PATCH", "/api/v1/admin/users/<int:user_id>"): Entry(
        ("agency",),
        send("PATCH", "/api/v1/admin/users/{t.user_id}", json={"full_name": "Tên Đổi"}),
        permits(P.MANAGE_USERS, lambda t: db.session.get(User, t.user_id)),
    ),
    ("GET", "/api/v1/admin/audit-events"): Entry(
        ("agency",), get("/api/v1/admin/audit-events?agency_id={t.agency_id}"), permits(P.READ_AUDIT)
    ),
    # The outbox of e-mails.
    ("GET", "/api/v1/admin/outbox"): Entry(
        ("agency",), get("/api/v1/admin/outbox?agency_id={t.agency_id}"), permits(P.MANAGE_OUTBOX)
    ),
    ("GET", "/api/v1/admin/outbox/<int:message_id>"): Entry(
        ("agency",), get("/api/v1/admin/outbox/{t.message_id}"), permits(P.MANAGE_OUTBOX)
    ),
    ("POST", "/api/v1/admin/outbox/<int:message_id>/retry"): Entry(
        ("agency",),
        send("POST", "/api/v1/admin/outbox/{t.message_id}/retry"),
        permits(P.MANAGE_OUTBOX),
    ),
    ("POST", "/api/v1/admin/outbox/<int:message_id>/cancel"): Entry(
        ("agency",),
        send("POST", "/api/v1/admin/outbox/{t.message_id}/cancel"),
        permits(P.MANAGE_OUTBOX),
    ),
    # Files: read by who may read what owns them.
    ("POST", "/api/v1/files"): Entry(
        ("caller",),
        multipart("POST", "/api/v1/files", lambda t: {"note": "no file part"}),
        permits(P.UPLOAD_FILE),
    ),
    ("GET", "/api/v1/files/<int:file_id>"): Entry(FILES, get("/api/v1/files/{t.file_id}"), reads_file),
    ("GET", "/api/v1/files/<int:file_id>/content"): Entry(
        FILES, get("/api/v1/files/{t.file_id}/content"), reads_file
    ),
    ("POST", "/api/v1/files/<int:file_id>/link"): Entry(
        FILES, send("POST", "/api/v1/files/{t.file_id}/link"), reads_file
    ),
    ("GET", "/api/v1/files/<int:file_id>/signed"): Entry(("signed_link",), get("{t.link}"), anyone),
    # Signatures: the check tool is for any signed-in user (it reads only the file it is given).
    ("POST", "/api/v1/signatures/verify"): Entry(
        ("caller",),
        multipart("POST", "/api/v1/signatures/verify", lambda t: {"note": "no file part"}),
        anyone,
    ),
    ("GET", "/api/v1/signatures/ca.crl"): Entry(("caller",), get("/api/v1/signatures/ca.crl"), anyone),
    ("POST", "/api/v1/signatures/ocsp"): Entry(
        ("caller",),
        send(
            "POST", "/api/v1/signatures/ocsp", data=b"not a request", content_type="application/ocsp-request"
        ),
        anyone,
    ),
    ("POST", "/api/v1/signatures/tsa"): Entry(
        ("caller",),
        send(
            "POST", "/api/v1/signatures/tsa", data=b"not a query", content_type="application/timestamp-query"
        ),
        anyone,
    ),
    # Signing certificates: the admins of the owner's agency (a person's, or the agency's seal).
    ("GET", "/api/v1/signatures/certificates/people/<int:user_id>"): Entry(
        ("agency",),
        get("/api/v1/signatures/certificates/people/{t.user_id}"),
        permits(P.MANAGE_SIGNING_CERTIFICATES, lambda t: db.session.get(User, t.user_id)),
    ),
    ("POST", "/api/v1/signatures/certificates/people/<int:user_id>"): Entry(
        ("agency",),
        multipart("POST", "/api/v1/signatures/certificates/people/{t.user_id}", lambda t: {"password": "x"}),
        permits(P.MANAGE_SIGNING_CERTIFICATES, lambda t: db.session.get(User, t.user_id)),
    ),
    ("GET", "/api/v1/signatures/certificates/agencies/<agency_id>"): Entry(
        ("agency",),
        get("/api/v1/signatures/certificates/agencies/{t.agency_id}"),
        permits(P.MANAGE_SIGNING_CERTIFICATES),
    ),
    ("POST", "/api/v1/signatures/certificates/agencies/<agency_id>"): Entry(
        ("agency",),
        multipart(
            "POST", "/api/v1/signatures/certificates/agencies/{t.agency_id}", lambda t: {"password": "x"}
        ),
        permits(P.MANAGE_SIGNING_CERTIFICATES),
    ),
    # Devices: the user's own, or an admin's who manages that user.
    ("GET", "/api/v1/devices"): Entry(
        ("device",),
        get("/api/v1/devices?user_id={t.user_id}"),
        permits(P.MANAGE_DEVICES, lambda t: db.session.get(User, t.user_id)),
    ),
    ("POST", "/api/v1/devices/<device_id>/revoke"): Entry(
        ("device",),
        send("POST", "/api/v1/devices/{t.device_id}/revoke?user_id={t.user_id}"),
        permits(P.MANAGE_DEVICES, lambda t: db.session.get(User, t.user_id)),
    ),
}


@pytest.mark.parametrize("key", sorted(PLATFORM), ids=" ".join)
def test_each_role_gets_from_the_route_what_the_permission_rules_allow(world_app, world, key):
    assert_roles_get_what_the_rules_allow(world_app, world, PLATFORM, key)
