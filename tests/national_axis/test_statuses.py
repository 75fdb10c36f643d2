"""Status notices: addressed per the contract, delivered like packages, and recorded on the sent list."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.fixtures.edxml import signed_package, signed_status


@pytest.fixture
def delivered(axis_app, party_a, party_b):
    """A's package to B's top agency, delivered and acked; answers its edXML DocumentId."""
    body = signed_package(party_a.identity, from_id=party_a.agency, to_ids=[party_b.agency])
    message_id = party_a.session.send_edoc(body).json["message_id"]
    party_b.session.ack(message_id)
    return f"{party_a.agency},2026/11/20,1234/UBND-VX"


def _status(party, **fields) -> bytes:
    return signed_status(party.identity, **fields)


def _recipient_view(party_a) -> dict:
    (edoc,) = party_a.session.sent().json["edocs"]
    (recipient,) = edoc["recipients"]
    return recipient


def test_a_status_notice_flows_back_to_the_sender_and_shows_on_the_sent_list(party_a, party_b, delivered):
    notice = _status(
        party_b,
        original_sender_id=party_a.agency,
        document_id=delivered,
        from_id=party_b.agency,
        code="03",
        description="Đã vào sổ văn bản đến số 125",
        timestamp=dt.datetime(2026, 11, 20, 3, 2, 11, tzinfo=dt.UTC),
    )
    reply = party_b.session.send_status(notice)
    assert reply.status == 202
    status_id = reply.json["message_id"]

    (pending,) = party_a.session.pending().json["messages"]
    assert pending == {**pending, "message_id": status_id, "type": "status"}
    assert (pending["from"], pending["to"]) == (party_b.agency, party_a.agency)
    assert party_a.session.get_message(status_id).content == notice
    assert party_b.session.pending().json["messages"] == []
    assert _recipient_view(party_a) == {
        "organ_id": party_b.agency,
        "acked": True,
        "status_code": "03",
        "description": "Đã vào sổ văn bản đến số 125",
        "updated_at": "2026-11-20T03:02:11+00:00",
    }
    party_a.session.ack(status_id)
    assert party_a.session.pending().json["messages"] == []


def test_the_latest_notice_by_its_timestamp_wins(party_a, party_b, delivered):
    start = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)
    facts = {"original_sender_id": party_a.agency, "document_id": delivered, "from_id": party_b.agency}
    for code, minutes in (("01", 0), ("04", 10), ("03", 5)):  # "03" is a late retry
        reply = party_b.session.send_status(
            _status(party_b, code=code, timestamp=start + dt.timedelta(minutes=minutes), **facts)
        )
        assert reply.status == 202
    assert _recipient_view(party_a)["status_code"] == "04"
    assert len(party_a.session.pending_ids()) == 3  # every notice is still delivered


def test_the_same_notice_sent_twice_is_one_message(party_a, party_b, delivered):
    notice = _status(
        party_b, original_sender_id=party_a.agency, document_id=delivered, from_id=party_b.agency, code="01"
    )
    first = party_b.session.send_status(notice)
    again = party_b.session.send_status(notice)
    assert (again.status, again.json) == (202, first.json)
    assert party_a.session.pending_ids() == [first.json["message_id"]]


def test_a_recall_request_goes_from_the_sender_to_the_recipient_named_in_to(party_a, party_b, delivered):
    recall = _status(
        party_a,
        original_sender_id=party_a.agency,
        document_id=delivered,
        from_id=party_a.agency,
        to_id=party_b.agency,
        code="13",
        description="Đề nghị thu hồi văn bản",
    )
    reply = party_a.session.send_status(recall)
    assert reply.status == 202
    (pending,) = party_b.session.pending().json["messages"]
    assert (pending["type"], pending["from"], pending["to"]) == ("status", party_a.agency, party_b.agency)
    assert party_b.session.get_message(pending["message_id"]).content == recall
    assert party_a.session.pending().json["messages"] == []
    assert _recipient_view(party_a)["status_code"] == "13"

    agreed = _status(
        party_b, original_sender_id=party_a.agency, document_id=delivered, from_id=party_b.agency, code="15"
    )
    assert party_b.session.send_status(agreed).status == 202
    assert _recipient_view(party_a)["status_code"] == "15"


def _problems(reply) -> dict[str, str]:
    assert reply.status == 422, reply.content
    return {item["field"]: item["problem"] for item in reply.problems}


def test_notices_that_break_the_addressing_rules_are_refused(party_a, party_b, delivered, identities):
    facts = {"original_sender_id": party_a.agency, "document_id": delivered}
    unknown = _problems(
        party_b.session.send_status(
            _status(
                party_b,
                **{**facts, "document_id": f"{party_a.agency},2026/11/20,9/UBND-VX"},
                from_id=party_b.agency,
                code="01",
            )
        )
    )
    assert "no package" in unknown["ResponseFor.DocumentId"]
    # B's department never received it: the pair does not match.
    other_recipient = _problems(
        party_b.session.send_status(_status(party_b, **facts, from_id=party_b.agencies[1], code="01"))
    )
    assert party_b.agencies[1] in other_recipient["ResponseFor.DocumentId"]
    recall_by_recipient = _problems(
        party_b.session.send_status(
            _status(party_b, **facts, from_id=party_b.agency, to_id=party_a.agency, code="13")
        )
    )
    # 13 from B makes B the original sender: B never sent that package to A.
    assert f"from {party_b.agency} to {party_a.agency}" in recall_by_recipient["ResponseFor.DocumentId"]
    to_a_third_party = _problems(
        party_b.session.send_status(
            _status(party_b, **facts, from_id=party_b.agency, to_id=party_a.agencies[1], code="03")
        )
    )
    assert f"from {party_a.agencies[1]} to {party_b.agency}" in to_a_third_party["ResponseFor.DocumentId"]
    sender_without_to = _problems(
        party_a.session.send_status(_status(party_a, **facts, from_id=party_a.agency, code="13"))
    )
    assert "sender of the notice itself" in sender_without_to["ResponseFor.OrganId"]
    accepted_by_sender = _problems(
        party_a.session.send_status(
            _status(party_a, **facts, from_id=party_a.agency, to_id=party_b.agency, code="03")
        )
    )
    assert f"from {party_b.agency} to {party_a.agency}" in accepted_by_sender["ResponseFor.DocumentId"]
    not_spoken_for = _problems(
        party_a.session.send_status(_status(party_a, **facts, from_id=party_b.agency, code="03"))
    )
    assert "speaks for" in not_spoken_for["From.OrganId"]
    bad_code = _problems(
        party_b.session.send_status(_status(party_b, **facts, from_id=party_b.agency, code="07"))
    )
    assert "not one of" in bad_code["StatusCode"]
    bad_signature = _problems(
        party_b.session.send_status(signed_status(identities[2], **facts, from_id=party_b.agency, code="03"))
    )
    assert "registered" in bad_signature["Signature"]
    assert party_a.session.pending().json["messages"] == []
    assert party_b.session.pending().json["messages"] == []
    assert _recipient_view(party_a)["status_code"] is None


def test_a_notice_with_bad_fields_names_each_of_them(party_a, party_b, delivered):
    def spoil(root):
        ns = "{http://www.mic.gov.vn/TBT/QCVN_102_2016}"
        message = root.find(f"{ns}edXMLEnvelope/{ns}edXMLHeader/{ns}MessageHeader")
        message.find(f"{ns}Timestamp").text = "20/11/2026 10:02"
        message.find(f"{ns}ResponseFor/{ns}OrganId").text = "H97"

    notice = signed_status(
        party_b.identity,
        original_sender_id=party_a.agency,
        document_id=delivered,
        from_id=party_b.agency,
        code="3",
        mutate=spoil,
    )
    problems = _problems(party_b.session.send_status(notice))
    assert set(problems) == {"Timestamp", "ResponseFor.OrganId", "StatusCode"}
    assert "Vietnam time" in problems["Timestamp"]


def test_a_package_posted_as_a_status_is_refused(party_a, party_b, delivered):
    body = signed_package(party_b.identity, from_id=party_b.agency, to_ids=[party_a.agency])
    problems = _problems(party_b.session.send_status(body))
    assert problems["StatusCode"] == "is required"
    assert problems["ResponseFor.OrganId"] == "is required"


def test_a_notice_with_a_doctype_is_refused_before_parsing(party_a, party_b, delivered):
    notice = _status(
        party_b, original_sender_id=party_a.agency, document_id=delivered, from_id=party_b.agency, code="01"
    )
    hostile = notice.replace(b"?>", b'?><!DOCTYPE edXML [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1)
    problems = _problems(party_b.session.send_status(hostile))
    assert "DOCTYPE" in problems["status"]
    assert party_a.session.pending().json["messages"] == []
