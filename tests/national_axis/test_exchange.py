"""Packages through the axis: send, pending until acked (at-least-once), exact bytes, idempotent repeats."""

from __future__ import annotations

import sqlalchemy as sa
from lxml import etree

from national_axis import operations
from national_axis.models import Delivery, Message
from tests.fixtures.axis import AxisApi
from tests.fixtures.edxml import NS, make_identity, sign, signed_package
from tests.national_axis.conftest import read_sample, register_party


def _count(app, model) -> int:
    with app.extensions["national_axis"]["engine"].connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_signed_package_reaches_its_recipient_once_acked(axis_app, party_a, party_b):
    body = signed_package(party_a.identity, from_id=party_a.agency, to_ids=[party_b.agency])
    sent = party_a.session.send_edoc(body)
    assert sent.status == 202
    message_id = sent.json["message_id"]
    assert sent.json["document_id"]

    (pending,) = party_b.session.pending().json["messages"]
    assert pending["message_id"] == message_id
    assert (pending["type"], pending["from"], pending["to"]) == ("edoc", party_a.agency, party_b.agency)
    assert pending["received_at"].endswith("+00:00")
    assert party_a.session.pending().json["messages"] == []

    fetched = party_b.session.get_message(message_id)
    assert fetched.status == 200
    assert fetched.headers["Content-Type"].startswith("application/xml")
    assert fetched.content == body

    acked = party_b.session.ack(message_id)
    assert acked.status == 200 and acked.json == {"message_id": message_id, "acked": True}
    assert party_b.session.pending().json["messages"] == []
    assert party_b.session.ack(message_id).status == 200  # twice is fine
    (edoc,) = party_a.session.sent().json["edocs"]
    assert edoc["message_id"] == message_id
    assert edoc["recipients"] == [
        {
            "organ_id": party_b.agency,
            "acked": True,
            "status_code": None,
            "description": None,
            "updated_at": None,
        }
    ]


def test_a_message_not_acked_is_offered_again(axis_app, party_a, party_b):
    body = signed_package(party_a.identity, from_id=party_a.agency, to_ids=[party_b.agency])
    message_id = party_a.session.send_edoc(body).json["message_id"]
    for _ in range(3):
        assert party_b.session.pending_ids() == [message_id]
        assert party_b.session.get_message(message_id).content == body
    # A new token (a restarted client) sees it too.
    party_b.session.fetch_token()
    assert party_b.session.pending_ids() == [message_id]


def test_pending_is_oldest_first_and_limited(axis_app, party_a, party_b):
    ids = []
    for number in range(1, 5):
        body = signed_package(
            party_a.identity, from_id=party_a.agency, to_ids=[party_b.agency], number=str(number)
        )
        ids.append(party_a.session.send_edoc(body).json["message_id"])
    assert party_b.session.pending_ids() == ids
    assert [m["message_id"] for m in party_b.session.pending(limit=2).json["messages"]] == ids[:2]
    assert party_b.session.pending(limit=0).status == 422
    party_b.session.ack(ids[0])
    assert party_b.session.pending_ids() == ids[1:]


def test_one_package_to_several_agencies_is_pending_and_acked_per_addressee(axis_app, party_a, party_b):
    to_ids = [party_b.agencies[0], party_b.agencies[1], party_a.agencies[1]]
    body = signed_package(party_a.identity, from_id=party_a.agency, to_ids=to_ids)
    message_id = party_a.session.send_edoc(body).json["message_id"]
    assert _count(axis_app, Message) == 1
    b_pending = party_b.session.pending().json["messages"]
    assert sorted(m["to"] for m in b_pending) == sorted(party_b.agencies)
    assert {m["message_id"] for m in b_pending} == {message_id}
    assert [m["to"] for m in party_a.session.pending().json["messages"]] == [party_a.agencies[1]]

    assert party_b.session.ack(message_id, to=party_b.agencies[1]).status == 200
    assert [m["to"] for m in party_b.session.pending().json["messages"]] == [party_b.agencies[0]]
    assert party_b.session.ack(message_id, to=party_a.agencies[1]).status == 403
    wrong_type = party_b.session.call("POST", f"/api/v1/messages/{message_id}/ack", json={"to": 7})
    assert wrong_type.status == 422 and wrong_type.problems[0]["field"] == "to"
    party_b.session.ack(message_id)
    assert party_b.session.pending().json["messages"] == []
    # A's own department still has it: acks are per addressee.
    assert party_a.session.pending_ids() == [message_id]
    recipients = party_a.session.sent().json["edocs"][0]["recipients"]
    assert {r["organ_id"]: r["acked"] for r in recipients} == {
        party_b.agencies[0]: True,
        party_b.agencies[1]: True,
        party_a.agencies[1]: False,
    }


def test_a_repeated_document_id_to_the_same_recipients_is_accepted_once(axis_app, party_a, party_b):
    body = signed_package(party_a.identity, from_id=party_a.agency, to_ids=[party_b.agency])
    first = party_a.session.send_edoc(body)
    # Signed again (a retry that rebuilt the package): other bytes, the same DocumentId and recipients.
    rebuilt = signed_package(
        party_a.identity, from_id=party_a.agency, to_ids=[party_b.agency], subject="Lần hai"
    )
    assert rebuilt != body
    for again in (body, rebuilt):
        reply = party_a.session.send_edoc(again)
        assert (reply.status, reply.json) == (202, first.json)
    assert _count(axis_app, Message) == 1 and _count(axis_app, Delivery) == 1
    assert party_b.session.get_message(first.json["message_id"]).content == body


def test_a_twin_committed_between_the_check_and_the_insert_wins(axis_app, party_a, party_b, monkeypatch):
    body = signed_package(party_a.identity, from_id=party_a.agency, to_ids=[party_b.agency])
    first = party_a.session.send_edoc(body)
    real_lookup = operations._by_dedupe_key
    lookups = []

    def blind_at_first(dedupe_key):
        # The check before the insert misses the twin, as when both requests check at the same moment.
        lookups.append(dedupe_key)
        return None if len(lookups) == 1 else real_lookup(dedupe_key)

    monkeypatch.setattr(operations, "_by_dedupe_key", blind_at_first)
    again = party_a.session.send_edoc(body)
    assert (again.status, again.json) == (202, first.json)
    assert len(lookups) == 2  # the unique constraint refused the insert; the twin was read back
    assert _count(axis_app, Message) == 1 and _count(axis_app, Delivery) == 1


def test_the_same_document_to_other_recipients_or_as_an_update_is_a_new_message(axis_app, party_a, party_b):
    first = party_a.session.send_edoc(
        signed_package(party_a.identity, from_id=party_a.agency, to_ids=[party_b.agencies[0]])
    ).json
    later = party_a.session.send_edoc(
        signed_package(party_a.identity, from_id=party_a.agency, to_ids=[party_b.agencies[1]])
    ).json
    update = party_a.session.send_edoc(
        signed_package(
            party_a.identity, from_id=party_a.agency, to_ids=[party_b.agencies[0]], business_doc_type=2
        )
    ).json
    assert len({first["message_id"], later["message_id"], update["message_id"]}) == 3
    # One document as far as the axis is concerned: its id stays.
    assert first["document_id"] == later["document_id"] == update["document_id"]
    assert len(party_b.session.pending_ids()) == 3


def test_a_second_correction_of_one_document_is_a_new_message_and_the_same_update_again_a_repeat(
    axis_app, party_a, party_b
):
    def update(subject: str) -> bytes:
        return signed_package(
            party_a.identity,
            from_id=party_a.agency,
            to_ids=[party_b.agency],
            business_doc_type=2,
            subject=subject,
        )

    body = update("Đính chính lần một")
    first = party_a.session.send_edoc(body).json
    again = party_a.session.send_edoc(body).json
    second = party_a.session.send_edoc(update("Đính chính lần hai")).json

    assert again == first
    assert second["message_id"] != first["message_id"]
    assert second["document_id"] == first["document_id"]
    assert len(party_b.session.pending_ids()) == 2


def test_the_sample_package_signed_by_its_sender_is_accepted(axis_app, axis_api: AxisApi, identities):
    sender = axis_api.register_system(
        "Mẫu", [("000.00.00.H97", "Văn phòng Ủy ban nhân dân tỉnh Mẫu")], identities[0].certificate_pem
    )
    recipient = axis_api.register_system(
        "Sở", [("000.01.00.H97", "Sở Thông tin và Truyền thông tỉnh Mẫu")], identities[1].certificate_pem
    )
    root = etree.fromstring(read_sample())
    body = sign(root, identities[0])
    reply = axis_api.connect(sender).send_edoc(body)
    assert reply.status == 202, reply.content
    receiving = axis_api.connect(recipient)
    (message,) = receiving.pending().json["messages"]
    assert receiving.get_message(message["message_id"]).content == body


def test_line_wrapped_base64_is_accepted(axis_app, party_a, party_b):
    def wrap(root):
        encoded = root.find(f".//{{{NS}}}ContentTransferEncoded")
        text = encoded.text
        encoded.text = "\n" + "\n".join(text[i : i + 76] for i in range(0, len(text), 76)) + "\n"

    body = signed_package(
        party_a.identity,
        from_id=party_a.agency,
        to_ids=[party_b.agency],
        attachments=[("a.pdf", bytes(range(256)) * 4)],
        mutate=wrap,
    )
    assert party_a.session.send_edoc(body).status == 202


def test_only_an_addressee_may_read_or_ack_a_message(axis_app, party_a, party_b):
    message_id = party_a.session.send_edoc(
        signed_package(party_a.identity, from_id=party_a.agency, to_ids=[party_b.agency])
    ).json["message_id"]
    for reply in (party_a.session.get_message(message_id), party_a.session.ack(message_id)):
        assert reply.status == 403
        assert reply.json["error"]["code"] == "not_addressee"
    assert party_b.session.get_message("no-such-message").status == 404
    assert party_b.session.ack("no-such-message").status == 404
    assert party_b.session.pending_ids() == [message_id]


def test_sent_pages_newest_first_with_a_cursor(axis_app, party_a, party_b):
    ids = [
        party_a.session.send_edoc(
            signed_package(party_a.identity, from_id=party_a.agency, to_ids=[party_b.agency], number=str(n))
        ).json["message_id"]
        for n in range(1, 6)
    ]
    seen, cursor = [], None
    while True:
        page = party_a.session.sent(limit=2, cursor=cursor).json
        seen += [edoc["message_id"] for edoc in page["edocs"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))
    edoc = party_a.session.sent(limit=1).json["edocs"][0]
    assert edoc["edxml_document_id"] == f"{party_a.agency},2026/11/20,5/UBND-VX"
    assert party_b.session.sent().json == {"edocs": [], "next_cursor": None}
    assert party_a.session.sent(cursor="abc").status == 422


def test_a_package_signed_under_an_expired_registered_certificate_is_refused(axis_app, axis_api, party_b):
    expired = make_identity("Hết hạn", valid_days=-0.5)  # valid from yesterday until twelve hours ago
    sender = register_party(axis_api, expired, "tỉnh Hết hạn", "H01")
    reply = sender.session.send_edoc(signed_package(expired, from_id=sender.agency, to_ids=[party_b.agency]))
    assert reply.status == 422
    (problem,) = reply.problems
    assert problem["field"] == "Signature" and "not usable" in problem["problem"]
    assert party_b.session.pending().json["messages"] == []
