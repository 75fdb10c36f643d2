"""The agency's official mailbox: messages in a real IMAP server (Dovecot on loopback) become
pending_registration documents exactly once, are moved to the processed or refused folder, and a server
stopped mid-run loses nothing and doubles nothing."""

from __future__ import annotations

import base64
import hashlib

import pytest
from sqlalchemy import select

from eoffice.documents.models import Channel, Document, Status
from eoffice.extensions import db
from eoffice.mailbox.imap import ImapSession
from eoffice.mailbox.models import Mailbox, MailReceipt
from eoffice.mailbox.tasks import check_mailboxes
from tests.eoffice.documents.conftest import HOME
from tests.fixtures.mail import PDF, authority_and_signer, configure_mailbox, official_message, smime_signed


@pytest.fixture
def app_env(tmp_path) -> dict[str, str]:
    # S/MIME signers are trusted when their certificate leads to the authority a test writes here.
    (tmp_path / "roots").mkdir()
    return {
        "EOFFICE_MAIL_INTAKE_MAX_ATTACHMENTS": "4",
        "EOFFICE_TEXT_EXTRACTION": "inline",
        "EOFFICE_SIGNING_TRUST_ROOTS": str(tmp_path / "roots" / "ca.pem"),
    }


@pytest.fixture
def mailbox_user(client, people, as_user, dovecot):
    """A fresh mailbox in Dovecot, configured for the home agency by its admin through the API."""
    return configure_mailbox(client, as_user(people.admin), dovecot, HOME, processed_folder="Đã xử lý")


_message = official_message


def _pending(subject_part: str) -> Document:
    return db.session.scalar(select(Document).where(Document.subject.contains(subject_part)))


def test_the_admin_configures_the_mailbox_and_its_password_is_kept_encrypted_and_never_shown(
    client,
    people,
    as_user,
    dovecot,
):
    admin = as_user(people.admin)
    url = f"/api/v1/mailboxes/{HOME}"
    first = {"host": "mail.quangnam.gov.vn", "port": 993, "username": "vanthu@quangnam.gov.vn"}

    missing_password = client.put(url, json=first, headers=admin)
    bad_port = client.put(url, json={**first, "port": 0, "password": "mat-khau"}, headers=admin)
    by_clerk = client.put(url, json={**first, "password": "mat-khau"}, headers=as_user(people.clerk))
    assert (
        missing_password.status_code == 422 and "password" in missing_password.get_json()["error"]["message"]
    )
    assert bad_port.status_code == 422 and "port" in str(bad_port.get_json()["error"]["details"])
    assert by_clerk.status_code == 403
    assert db.session.get(Mailbox, HOME) is None

    saved = client.put(url, json={**first, "password": "mat-khau-thu-cong-vu"}, headers=admin)
    assert saved.status_code == 200, saved.get_json()
    shown = saved.get_json()
    assert shown["has_password"] is True and "password" not in shown and shown["security"] == "tls"
    assert (shown["folder"], shown["processed_folder"], shown["refused_folder"]) == (
        "INBOX",
        "Processed",
        "Refused",
    )
    stored = db.session.get(Mailbox, HOME).password_encrypted
    assert b"mat-khau-thu-cong-vu" not in stored

    # Changed without a password: the one given before stays.
    changed = client.put(url, json={**first, "port": 143, "security": "starttls"}, headers=admin)
    assert changed.status_code == 200 and changed.get_json()["port"] == 143
    db.session.expire_all()
    assert db.session.get(Mailbox, HOME).password_encrypted == stored
    assert client.get(url, headers=as_user(people.outsider_clerk)).status_code == 403


def test_messages_become_pending_documents_once_with_their_attachments_and_bad_ones_are_refused(
    app,
    client,
    people,
    as_user,
    mailbox_user,
    dovecot,
):
    # A Vietnamese subject and file name, encoded as the RFC say (2047 words, 2231 parameters).
    plain = _message("Công văn về quyết toán kinh phí")
    plain.add_attachment(PDF, maintype="application", subtype="pdf", filename="Công văn số 12.pdf")
    # No attachment: kept for the clerk as a message without documents.
    bare = _message("Thư mời họp giao ban", body="Trân trọng kính mời đồng chí dự họp giao ban.")
    # Outlook's ways: a file name as a 2047 encoded word, winmail.dat, a program, a path in the name,
    # and a forwarded message carrying the document itself.
    tricky = _message("Chuyển tiếp: Tờ trình dự toán")
    encoded_name = "=?UTF-8?B?" + base64.b64encode("Tờ trình.pdf".encode()).decode() + "?="
    tricky.add_attachment(PDF, maintype="application", subtype="pdf", filename="placeholder.pdf")
    tricky.get_payload()[-1].replace_header("Content-Disposition", f'attachment; filename="{encoded_name}"')
    tricky.add_attachment(
        b"\x78\x9f\x3e\x22" + b"\x00" * 64, maintype="application", subtype="ms-tnef", filename="winmail.dat"
    )
    tricky.add_attachment(
        b"MZ" + b"\x00" * 64, maintype="application", subtype="octet-stream", filename="hoa-don.pdf.exe"
    )
    forwarded = _message("Bản gốc: dự toán")
    forwarded.add_attachment(PDF, maintype="application", subtype="pdf", filename="../../du-toan.pdf")
    tricky.add_attachment(forwarded)
    # More attachments than the limit (4 here): refused, moved to the refused folder.
    crowded = _message("Nhiều tệp đính kèm")
    for index in range(5):
        crowded.add_attachment(PDF, maintype="application", subtype="pdf", filename=f"tep-{index}.pdf")
    for message in (plain, bare, tricky, crowded):
        dovecot.deliver(mailbox_user, message.as_bytes())

    result = app.test_cli_runner().invoke(args=["mail-intake-worker", "--exit-when-idle"])
    assert result.exit_code == 0, result.output

    documents = db.session.scalars(select(Document).where(Document.channel == Channel.EMAIL)).all()
    assert len(documents) == 3
    assert all(document.status == Status.PENDING_REGISTRATION for document in documents)
    first = _pending("quyết toán kinh phí")
    assert first.issuer_name == "Văn thư Sở Tài chính <vanthu@stc.quangnam.gov.vn>"
    assert first.issuer_id is None and first.agency_id == HOME
    assert [(link.stored_file.name, link.stored_file.sha256) for link in first.files] == [
        ("Công văn số 12.pdf", hashlib.sha256(PDF).hexdigest())
    ]
    arrival = first.trace[0].details["email"]
    assert (
        arrival["subject"] == "Công văn về quyết toán kinh phí"
        and arrival["message_id"] == plain["Message-ID"]
    )
    assert arrival["received_at"]
    meeting = _pending("Thư mời họp giao ban")
    assert meeting.files == [] and meeting.trace[0].details["email"]["without_documents"] is True
    assert "kính mời đồng chí" in meeting.note
    forwarded_doc = _pending("Tờ trình dự toán")
    assert [link.stored_file.name for link in forwarded_doc.files] == ["Tờ trình.pdf", "du-toan.pdf"]
    left_out = {item["name"]: item["reason"] for item in forwarded_doc.trace[0].details["email"]["left_out"]}
    assert set(left_out) == {"winmail.dat", "hoa-don.pdf.exe"} and "TNEF" in left_out["winmail.dat"]

    refused = db.session.scalar(select(MailReceipt).where(MailReceipt.outcome == "refused"))
    assert refused.message_key == crowded["Message-ID"] and "more than the limit of 4" in refused.reason
    assert dovecot.message_ids(mailbox_user, "INBOX") == []
    assert sorted(dovecot.message_ids(mailbox_user, "Đã xử lý")) == sorted(
        m["Message-ID"] for m in (plain, bare, tricky)
    )
    assert dovecot.message_ids(mailbox_user, "Refused") == [crowded["Message-ID"]]

    # The same message delivered again (a sender's client resending it) makes no second document.
    dovecot.deliver(mailbox_user, plain.as_bytes())
    assert check_mailboxes() == 1
    assert len(db.session.scalars(select(Document).where(Document.channel == Channel.EMAIL)).all()) == 3

    # The clerk registers it as any arrival: the next arrival number.
    registered = client.post(
        f"/api/v1/documents/{first.id}/actions/register", json={}, headers=as_user(people.clerk)
    )
    assert registered.status_code == 200, registered.get_json()
    assert registered.get_json()["arrival_number"] == 1
    listed = client.get(f"/api/v1/mailboxes/{HOME}/messages", headers=as_user(people.admin)).get_json()
    assert {item["outcome"] for item in listed} == {"document", "refused"} and len(listed) == 4


def test_dovecot_stopped_mid_run_and_restarted_loses_nothing_and_makes_nothing_twice(
    mailbox_user,
    dovecot,
    monkeypatch,
):
    messages = [_message(f"Báo cáo tuần {n}") for n in range(1, 4)]
    for message in messages:
        message.add_attachment(
            PDF, maintype="application", subtype="pdf", filename=f"bao-cao-{id(message)}.pdf"
        )
        dovecot.deliver(mailbox_user, message.as_bytes())
    move = ImapSession.move

    def stopped_before_the_first_move(session, uid, folder):
        monkeypatch.setattr(ImapSession, "move", move)
        dovecot.stop()  # the document of this message is committed; the server goes before the move
        return move(session, uid, folder)

    monkeypatch.setattr(ImapSession, "move", stopped_before_the_first_move)

    check_mailboxes()

    mailbox = db.session.get(Mailbox, HOME)
    assert mailbox.last_error and mailbox.checked_at is not None
    assert len(db.session.scalars(select(Document)).all()) == 1

    dovecot.start()
    check_mailboxes()
    check_mailboxes()

    subjects = sorted(document.subject for document in db.session.scalars(select(Document)))
    assert subjects == [f"Báo cáo tuần {n}" for n in range(1, 4)]
    receipts = db.session.scalars(select(MailReceipt)).all()
    assert len(receipts) == 3 and all(receipt.is_moved for receipt in receipts)
    assert dovecot.message_ids(mailbox_user, "INBOX") == []
    assert sorted(dovecot.message_ids(mailbox_user, "Đã xử lý")) == sorted(m["Message-ID"] for m in messages)
    assert db.session.get(Mailbox, HOME).last_error is None


def test_an_s_mime_signed_message_shows_its_verified_signer_and_a_tampered_one_shows_it_is_not_valid(
    tmp_path, client, people, as_user, dovecot
):
    certificate, key = authority_and_signer(tmp_path / "roots")
    user = configure_mailbox(client, as_user(people.admin), dovecot, HOME)
    dovecot.deliver(user, smime_signed("Báo cáo quyết toán có ký số", certificate, key))
    dovecot.deliver(user, smime_signed("Báo cáo bị sửa", certificate, key).replace(b"UBND", b"UBNX"))

    assert check_mailboxes() == 2

    signed = _pending("có ký số").trace[0].details["email"]["smime"]
    assert (
        signed["valid"] is True and signed["trusted"] is True and signed["signer"] == "Văn thư Sở Tài chính"
    )
    assert [link.stored_file.name for link in _pending("có ký số").files] == ["bao-cao-quyet-toan.pdf"]
    tampered = _pending("bị sửa").trace[0].details["email"]["smime"]
    assert tampered["valid"] is False and tampered["reason"] == "the message was changed after it was signed"
