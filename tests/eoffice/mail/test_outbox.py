"""Preferences, the daily digest, the embedded local mailbox and the admin view of the outbox."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email.policy import default

import pytest
from sqlalchemy import select

from eoffice.extensions import db
from eoffice.mail.models import MessageStatus, OutboxMessage
from eoffice.mail.operations import last_digest_boundary, notify, queue_digests
from eoffice.mail.tasks import process_due
from eoffice.mail.transport import build_transport
from eoffice.runtime import settings
from tests.factories import create_agency, create_user

CONTEXT = {"title": "Công văn 12/UBND-VX", "actor": "Nguyễn Thị Hoa", "role": "phối hợp"}


@pytest.fixture
def people(agency):
    create_agency("000.00.01.H49", "Sở Nội vụ tỉnh Quảng Nam")
    return {
        "root": create_user("root", roles=["admin"], is_platform_admin=True),
        "admin": create_user("admin.ubnd", roles=["admin"]),
        "admin.snv": create_user("admin.snv", roles=["admin"], agency_id="000.00.01.H49"),
        "specialist": create_user("chuyenvien", roles=["specialist"], full_name="Lê Thị Thu Trang"),
    }


def test_without_smtp_mail_is_kept_in_the_local_outbox(people, login, client):
    queued = notify(people["specialist"], "document.assigned", CONTEXT)
    db.session.commit()
    transport = build_transport(settings())
    assert process_due(transport) == 1
    assert db.session.get(OutboxMessage, queued.id).status == MessageStatus.KEPT
    files = list((settings().instance_dir / "mail").glob("*.eml"))
    assert len(files) == 1
    kept = email.message_from_bytes(files[0].read_bytes(), policy=default)
    assert kept["Subject"] == "Văn bản được giao: Công văn 12/UBND-VX"
    detail = client.get(f"/api/v1/admin/outbox/{queued.id}", headers=login("admin.ubnd"))
    assert detail.status_code == 200
    assert detail.get_json()["status"] == "kept"
    assert "Nguyễn Thị Hoa đã giao văn bản sau" in detail.get_json()["text_body"]


def test_a_kind_switched_off_is_not_sent_but_urgent_notices_always_are(people, client, login):
    headers = login("chuyenvien")
    response = client.put(
        "/api/v1/me/notification-preferences", json={"modes": {"document.assigned": "off"}}, headers=headers
    )
    assert response.status_code == 200
    assert response.get_json()["modes"]["document.assigned"] == "off"
    specialist = people["specialist"]
    assert notify(specialist, "document.assigned", CONTEXT) is None
    assert notify(specialist, "document.assigned", CONTEXT, urgent=True).status == MessageStatus.PENDING
    assert notify(specialist, "document.returned", CONTEXT).status == MessageStatus.PENDING


@pytest.mark.parametrize(
    "modes", [{"meeting.invitation": "off"}, {"no.such.kind": "off"}, {"document.assigned": "sometimes"}]
)
def test_invalid_preferences_are_refused(people, client, login, modes):
    response = client.put(
        "/api/v1/me/notification-preferences", json={"modes": modes}, headers=login("chuyenvien")
    )
    assert response.status_code == 422
    assert (
        client.get("/api/v1/me/notification-preferences", headers=login("chuyenvien")).get_json()["modes"][
            "document.assigned"
        ]
        == "immediate"
    )


def test_digest_gathers_non_urgent_notices_into_one_message_a_day(people, client, login):
    client.put(
        "/api/v1/me/notification-preferences",
        json={"modes": {"document.assigned": "digest", "document.issued": "digest"}},
        headers=login("chuyenvien"),
    )
    specialist = people["specialist"]
    first = notify(specialist, "document.assigned", CONTEXT, link="/documents/1")
    second = notify(specialist, "document.issued", {"title": "Quyết định 15/QĐ-UBND"}, link="/documents/2")
    urgent = notify(specialist, "document.assigned", CONTEXT, urgent=True)
    db.session.commit()
    assert (first.status, second.status, urgent.status) == ("digest", "digest", "pending")

    assert queue_digests(first.created_at - timedelta(seconds=1)) == 0
    later = first.created_at + timedelta(days=1)
    assert queue_digests(later) == 1
    db.session.commit()
    assert queue_digests(later) == 0
    digest = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "digest"))
    assert digest.subject == "Tổng hợp thông báo trong ngày (2)"
    assert "Văn bản được giao: Công văn 12/UBND-VX" in digest.text_body
    assert "/documents/2" in digest.text_body
    assert {db.session.get(OutboxMessage, m.id).digest_id for m in (first, second)} == {digest.id}


def test_digest_boundary_is_the_configured_hour_in_vietnam_time(app):
    # 07:00 in Vietnam is 00:00 UTC.
    assert last_digest_boundary(datetime(2026, 11, 25, 0, 30, tzinfo=UTC)) == datetime(
        2026, 11, 25, 0, 0, tzinfo=UTC
    )
    assert last_digest_boundary(datetime(2026, 11, 24, 23, 30, tzinfo=UTC)) == datetime(
        2026, 11, 24, 0, 0, tzinfo=UTC
    )


def test_admins_see_their_agencys_outbox_and_retry_or_cancel(people, client, login):
    mine = notify(people["specialist"], "document.assigned", CONTEXT)
    other = notify(people["admin.snv"], "document.assigned", CONTEXT)
    mine.status, mine.last_error = MessageStatus.FAILED, "550 mailbox unavailable"
    db.session.commit()

    headers = login("admin.ubnd")
    listed = client.get("/api/v1/admin/outbox", headers=headers).get_json()
    assert [m["id"] for m in listed] == [mine.id]
    assert listed[0]["last_error"] == "550 mailbox unavailable"
    assert client.get(f"/api/v1/admin/outbox/{other.id}", headers=headers).status_code == 403
    assert client.get("/api/v1/admin/outbox", headers=login("chuyenvien")).status_code == 403
    assert len(client.get("/api/v1/admin/outbox", headers=login("root")).get_json()) == 2

    retried = client.post(f"/api/v1/admin/outbox/{mine.id}/retry", headers=headers)
    assert retried.status_code == 200 and retried.get_json()["status"] == "pending"
    assert client.post(f"/api/v1/admin/outbox/{mine.id}/retry", headers=headers).status_code == 409
    cancelled = client.post(f"/api/v1/admin/outbox/{mine.id}/cancel", headers=headers)
    assert cancelled.get_json()["status"] == "cancelled"
    transport = build_transport(settings())
    process_due(transport)
    assert db.session.get(OutboxMessage, mine.id).status == MessageStatus.CANCELLED


def test_users_without_an_address_get_no_message(people):
    specialist = people["specialist"]
    specialist.email = None
    db.session.commit()
    assert notify(specialist, "document.assigned", CONTEXT) is None
