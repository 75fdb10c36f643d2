"""An e-mail as the intake pipeline takes it: sender, subject, received time, body, and its document
attachments (nested messages included) as files; or the reason it is refused.

Headers and file names are decoded as the RFC say (2047 encoded words, 2231 parameters), whatever the
sending client; an attachment that is not a document is left out with the reason, never stored.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from eoffice.documents.operations.files import IncomingFile, is_accepted
from eoffice.mailbox import smime, tnef
from eoffice.storage.backend import SNIFF_BYTES, sniff_content_type
from eoffice.storage.operations import clean_file_name

# What an incoming e-mail's document is until a clerk reads it: a công văn (official letter).
DEFAULT_DOCUMENT_TYPE = "CV"
NO_SUBJECT = "(Thư không có tiêu đề)"
TNEF_TYPES = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})
MAX_NOTE = 2000
# Names that run code when opened: refused whatever their bytes look like.
_DANGEROUS_SUFFIXES = (
    ".exe", ".com", ".bat", ".cmd", ".scr", ".pif", ".js", ".jse", ".vbs", ".vbe", ".wsf", ".wsh",
    ".msi", ".msp", ".hta", ".cpl", ".jar", ".lnk", ".ps1", ".reg", ".dll", ".iso", ".img",
)  # fmt: skip


@dataclass(frozen=True)
class MessageLimits:
    max_attachments: int
    max_attachment_size: int


@dataclass
class MailArrival:
    """A message read: what the document records, its files, what was left out, or why it is refused."""

    message_key: str
    sender: str
    sender_address: str
    subject: str
    received_at: datetime
    body: str = ""
    files: list[IncomingFile] = field(default_factory=list)
    left_out: list[dict[str, str]] = field(default_factory=list)
    refusal: str | None = None
    # For an S/MIME-signed message, what its signature check found (eoffice.mailbox.smime.verify).
    signature: dict[str, Any] | None = None

    def details(self) -> dict[str, Any]:
        """What the document's first trace entry keeps of the message."""
        details: dict[str, Any] = {
            "email": {
                "message_id": self.message_key,
                "from": self.sender,
                "subject": self.subject,
                "received_at": self.received_at.isoformat(),
            }
        }
        if not self.files:
            details["email"]["without_documents"] = True
        if self.left_out:
            details["email"]["left_out"] = self.left_out
        if self.signature is not None:
            details["email"]["smime"] = self.signature
        return details

    def metadata(self) -> dict[str, Any]:
        return {
            "document_type": DEFAULT_DOCUMENT_TYPE,
            "issuer_name": self.sender[:200],
            "subject": self.subject[:500],
            "note": self.body[:MAX_NOTE] or None,
        }


def message_key(raw: bytes, uid_validity: int, uid: int) -> str:
    """The Message-ID, or for a message without one its place in the mailbox and its hash."""
    headers = email.message_from_bytes(raw.split(b"\r\n\r\n", 1)[0], policy=email.policy.default)
    value = _header(headers, "Message-ID").strip()
    if value:
        return value[:255]
    return f"uid:{uid_validity}:{uid}:{hashlib.sha256(raw).hexdigest()[:32]}"


def read_message(raw: bytes, key: str, internal_date: datetime | None, limits: MessageLimits) -> MailArrival:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    sender_name, sender_address = _first_address(_header(message, "From"))
    sender = f"{sender_name} <{sender_address}>" if sender_name else sender_address or "(không rõ người gửi)"
    arrival = MailArrival(
        message_key=key,
        sender=sender,
        sender_address=sender_address,
        subject=" ".join(_header(message, "Subject").split()) or NO_SUBJECT,
        received_at=internal_date or _sent_at(message) or datetime.now(UTC),
    )
    if smime.is_signed(message):
        arrival.signature, signed_content = smime.verify(raw)
        if signed_content is not None and smime.is_opaque(message):
            # The documents are inside the signature: the signed entity is what is read from here on.
            message = email.message_from_bytes(signed_content, policy=email.policy.default)
    attachments = list(_files_of(_attachments(message), limits, arrival))
    body = message.get_body(preferencelist=("plain", "html"))
    arrival.body = (_text_of(body) if body is not None else "") or arrival.body
    if arrival.refusal is not None:
        return arrival
    if len(attachments) > limits.max_attachments:
        arrival.refusal = (
            f"the message has {len(attachments)} attachments, more than the limit of {limits.max_attachments}"
        )
        return arrival
    for name, content in attachments:
        if len(content) > limits.max_attachment_size:
            arrival.refusal = (
                f"the attachment {name!r} has {len(content)} bytes, more than the limit of "
                f"{limits.max_attachment_size}"
            )
            return arrival
        reason = _left_out_because(name, content)
        if reason is not None:
            arrival.left_out.append({"name": name, "reason": reason})
            continue
        arrival.files.append(IncomingFile(name=name, stream=io.BytesIO(content)))
    return arrival


def _files_of(parts, limits: MessageLimits, arrival: MailArrival):
    """(name, bytes) of every attachment, the files inside a winmail.dat in its place; a winmail.dat that
    cannot be read is left out with the reason, and its plain body stands in for a message without one."""
    for index, part in enumerate(parts):
        name = clean_file_name(part.get_filename() or f"tep-dinh-kem-{index + 1}")
        content = part.get_payload(decode=True) or b""
        if not (tnef.is_tnef(content) or part.get_content_type() in TNEF_TYPES):
            yield name, content
            continue
        if len(content) > limits.max_attachment_size:
            yield name, content  # refused for its size as any attachment
            continue
        try:
            wrapped = tnef.read_tnef(content, max_files=limits.max_attachments)
        except tnef.TooManyFiles as exc:
            arrival.refusal = f"{exc}, more than the limit of {limits.max_attachments} attachments"
            return
        except tnef.TnefError as exc:
            reason = f"winmail.dat (Outlook's TNEF) cannot be read: {exc}"
            arrival.left_out.append({"name": name, "reason": reason})
            continue
        arrival.body = arrival.body or wrapped.body.strip()
        for inner in wrapped.files:
            yield clean_file_name(inner.name), inner.content


def _header(message: EmailMessage, name: str) -> str:
    try:
        return str(message.get(name, "") or "")
    except (ValueError, TypeError, IndexError):
        # A header so broken that even the lenient parser gives up: its raw bytes, as text.
        raw = message.get_all(name, failobj=[""])[0]
        return str(raw)


def _first_address(value: str) -> tuple[str, str]:
    addresses = [pair for pair in getaddresses([value]) if pair[1]]
    return addresses[0] if addresses else ("", "")


def _sent_at(message: EmailMessage) -> datetime | None:
    try:
        moment = parsedate_to_datetime(_header(message, "Date"))
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _attachments(message: EmailMessage):
    """Every attachment of the message and of the messages attached to it, in order."""
    for part in message.walk():
        if part.is_multipart() or part.get_content_type() == "message/rfc822":
            continue
        if part.get_content_type() in smime.SIGNATURE_TYPES:
            continue  # the S/MIME signature, checked apart
        disposition = part.get_content_disposition()
        if disposition == "attachment" or (disposition == "inline" and part.get_filename()):
            yield part
        elif disposition is None and part.get_filename() and part.get_content_maintype() != "text":
            yield part


def _left_out_because(name: str, content: bytes) -> str | None:
    lowered = name.lower()
    if not content:
        return "empty"
    if lowered.endswith(_DANGEROUS_SUFFIXES):
        return "a program or script, not a document"
    content_type = sniff_content_type(content[:SNIFF_BYTES])
    if not is_accepted(content_type):
        return f"{content_type} is not a document type this system keeps"
    return None


def _text_of(part: EmailMessage) -> str:
    try:
        text = part.get_content()
    except (LookupError, UnicodeDecodeError, ValueError):
        text = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
    if part.get_content_subtype() == "html":
        import re

        text = re.sub(r"<[^>]+>", " ", text)
    return "\n".join(line.rstrip() for line in str(text).strip().splitlines())
