"""The mail intake worker: looks at each agency's mailbox, turns new messages into documents, moves them.

Each message: its receipt and document are committed first, the message moved to the processed (or
refused) folder after. A worker stopped between the two, or a server gone mid-run, leaves the message
in the folder with its receipt: the next pass finds the receipt and only moves it. Polling, not IDLE:
Python's imaplib (3.11) has no IDLE, and one look every EOFFICE_MAIL_INTAKE_POLL_INTERVAL seconds is
what an official mailbox needs.
"""

from __future__ import annotations

import imaplib
import logging
import threading

from sqlalchemy import select

from eoffice.db import utcnow
from eoffice.extensions import db
from eoffice.mailbox import operations
from eoffice.mailbox.imap import ImapSession, MailboxUnavailable
from eoffice.mailbox.messages import message_key
from eoffice.mailbox.models import Mailbox, MessageOutcome
from eoffice.mailbox.secrets import UnreadableSecret, decrypt_password
from eoffice.outbox import poll_until_stopped
from eoffice.runtime import settings

log = logging.getLogger(__name__)


def check_mailboxes() -> int:
    """One look at every enabled mailbox; how many messages were taken (or moved) in all."""
    agency_ids = db.session.scalars(
        select(Mailbox.agency_id).where(Mailbox.is_enabled.is_(True)).order_by(Mailbox.agency_id)
    ).all()
    db.session.rollback()
    return sum(check_mailbox(agency_id) for agency_id in agency_ids)


def check_mailbox(agency_id: str) -> int:
    """Take every message in the agency's mailbox folder; its error (if any) is kept on the mailbox."""
    mailbox = db.session.get(Mailbox, agency_id)
    taken = 0
    try:
        taken = _take_all(mailbox)
    except (MailboxUnavailable, UnreadableSecret, OSError, imaplib.IMAP4.error) as exc:
        db.session.rollback()
        mailbox = db.session.get(Mailbox, agency_id)
        log.warning("mailbox of %s: %s", agency_id, exc)
        mailbox.last_error = str(exc)[:2000]
    else:
        mailbox = db.session.get(Mailbox, agency_id)
        mailbox.last_error = None
    mailbox.checked_at = utcnow()
    db.session.commit()
    return taken


def _take_all(mailbox: Mailbox) -> int:
    password = decrypt_password(mailbox.password_encrypted)
    agency_id, folders = mailbox.agency_id, (mailbox.processed_folder, mailbox.refused_folder)
    source_folder = mailbox.folder
    timeout = settings().mail_intake_timeout
    max_size = settings().mail_intake_max_message_size
    # Nothing of the database is held open while the server is talked to.
    db.session.rollback()
    taken = 0
    with ImapSession(mailbox.host, mailbox.port, mailbox.security, timeout) as imap:
        imap.login(mailbox.username, password)
        for folder in folders:
            imap.ensure_folder(folder)
        uid_validity = imap.open_folder(source_folder)
        for uid in imap.uids():
            described = imap.size_and_date(uid)
            if described is None:
                continue  # moved by another worker meanwhile
            size, received_at = described
            if size > max_size:
                headers = imap.fetch(uid, "BODY.PEEK[HEADER]") or b""
                raw, refusal = None, f"the message has {size} bytes, more than the limit of {max_size}"
                key = message_key(headers, uid_validity, uid)
            else:
                raw, refusal = imap.fetch(uid), None
                if raw is None:
                    continue
                key = message_key(raw, uid_validity, uid)
            mailbox = db.session.get(Mailbox, agency_id)
            receipt = operations.take_message(mailbox, key, uid_validity, uid, raw, received_at, refusal)
            processed, refused = folders
            imap.move(uid, refused if receipt.outcome == MessageOutcome.REFUSED else processed)
            operations.mark_moved(receipt)
            taken += 1
    return taken


def run_mail_intake_worker(
    app, stop: threading.Event, *, poll_interval: float | None = None, exit_when_idle: bool = False
) -> None:
    """Look at the mailboxes every poll interval until stopped (a thread, or `flask mail-intake-worker`)."""
    with app.app_context():
        interval = poll_interval if poll_interval is not None else settings().mail_intake_poll_interval

        def one_pass() -> int:
            taken = check_mailboxes()
            # Mailboxes are looked at once per interval, not again at once when messages were taken.
            return 0 if not exit_when_idle else taken

        poll_until_stopped(
            stop, one_pass, name="mail intake worker", poll_interval=interval, exit_when_idle=exit_when_idle
        )
