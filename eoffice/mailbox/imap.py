"""The little of IMAP4rev1 the intake needs, over the standard library's imaplib: log in, list the UIDs of
a folder with its UIDVALIDITY, fetch a message without marking it seen, move it (MOVE, or COPY and
expunge where the server lacks MOVE), find it again, and wait for new mail with IDLE (RFC 2177), which
Python 3.11's imaplib lacks: written here over imaplib's own socket, tags and response parser."""

from __future__ import annotations

import base64
import imaplib
import re
import select
import ssl
import threading
import time
from datetime import datetime

from eoffice.mailbox.models import Security

# RFC 2177: a server may log out a client idle for 30 minutes; IDLE is ended and begun again before that.
IDLE_LIMIT = 28 * 60
# How often a wait in IDLE looks whether the worker is being stopped.
_STOP_CHECK = 1.0


class MailboxUnavailable(Exception):
    """The server cannot be reached, refused the login, or answered NO: the worker tries again later."""


def folder_name(folder: str) -> str:
    """A folder name as IMAP writes it: modified UTF-7 (RFC 3501 5.1.3), quoted ("Đã xử lý" works)."""
    encoded: list[str] = []
    pending: list[str] = []

    def shift() -> None:
        if pending:
            packed = base64.b64encode("".join(pending).encode("utf-16-be")).decode("ascii")
            encoded.append("&" + packed.rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in folder:
        if 0x20 <= ord(char) <= 0x7E:
            shift()
            encoded.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    shift()
    return '"' + "".join(encoded).replace("\\", "\\\\").replace('"', '\\"') + '"'


class ImapSession:
    def __init__(self, host: str, port: int, security: str, timeout: float):
        try:
            if security == Security.TLS:
                self._imap = imaplib.IMAP4_SSL(
                    host, port, ssl_context=ssl.create_default_context(), timeout=timeout
                )
            else:
                self._imap = imaplib.IMAP4(host, port, timeout=timeout)
                if security == Security.STARTTLS:
                    self._imap.starttls(ssl.create_default_context())
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailboxUnavailable(f"cannot reach {host}:{port}: {exc}") from exc

    def __enter__(self) -> ImapSession:
        return self

    def __exit__(self, *_exc) -> None:
        try:
            self._imap.logout()
        except (OSError, imaplib.IMAP4.error):
            pass

    def _ok(self, answer, what: str):
        status, data = answer
        if status != "OK":
            raise MailboxUnavailable(f"{what}: {status} {data!r}"[:500])
        return data

    def login(self, username: str, password: str) -> None:
        try:
            self._imap.login(username, password)
        except imaplib.IMAP4.error as exc:
            raise MailboxUnavailable(f"login refused: {exc}") from exc
        # Servers name more capabilities (MOVE) once logged in.
        data = self._ok(self._imap.capability(), "capability")
        self._capabilities = (data[0] or b"").upper().split()

    def ensure_folder(self, folder: str) -> None:
        status, _ = self._imap.create(folder_name(folder))
        # NO: it exists already (the usual case); any real trouble shows at the MOVE.
        del status

    def open_folder(self, folder: str) -> int:
        """Select the folder; its UIDVALIDITY."""
        self._ok(self._imap.select(folder_name(folder)), f"select {folder}")
        answer = self._imap.response("UIDVALIDITY")[1]
        if not answer or answer[0] is None:
            raise MailboxUnavailable(f"the server gave no UIDVALIDITY for {folder}")
        return int(answer[0])

    def uids(self) -> list[int]:
        data = self._ok(self._imap.uid("SEARCH", None, "UNDELETED"), "search")
        return [int(uid) for uid in (data[0] or b"").split()]

    def size_and_date(self, uid: int) -> tuple[int, datetime | None] | None:
        """The message's size and INTERNALDATE (when the server received it); None if it is gone."""
        data = self._ok(self._imap.uid("FETCH", str(uid), "(RFC822.SIZE INTERNALDATE)"), "fetch size")
        line = next((item for item in data if isinstance(item, bytes) and b"RFC822.SIZE" in item), None)
        if line is None:
            return None
        size = int(re.search(rb"RFC822\.SIZE (\d+)", line).group(1))
        moment = imaplib.Internaldate2tuple(line)
        received = datetime.fromtimestamp(time.mktime(moment)).astimezone() if moment else None
        return size, received

    def fetch(self, uid: int, part: str = "BODY.PEEK[]") -> bytes | None:
        data = self._ok(self._imap.uid("FETCH", str(uid), f"({part})"), "fetch")
        for item in data:
            if isinstance(item, tuple):
                return item[1]
        return None

    def move(self, uid: int, folder: str) -> tuple[int, int] | None:
        """Move the message; its (UIDVALIDITY, UID) in the folder when the server says (UIDPLUS)."""
        self._imap.response("COPYUID")  # forget what an earlier command said
        if b"MOVE" in self._capabilities:
            self._ok(self._imap.uid("MOVE", str(uid), folder_name(folder)), f"move to {folder}")
        else:
            self._ok(self._imap.uid("COPY", str(uid), folder_name(folder)), f"copy to {folder}")
            self._ok(self._imap.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Deleted)"), "flag deleted")
            self._ok(self._imap.expunge(), "expunge")
        return _copied_to(self._imap.response("COPYUID")[1], uid)

    def has_uid(self, uid: int) -> bool:
        """Whether the selected folder holds a message with this UID."""
        data = self._ok(self._imap.uid("SEARCH", None, "UID", str(uid), "UNDELETED"), "search uid")
        return str(uid).encode() in (data[0] or b"").split()

    def uid_of(self, message_id: str) -> int | None:
        """The UID of the selected folder's message with this Message-ID, if there is one."""
        if not message_id.isascii() or not message_id.startswith("<"):
            return None
        quoted = '"' + message_id.replace("\\", "\\\\").replace('"', '\\"') + '"'
        data = self._ok(self._imap.uid("SEARCH", None, "UNDELETED", "HEADER", "Message-ID", quoted), "search")
        found = (data[0] or b"").split()
        return int(found[0]) if found else None

    @property
    def can_idle(self) -> bool:
        return b"IDLE" in self._capabilities

    def idle(self, seconds: float, stop: threading.Event | None = None) -> bool:
        """Wait in IDLE in the selected folder, up to `seconds` (at most IDLE_LIMIT), for the server to say a
        message arrived (untagged EXISTS); True when it did. Ends early, False, when `stop` is set.

        An EXISTS the server sent during the last commands (a message arrived while the folder was being
        read) answers at once, without IDLE.
        """
        imap = self._imap
        if imap.untagged_responses.pop("EXISTS", None) is not None:
            return True
        tag = imap._new_tag()
        imap.send(tag + b" IDLE\r\n")
        while imap._get_response() is not None:  # untagged lines, until the "+ idling" continuation
            if imap.tagged_commands.get(tag) is not None:
                status, data = imap.tagged_commands.pop(tag)
                raise MailboxUnavailable(f"IDLE refused: {status} {data!r}"[:500])
        arrived = False
        deadline = time.monotonic() + min(seconds, IDLE_LIMIT)
        while not arrived and not (stop is not None and stop.is_set()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            if self._input_waiting(min(remaining, _STOP_CHECK)):
                imap._get_response()
                if "BYE" in imap.untagged_responses:
                    raise MailboxUnavailable("the server ended the session during IDLE")
                arrived = imap.untagged_responses.pop("EXISTS", None) is not None
        imap.send(b"DONE\r\n")
        status, data = imap._command_complete("IDLE", tag)
        if status != "OK":
            raise MailboxUnavailable(f"IDLE: {status} {data!r}"[:500])
        return arrived or imap.untagged_responses.pop("EXISTS", None) is not None

    def _input_waiting(self, timeout: float) -> bool:
        """Whether a line from the server is there to read, waiting at most `timeout` seconds for one. What
        imaplib's buffered reader (or TLS) already holds counts: the socket would not show it."""
        sock = self._imap.sock
        previous = sock.gettimeout()
        sock.settimeout(0)
        try:
            if self._imap.file.peek(1):
                return True
        except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass
        finally:
            sock.settimeout(previous)
        readable, _, _ = select.select([sock], [], [], timeout)
        return bool(readable)


def _copied_to(answers: list, uid: int) -> tuple[int, int] | None:
    """RFC 4315's COPYUID answer ("<uidvalidity> <source uids> <new uids>"), for this one UID."""
    for answer in answers or []:
        parts = answer.decode("ascii", "replace").split() if isinstance(answer, bytes) else []
        if len(parts) == 3 and parts[1] == str(uid) and parts[0].isdigit() and parts[2].isdigit():
            return int(parts[0]), int(parts[2])
    return None
