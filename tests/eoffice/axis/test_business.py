"""Packages that act on an earlier document (TraceHeaderList › Bussiness), as the SDK's samples send them,
re-signed with a test key and sent through the mock axis to our second agency."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from eoffice.axis import inbound
from eoffice.axis.delivery import send_due
from eoffice.axis.models import AxisReceipt, AxisSend
from eoffice.axis.notices import parse_notice
from eoffice.documents import operations
from eoffice.documents.models import Document
from eoffice.extensions import db
from eoffice.mail.models import OutboxMessage
from tests.eoffice.axis.conftest import RECIPIENT, SENDER
from tests.eoffice.axis.helpers import OTHER, act, exchange, issued_to_other, key, person, received_copy
from tests.factories import create_document
from tests.fixtures.edxml import SDK_PROFILE, make_identity, resign
from tests.fixtures.vdxp_samples import AGENCY_G22, SAMPLE_DOCUMENT_ID, read_sample

# The samples' sender and the other agencies they address besides H41 (which stands for ours).
SAMPLE_AGENCIES = [
    (AGENCY_G22, "Văn phòng Chính phủ"),
    ("000.00.00.H14", "UBND Tỉnh Cao Bằng"),
    ("000.00.00.G17", "Sở Thông tin truyền thông Hải Phòng"),
]
LIMIT = 50 * 1024 * 1024


@pytest.fixture
def government_office(axis_server):
    """The samples' sender (G22) on the mock axis, signing as the SDK does with a test key."""
    signer = make_identity("Văn phòng Chính phủ")
    api = axis_server.api()
    session = api.connect(api.register_system("Văn phòng Chính phủ", SAMPLE_AGENCIES, signer.certificate_pem))

    def send(name: str, **replacements: str) -> None:
        body = read_sample(name)
        # edoc_new comes from another agency (A80) to no agency id (28.22.H17): it is G22's to ours here.
        for old, new in {
            "000.00.00.A80": AGENCY_G22,
            "28.22.H17": RECIPIENT,
            "000.00.00.H41": RECIPIENT,
            **replacements,
        }.items():
            body = body.replace(old.encode(), new.encode())
        reply = session.send_edoc(resign(body, signer, SDK_PROFILE))
        assert reply.status == 202, reply.content

    send.session = session
    return send


def statuses_received_by_g22(session) -> list[tuple[str, str, str]]:
    """(StatusCode, DocumentId, Description) of every notice waiting for G22 on the axis."""
    found = []
    for item in session.pending(limit=100).json["messages"]:
        if item["type"] == "status":
            body = session.get_message(item["message_id"]).content
            notice, _ = parse_notice(body, max_bytes=LIMIT, trusted_certificate=lambda organ_id: None)
            found.append((notice.status_code, notice.document_id, notice.description))
    return found


def send_all(connector) -> None:
    """Send passes until the outbox is empty (a thread's sends go one per pass, in order)."""
    while send_due(connector):
        pass


def copies() -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count()).select_from(Document).where(Document.agency_id == RECIPIENT)
    )


def test_a_revocation_sample_withdraws_our_copy_tells_its_handlers_and_answers_15(
    connector, government_office, people
):
    government_office("edoc_new.edxml")
    inbound.receive_pending(connector)
    clerk, leader = people.outsider_clerk, people.outsider_leader
    act(operations.register, SAMPLE_DOCUMENT_ID, clerk)
    act(operations.submit_for_direction, SAMPLE_DOCUMENT_ID, clerk, leader_id=key(leader))
    act(operations.assign, SAMPLE_DOCUMENT_ID, leader, primary_user_id=key(clerk))
    send_all(connector)

    government_office("edoc_revocation.edxml")
    inbound.receive_pending(connector)
    send_all(connector)

    copy = received_copy(SAMPLE_DOCUMENT_ID)
    assert (copy.status, copy.recall_reason) == ("recalled", "Thu hồi văn bản điện tử")
    assert copy.trace[-1].details["business_type"] == "revocation"
    assert copy.trace[-1].details["staff"] == "Nguyễn Thị Ngọc Trâm"
    assert copies() == 1  # not registered as a new document
    told = set(
        db.session.scalars(select(OutboxMessage.to_address).where(OutboxMessage.kind == "document.recalled"))
    )
    assert told == {clerk.email, leader.email}
    codes = [code for code, document_id, _ in statuses_received_by_g22(government_office.session)]
    assert codes == ["01", "03", "04", "15"]


def test_a_revocation_of_a_document_never_received_is_answered_16_and_registers_nothing(
    connector, government_office, people
):
    unknown = "000.00.00.G22,2015/09/30,9999/VPCP-TTĐT"
    government_office("edoc_revocation.edxml", **{"7816/VPCP-TTĐT": "9999/VPCP-TTĐT"})

    inbound.receive_pending(connector)
    send_all(connector)

    assert copies() == 0
    [(code, document_id, description)] = statuses_received_by_g22(government_office.session)
    assert (code, document_id) == ("16", unknown)
    assert description == f"Không thu hồi được: văn bản {unknown} chưa đến cơ quan nhận"
    [receipt] = db.session.scalars(select(AxisReceipt)).all()
    assert (receipt.outcome, receipt.document_id) == ("ignored", None)
    assert db.session.scalars(select(AxisSend.status_code)).all() == ["16"]


UPDATED_ID = "000.00.00.G22,2014/02/30,7806/VPCP-TTĐT"  # the update sample's earlier document (no such date)
REPLACED_ID = "000.00.00.G22,2014/01/30,7806/VPCP-TTĐT"  # the replacement sample's


def test_an_update_sample_changes_our_copy_as_it_says_with_a_trace_entry_and_answers_15(
    connector, government_office, people
):
    government_office("edoc_new.edxml")
    inbound.receive_pending(connector)
    act(operations.register, SAMPLE_DOCUMENT_ID, people.outsider_clerk)
    before = received_copy(SAMPLE_DOCUMENT_ID)
    old_files = [link.stored_file.sha256 for link in before.files]
    old_names = [link.stored_file.name for link in before.files]

    # The sample names an earlier document whose date does not exist; here it names the one we have.
    government_office("edoc_update.edxml", **{UPDATED_ID: SAMPLE_DOCUMENT_ID})
    inbound.receive_pending(connector)
    send_all(connector)

    copy = received_copy(SAMPLE_DOCUMENT_ID)
    assert copies() == 1
    assert (copy.status, copy.number, copy.issued_date.isoformat(), copy.issuer_name) == (
        "registered",
        7816,
        "2018-09-28",
        "Văn phòng Chính phủ",
    )
    assert [link.stored_file.sha256 for link in copy.files] != old_files
    entry = copy.trace[-1]
    assert (entry.action, entry.note, entry.details["business_type"]) == (
        "axis_update",
        "Cập nhật văn bản điện tử",
        "update",
    )
    assert entry.details["changed"]["number"] == {"from": None, "to": 7816}
    assert entry.details["changed"]["issued_date"] == {"from": "2019-01-16", "to": "2018-09-28"}
    # The sample's attachment is a zip (its member, then the zip as received), in both versions.
    assert entry.details["files"] == {"from": old_names, "to": [link.stored_file.name for link in copy.files]}
    assert old_names[-1] == entry.details["files"]["to"][-1] == "1896_QD-TTg_m_294779.doc.zip"
    statuses = statuses_received_by_g22(government_office.session)
    assert statuses[-1] == ("15", SAMPLE_DOCUMENT_ID, "Đã cập nhật văn bản theo đề nghị của cơ quan gửi")


def test_an_update_of_a_document_never_received_is_answered_16_and_changes_nothing(
    connector, government_office, people
):
    government_office("edoc_update.edxml")
    inbound.receive_pending(connector)
    send_all(connector)

    assert copies() == 0
    assert statuses_received_by_g22(government_office.session) == [
        ("16", SAMPLE_DOCUMENT_ID, f"Không cập nhật được: văn bản {UPDATED_ID} chưa đến cơ quan nhận")
    ]


def test_a_replacement_sample_registers_the_new_document_linked_both_ways_to_the_one_it_replaces(
    connector, government_office, people, client, as_user
):
    government_office("edoc_new.edxml", **{SAMPLE_DOCUMENT_ID: REPLACED_ID})
    inbound.receive_pending(connector)

    government_office("edoc_replacement.edxml")
    inbound.receive_pending(connector)

    old, new = received_copy(REPLACED_ID), received_copy(SAMPLE_DOCUMENT_ID)
    assert (old.status, new.status) == ("replaced", "pending_registration")
    headers = as_user(people.outsider_clerk)
    old_json = client.get(f"/api/v1/documents/{old.id}", headers=headers).get_json()
    new_json = client.get(f"/api/v1/documents/{new.id}", headers=headers).get_json()
    assert (old_json["replaced_by_id"], new_json["replaces_id"]) == (new.id, old.id)
    assert old_json["trace"][-1]["details"]["replaced_by"] == new.id


def test_a_replacement_of_a_document_never_received_is_answered_16_and_registers_nothing(
    connector, government_office, people
):
    government_office("edoc_replacement.edxml")
    inbound.receive_pending(connector)
    send_all(connector)

    assert copies() == 0
    assert statuses_received_by_g22(government_office.session) == [
        ("16", SAMPLE_DOCUMENT_ID, f"Không thay thế được: văn bản {REPLACED_ID} chưa đến cơ quan nhận")
    ]


def test_issuing_a_replacement_sends_a_replacement_package_and_the_other_agency_links_the_copies(
    connector, people
):
    first_id, first_document_id = issued_to_other(people)
    exchange(connector)
    replacement = create_document(
        "issued",
        clerk=person(people.clerk),
        drafter=person(people.handler),
        reviewers=[person(people.reviewer)],
        signer=person(people.leader),
        metadata={
            "recipients": [OTHER],
            "subject": "Về việc rà soát biên chế (thay thế)",
            "replaces_id": first_id,
        },
    )
    replacement_document_id = f"{SENDER},{replacement.issued_date:%Y/%m/%d},02/QĐ-UBND"

    exchange(connector)

    old, new = received_copy(first_document_id), received_copy(replacement_document_id)
    assert (old.status, new.status, new.replaces_id, old.replaced_by_id) == (
        "replaced",
        "pending_registration",
        old.id,
        new.id,
    )
    assert new.trace[0].details["axis_header"]["document_id"] == replacement_document_id
    assert old.trace[-1].note == "Thay thế văn bản số 01/QĐ-UBND"
