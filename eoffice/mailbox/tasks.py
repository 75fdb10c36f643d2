"""The mail intake worker: looks at each agency's mailbox, turns new messages into documents, moves them.

Each message: its receipt and document are committed first, the message moved to the processed (or
refused) folder after. A worker stopped between the two, or a server gone mid-run, leaves the message
in the folder with its receipt: the next pass finds the receipt and only moves it. A message whose
document a clerk refused is moved on to the refused folder by the next pass, however long the server was
away (the refusal is recorded on its receipt, eoffice.mailbox.operations.follow_document_steps).

Each mailbox has a watcher thread holding its IMAP session: after each pass it waits in IDLE for the
server to announce new mail, where the server can (else it sleeps), and passes again at least once per
EOFFICE_MAIL_INTAKE_POLL_INTERVAL, which also brings refusals and changed settings in.
"""

from __future__ import annotations

import imaplib
import logging
import threading
from contextlib import contextmanager
from datetime import datetime

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

# What a look at a mailbox can fail with: the worker records it on the mailbox and tries again later.
MAILBOX_FAILURES = (MailboxUnavailable, UnreadableSecret, OSError, imaplib.IMAP4.error)


def check_mailboxes() -> int:
    """One look at every enabled mailbox; how many messages were taken (or moved) in all."""
    return sum(check_mailbox(agency_id) for agency_id in _enabled_mailboxes())


def check_mailbox(agency_id: str) -> int:
    """Take every message in the agency's mailbox folder; its error (if any) is kept on the mailbox."""
    mailbox = db.session.get(Mailbox, agency_id)
    if mailbox is None:
        return 0  # removed since the mailboxes were listed
    try:
        with _session(mailbox) as (imap, watched):
            taken = _one_pass(imap, watched)
    except MAILBOX_FAILURES as exc:
        _record(agency_id, exc)
        return 0
    _record(agency_id, None)
    return taken


class _Watched:
    """What a session looks at, read from the mailbox row once (nothing of the database stays open)."""

    def __init__(self, mailbox: Mailbox):
        self.agency_id = mailbox.agency_id
        self.folder = mailbox.folder
        self.processed_folder = mailbox.processed_folder
        self.refused_folder = mailbox.refused_folder
        self.version: datetime = mailbox.updated_at

    def is_current(self) -> bool:
        mailbox = db.session.get(Mailbox, self.agency_id, populate_existing=True)
        current = mailbox is not None and mailbox.is_enabled and mailbox.updated_at == self.version
        db.session.rollback()
        return current


@contextmanager
def _session(mailbox: Mailbox):
    password = decrypt_password(mailbox.password_encrypted)
    watched = _Watched(mailbox)
    host, port, security, username = mailbox.host, mailbox.port, mailbox.security, mailbox.username
    # Nothing of the database is held open while the server is talked to.
    db.session.rollback()
    with ImapSession(host, port, security, settings().mail_intake_timeout) as imap:
        imap.login(username, password)
        for folder in (watched.processed_folder, watched.refused_folder):
            imap.ensure_folder(folder)
        yield imap, watched


def _one_pass(imap: ImapSession, watched: _Watched) -> int:
    """Refused documents' messages moved, then the folder's new messages taken; the folder is left selected
    (for IDLE). How many messages were moved or taken."""
    moved = _move_refused(imap, watched)
    uid_validity = imap.open_folder(watched.folder)
    return moved + sum(_take(imap, watched, uid_validity, uid) for uid in imap.uids())


def _take(imap: ImapSession, watched: _Watched, uid_validity: int, uid: int) -> int:
    described = imap.size_and_date(uid)
    if described is None:
        return 0  # moved by another worker meanwhile
    size, received_at = described
    max_size = settings().mail_intake_max_message_size
    if size > max_size:
        headers = imap.fetch(uid, "BODY.PEEK[HEADER]") or b""
        raw, refusal = None, f"the message has {size} bytes, more than the limit of {max_size}"
        key = message_key(headers, uid_validity, uid)
    else:
        raw, refusal = imap.fetch(uid), None
        if raw is None:
            return 0
        key = message_key(raw, uid_validity, uid)
    mailbox = db.session.get(Mailbox, watched.agency_id)
    receipt = operations.take_message(mailbox, key, uid_validity, uid, raw, received_at, refusal)
    refused = receipt.outcome == MessageOutcome.REFUSED
    where = imap.move(uid, watched.refused_folder if refused else watched.processed_folder)
    operations.mark_moved(receipt, where)
    return 1


def _move_refused(imap: ImapSession, watched: _Watched) -> int:
    """Each message whose document a clerk refused, from wherever it is (processed, or still in the folder)
    to the refused folder; one found there already (moved before a crash) is only recorded."""
    moved = 0
    for receipt in operations.refused_moves(watched.agency_id):
        places = (
            (watched.processed_folder, receipt.moved_uid_validity, receipt.moved_uid),
            (watched.folder, receipt.uid_validity, receipt.uid),
            (watched.refused_folder, None, None),
        )
        for folder, uid_validity, uid in places:
            found = _find(imap, receipt.message_key, folder, uid_validity, uid)
            if found is None:
                continue
            where = None if folder == watched.refused_folder else imap.move(found, watched.refused_folder)
            operations.mark_moved(receipt, where)
            moved += 1
            break
        else:
            operations.mark_unmovable(receipt, "the message is no longer in the mailbox (deleted or moved)")
    return moved


def _find(imap: ImapSession, key: str, folder: str, uid_validity: int | None, uid: int | None) -> int | None:
    """The message's UID in the folder: by its Message-ID, or for one without, by the UID it was given there
    (which names the same message only under the same UIDVALIDITY)."""
    selected_validity = imap.open_folder(folder)
    found = None if key.startswith("uid:") else imap.uid_of(key)
    if found is None and uid is not None and uid_validity == selected_validity and imap.has_uid(uid):
        found = uid
    return found


def _record(agency_id: str, error: Exception | None) -> None:
    db.session.rollback()
    mailbox = db.session.get(Mailbox, agency_id)
    if mailbox is None:
        return
    if error is not None:
        log.warning("mailbox of %s: %s", agency_id, error)
    mailbox.last_error = str(error)[:2000] if error is not None else None
    mailbox.checked_at = utcnow()
    db.session.commit()


def _enabled_mailboxes() -> list[str]:
    agency_ids = db.session.scalars(
        select(Mailbox.agency_id).where(Mailbox.is_enabled.is_(True)).order_by(Mailbox.agency_id)
    ).all()
    db.session.rollback()
    return list(agency_ids)


def watch_mailbox(agency_id: str, stop: threading.Event, interval: float) -> None:
    """Pass after pass over one mailbox on one session, waiting in IDLE between them where the server can,
    until stopped or until the mailbox is disabled, removed or changed (its next watcher takes the new
    settings). A failure is recorded on the mailbox; the session is opened again after an interval."""
    while not stop.is_set():
        mailbox = db.session.get(Mailbox, agency_id)
        if mailbox is None or not mailbox.is_enabled:
            db.session.rollback()
            return
        try:
            with _session(mailbox) as (imap, watched):
                while not stop.is_set():
                    _one_pass(imap, watched)
                    _record(agency_id, None)
                    if not watched.is_current():
                        return
                    if imap.can_idle:
                        imap.idle(interval, stop)
                    else:
                        stop.wait(interval)
        except MAILBOX_FAILURES as exc:
            _record(agency_id, exc)
        except Exception:  # noqa: BLE001 - one mailbox's trouble must not end the others' watchers
            log.exception("mailbox of %s: the watcher failed", agency_id)
            db.session.rollback()
        finally:
            db.session.remove()
        stop.wait(interval)


def run_mail_intake_worker(
    app, stop: threading.Event, *, poll_interval: float | None = None, exit_when_idle: bool = False
) -> None:
    """Watch every enabled mailbox until stopped (a thread, or `flask mail-intake-worker`); with
    exit_when_idle, look at each until none has anything new, then return."""
    with app.app_context():
        interval = poll_interval if poll_interval is not None else settings().mail_intake_poll_interval
        if exit_when_idle:
            poll_until_stopped(
                stop, check_mailboxes, name="mail intake worker", poll_interval=interval, exit_when_idle=True
            )
            return
        watchers: dict[str, threading.Thread] = {}
        while not stop.is_set():
            try:
                enabled = _enabled_mailboxes()
            except Exception:  # noqa: BLE001 - the database away for a moment: the watchers go on
                log.exception("mail intake worker: the mailboxes could not be listed")
                db.session.rollback()
                enabled = []
            finally:
                db.session.remove()
            for agency_id in enabled:
                if agency_id not in watchers or not watchers[agency_id].is_alive():
                    watchers[agency_id] = threading.Thread(
                        target=_watch_in_context,
                        args=(app, agency_id, stop, interval),
                        name=f"mailbox {agency_id}",
                        daemon=True,
                    )
                    watchers[agency_id].start()
            stop.wait(interval)
        for watcher in watchers.values():
            watcher.join(timeout=settings().mail_intake_timeout + 5)


def _watch_in_context(app, agency_id: str, stop: threading.Event, interval: float) -> None:
    with app.app_context():
        watch_mailbox(agency_id, stop, interval)
