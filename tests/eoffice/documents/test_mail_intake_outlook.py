"""Outlook's ways with official e-mail: documents wrapped in winmail.dat (TNEF) are taken out of it as the
document's files, whatever Outlook nested; a winmail.dat that is cut short or hostile is left out with why."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from eoffice.documents.models import Document
from eoffice.extensions import db
from eoffice.mailbox.models import MailReceipt
from eoffice.mailbox.tasks import check_mailboxes
from eoffice.mailbox.tnef import TnefError, read_tnef
from tests.eoffice.documents.conftest import HOME
from tests.fixtures.mail import PDF, configure_mailbox, official_message
from tests.fixtures.tnef import winmail

DOCX = b"PK\x03\x04" + b"\x14\x00\x06\x00" + b"[Content_Types].xml" + b"\x00" * 40


@pytest.fixture
def app_env() -> dict[str, str]:
    return {"EOFFICE_MAIL_INTAKE_MAX_ATTACHMENTS": "4", "EOFFICE_TEXT_EXTRACTION": "inline"}


def _with_winmail(subject: str, content: bytes, *, body: str = "Kính gửi UBND tỉnh."):
    message = official_message(subject, body=body)
    message.add_attachment(content, maintype="application", subtype="ms-tnef", filename="winmail.dat")
    return message


def _document(subject: str) -> Document:
    return db.session.scalar(select(Document).where(Document.subject == subject))


def test_the_documents_inside_an_outlook_winmail_dat_become_the_documents_files(
    client, people, as_user, dovecot
):
    user = configure_mailbox(client, as_user(people.admin), dovecot, HOME)
    # Outlook's rich text: the documents (long Vietnamese names in MAPI properties), a forwarded message
    # carrying one more, and the letter's text only inside the TNEF.
    wrapped = winmail(
        [("Công văn số 12.pdf", PDF), ("Tờ trình dự toán.docx", DOCX)],
        body="Kính gửi UBND tỉnh, Sở Tài chính gửi công văn số 12.",
        embedded=[("Báo cáo quyết toán.pdf", PDF)],
    )
    outlook = _with_winmail("Công văn số 12 gửi từ Outlook", wrapped, body="")
    # Cut short in transit (or made so): left out with why, the message still becomes a document.
    broken = _with_winmail("Thư có winmail.dat hỏng", wrapped[: len(wrapped) // 2])
    # More documents inside than a message may bring (4 here): refused as a crowded message is.
    crowded = _with_winmail("Nhiều tệp trong winmail.dat", winmail([(f"tep-{n}.pdf", PDF) for n in range(5)]))
    for message in (outlook, broken, crowded):
        dovecot.deliver(user, message.as_bytes())

    assert check_mailboxes() == 3

    document = _document("Công văn số 12 gửi từ Outlook")
    assert [(link.stored_file.name, link.stored_file.sha256) for link in document.files] == [
        ("Công văn số 12.pdf", hashlib.sha256(PDF).hexdigest()),
        ("Tờ trình dự toán.docx", hashlib.sha256(DOCX).hexdigest()),
        ("Báo cáo quyết toán.pdf", hashlib.sha256(PDF).hexdigest()),
    ]
    assert "winmail.dat" not in [link.stored_file.name for link in document.files]
    assert document.note == "Kính gửi UBND tỉnh, Sở Tài chính gửi công văn số 12."
    assert "left_out" not in document.trace[0].details["email"]

    damaged = _document("Thư có winmail.dat hỏng")
    assert damaged.files == []
    (left_out,) = damaged.trace[0].details["email"]["left_out"]
    assert left_out["name"] == "winmail.dat" and "cannot be read" in left_out["reason"]

    refused = db.session.scalar(select(MailReceipt).where(MailReceipt.message_key == crowded["Message-ID"]))
    assert refused.outcome == "refused" and "more than the limit of 4" in refused.reason
    assert _document("Nhiều tệp trong winmail.dat") is None


@pytest.mark.parametrize(
    "stream, reason",
    [
        (b"PK\x03\x04 not tnef", "not a TNEF stream"),
        # An attribute claiming 4 GiB of data in a stream of a few bytes.
        (b"\x78\x9f\x3e\x22\x01\x00" + b"\x02\x0f\x80\x06\x00" + b"\xff\xff\xff\xff" + b"abc", "cut short"),
        (b"\x78\x9f\x3e\x22\x01\x00" + b"\x07" + b"\x00" * 10, "no attribute level 7"),
    ],
)
def test_a_hostile_winmail_dat_is_refused_by_the_reader_without_reading_past_its_end(stream, reason):
    with pytest.raises(TnefError, match=reason):
        read_tnef(stream, max_files=10)


def test_messages_nested_in_a_winmail_dat_deeper_than_the_limit_are_refused():
    nested = winmail([("a.pdf", PDF)])
    assert [file.name for file in read_tnef(winmail([], embedded=nested), max_files=10).files] == ["a.pdf"]
    for _ in range(3):
        nested = winmail([], embedded=nested)
    with pytest.raises(TnefError, match="too deep"):
        read_tnef(nested, max_files=10)
