"""What happens in the mailbox after the intake: a clerk's refusal of an e-mailed document moves its message
to the refused folder exactly once, even when the IMAP server is down at that moment; and a new message is
taken as soon as the server announces it (IDLE), not at the next poll."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from eoffice.documents.models import Document, Status
from eoffice.extensions import db
from eoffice.mailbox.imap import ImapSession
from eoffice.mailbox.models import Mailbox, MailReceipt
from eoffice.mailbox.tasks import check_mailboxes, run_mail_intake_worker
from tests.eoffice.documents.conftest import HOME
from tests.fixtures.mail import PDF, configure_mailbox, official_message


@pytest.fixture
def app_env() -> dict[str, str]:
    return {"EOFFICE_TEXT_EXTRACTION": "inline"}


def _refuse(client, headers, document_id: int, reason: str):
    response = client.post(
        f"/api/v1/documents/{document_id}/actions/refuse", json={"reason": reason}, headers=headers
    )
    assert response.status_code == 200, response.get_json()


def _receipt(message_id: str) -> MailReceipt:
    db.session.expire_all()
    return db.session.scalar(select(MailReceipt).where(MailReceipt.message_key == message_id))


def test_a_clerks_refusal_moves_the_message_to_the_refused_folder_once_even_with_the_server_down(
    client, people, as_user, dovecot
):
    user = configure_mailbox(client, as_user(people.admin), dovecot, HOME)
    misaddressed = official_message("Công văn gửi nhầm cơ quan")
    misaddressed.add_attachment(PDF, maintype="application", subtype="pdf", filename="cong-van.pdf")
    kept = official_message("Công văn đúng địa chỉ")
    # A message without a Message-ID: found again by the UID the server gave it in the processed folder.
    anonymous = official_message("Thư không có Message-ID")
    del anonymous["Message-ID"]
    for message in (misaddressed, kept, anonymous):
        dovecot.deliver(user, message.as_bytes())
    assert check_mailboxes() == 3
    assert len(dovecot.message_ids(user, "Processed")) == 3
    refused = db.session.scalar(select(Document).where(Document.subject == "Công văn gửi nhầm cơ quan"))
    nameless = db.session.scalar(select(Document).where(Document.subject == "Thư không có Message-ID"))

    # The server is down when the clerk refuses: the refusal is kept all the same, the move waits.
    dovecot.stop()
    reason = "Gửi nhầm: văn bản dành cho Sở Nội vụ"
    _refuse(client, as_user(people.clerk), refused.id, reason)
    _refuse(client, as_user(people.clerk), nameless.id, "Thư không kèm văn bản")
    db.session.expire_all()
    assert db.session.get(Document, refused.id).status == Status.REFUSED
    waiting = _receipt(misaddressed["Message-ID"])
    assert (waiting.outcome, waiting.reason, waiting.is_moved) == ("refused", reason, False)
    check_mailboxes()
    assert db.session.get(Mailbox, HOME).last_error
    assert _receipt(misaddressed["Message-ID"]).is_moved is False

    dovecot.start()
    assert check_mailboxes() == 2
    check_mailboxes()

    assert dovecot.message_ids(user, "Refused") == [misaddressed["Message-ID"], ""]
    assert dovecot.message_ids(user, "Processed") == [kept["Message-ID"]]
    assert dovecot.message_ids(user, "INBOX") == []
    moved = _receipt(misaddressed["Message-ID"])
    assert moved.is_moved is True and moved.move_error is None and moved.refused_at is not None
    listed = client.get(f"/api/v1/mailboxes/{HOME}/messages", headers=as_user(people.admin)).get_json()
    shown = next(item for item in listed if item["message_key"] == misaddressed["Message-ID"])
    assert (shown["outcome"], shown["reason"], shown["is_moved"]) == ("refused", reason, True)


def test_a_refusal_before_the_message_left_the_folder_sends_it_straight_to_the_refused_folder(
    client, people, as_user, dovecot, monkeypatch
):
    user = configure_mailbox(client, as_user(people.admin), dovecot, HOME)
    message = official_message("Thư đến khi máy chủ vừa ngừng")
    dovecot.deliver(user, message.as_bytes())

    def server_gone(session, uid, folder):
        dovecot.stop()
        raise OSError("connection reset")

    monkeypatch.setattr(ImapSession, "move", server_gone)
    check_mailboxes()
    monkeypatch.undo()
    document = db.session.scalar(select(Document).where(Document.subject == "Thư đến khi máy chủ vừa ngừng"))
    _refuse(client, as_user(people.clerk), document.id, "Không thuộc thẩm quyền")

    dovecot.start()
    check_mailboxes()

    assert dovecot.message_ids(user, "Refused") == [message["Message-ID"]]
    assert dovecot.message_ids(user, "Processed") == dovecot.message_ids(user, "INBOX") == []
    assert _receipt(message["Message-ID"]).is_moved is True


def test_a_message_deleted_from_the_mailbox_by_hand_is_not_looked_for_again(client, people, as_user, dovecot):
    user = configure_mailbox(client, as_user(people.admin), dovecot, HOME)
    message = official_message("Thư sẽ bị xóa tay")
    dovecot.deliver(user, message.as_bytes())
    check_mailboxes()
    with dovecot.session(user) as imap:
        imap.select("Processed")
        imap.store("1:*", "+FLAGS", r"(\Deleted)")
        imap.expunge()
    document = db.session.scalar(select(Document).where(Document.subject == "Thư sẽ bị xóa tay"))
    _refuse(client, as_user(people.clerk), document.id, "Trùng văn bản đã nhận")

    check_mailboxes()

    receipt = _receipt(message["Message-ID"])
    assert receipt.is_moved is False and "no longer in the mailbox" in receipt.move_error
    assert receipt.reason == "Trùng văn bản đã nhận"


def test_a_new_message_is_taken_when_the_server_announces_it_not_at_the_next_poll(
    app, client, people, as_user, dovecot, monkeypatch
):
    user = configure_mailbox(client, as_user(people.admin), dovecot, HOME)
    idling = threading.Event()
    idle = ImapSession.idle

    def watched_idle(session, seconds, stop=None):
        idling.set()
        return idle(session, seconds, stop)

    monkeypatch.setattr(ImapSession, "idle", watched_idle)
    stop = threading.Event()
    # An hour between polls: only IDLE can bring the message in while the test waits.
    worker = threading.Thread(target=run_mail_intake_worker, args=(app, stop), kwargs={"poll_interval": 3600})
    worker.start()
    try:
        assert idling.wait(60), "the watcher never went into IDLE"
        message = official_message("Công văn hỏa tốc")
        dovecot.deliver(user, message.as_bytes())
        assert _eventually(lambda: dovecot.message_ids(user, "Processed") == [message["Message-ID"]])
    finally:
        stop.set()
        worker.join(60)
    assert not worker.is_alive()
    db.session.expire_all()
    document = db.session.scalar(select(Document).where(Document.subject == "Công văn hỏa tốc"))
    assert document is not None and document.status == Status.PENDING_REGISTRATION


def _eventually(condition, timeout: float = 60.0) -> bool:
    """Whether the condition comes true before the timeout: a wait for an outcome, not a timing claim."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()
