"""Mailbox passwords at rest: encrypted (Fernet: AES-128-CBC and HMAC-SHA256) with a key derived from the
server's EOFFICE_SECRET_KEY, so that a copy of the database alone does not give the agency's mail away."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from eoffice.runtime import settings


class UnreadableSecret(Exception):
    """Encrypted under another EOFFICE_SECRET_KEY: an admin enters the password again."""


def _fernet() -> Fernet:
    key = hashlib.sha256(b"eoffice mailbox password\x00" + settings().secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_password(password: str) -> bytes:
    return _fernet().encrypt(password.encode("utf-8"))


def decrypt_password(token: bytes) -> str:
    try:
        return _fernet().decrypt(token).decode("utf-8")
    except InvalidToken as exc:
        raise UnreadableSecret(
            "the mailbox password was encrypted under another EOFFICE_SECRET_KEY; enter it again"
        ) from exc
