"""The little of IMAP4rev1 the intake needs, over the standard library's imaplib: log in, list the UIDs of
a folder with its UIDVALIDITY, fetch a message without marking it seen, move it (MOVE, or COPY and
expunge where the server lacks MOVE)."""

from __future__ import annotations

import base64
import imaplib
import re
import ssl
from datetime import datetime

from eoffice.mailbox.models import Security


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
        received = datetime.fromtimestamp(_timestamp(moment)).astimezone() if moment else None
        return size, received

    def fetch(self, uid: int, part: str = "BODY.PEEK[]") -> bytes | None:
        data = self._ok(self._imap.uid("FETCH", str(uid), f"({part})"), "fetch")
        for item in data:
            if isinstance(item, tuple):
                return item[1]
        return None

    def move(self, uid: int, folder: str) -> None:
        if b"MOVE" in self._capabilities:
            self._ok(self._imap.uid("MOVE", str(uid), folder_name(folder)), f"move to {folder}")
            return
        self._ok(self._imap.uid("COPY", str(uid), folder_name(folder)), f"copy to {folder}")
        self._ok(self._imap.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Deleted)"), "flag deleted")
        self._ok(self._imap.expunge(), "expunge")


def _timestamp(moment) -> float:
    import time

    return time.mktime(moment)
