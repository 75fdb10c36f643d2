"""Signing keys of people and agencies, in PKCS#12 files or in a PKCS#11 token, behind one interface."""

from __future__ import annotations

import abc
import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

from pyhanko.sign import signers

from eoffice.config import Settings


class SigningRefused(Exception):
    """A key cannot sign: the reason is for the user (code, message), never a PIN."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def person_label(username: str) -> str:
    return f"person-{username}"


def agency_label(agency_id: str) -> str:
    return f"agency-{agency_id}"


class KeyStore(abc.ABC):
    """Opens the key of an owner (a label from person_label/agency_label) for the length of one act."""

    @abc.abstractmethod
    def open_signer(self, label: str, pin: str | None) -> contextlib.AbstractContextManager[signers.Signer]:
        """A pyHanko signer holding the key and its certificate chain; raises SigningRefused."""


class Pkcs12KeyStore(KeyStore):
    """`<label>.p12` files in one folder, each encrypted with its owner's password (or the default PIN)."""

    def __init__(self, folder: Path, default_pin: str | None):
        self.folder = folder
        self.default_pin = default_pin

    def path(self, label: str) -> Path:
        return self.folder / f"{label}.p12"

    def _load(self, label: str, pin: str | None) -> signers.SimpleSigner:
        path = self.path(label)
        if not path.is_file():
            raise SigningRefused("signing_certificate_missing", f"no signing certificate for {label}")
        passphrase = pin if pin is not None else self.default_pin
        signer = signers.SimpleSigner.load_pkcs12(
            str(path), passphrase=passphrase.encode() if passphrase is not None else None
        )
        # pyHanko answers a wrong password with None (and logs only that loading failed).
        if signer is None:
            raise SigningRefused("signing_pin_invalid", f"the PIN of {label}'s key is wrong")
        return signer

    @contextlib.contextmanager
    def open_signer(self, label: str, pin: str | None) -> Iterator[signers.Signer]:
        yield self._load(label, pin)


# PKCS#11 logs the whole process in to a token, not one session: an act logging in while another holds
# its session is refused (CKR_USER_ALREADY_LOGGED_IN), and riding on the other's login would skip the
# check of its own PIN. Acts on one token in one process take turns (threading's lock is gevent's once
# gevent has patched the process).
_TOKEN_LOCKS: dict[tuple[str, str | None], threading.Lock] = {}
_TOKEN_LOCKS_LOCK = threading.Lock()


def _token_lock(module: str, token_label: str | None) -> threading.Lock:
    with _TOKEN_LOCKS_LOCK:
        return _TOKEN_LOCKS.setdefault((module, token_label), threading.Lock())


class Pkcs11KeyStore(KeyStore):
    """A token (hardware, HSM, SoftHSM2): the key and certificate of an owner carry its label."""

    def __init__(self, module: str, token_label: str | None, default_pin: str | None):
        self.module = module
        self.token_label = token_label
        self.default_pin = default_pin

    @contextlib.contextmanager
    def _session(self, pin: str | None) -> Iterator[object]:
        import pkcs11
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign.pkcs11 import open_pkcs11_session

        criteria = TokenCriteria(label=self.token_label) if self.token_label else None
        try:
            session = open_pkcs11_session(self.module, token_criteria=criteria, user_pin=pin)
        except (pkcs11.exceptions.PinIncorrect, pkcs11.exceptions.PinLenRange) as exc:
            raise SigningRefused("signing_pin_invalid", "the PIN of the signing token is wrong") from exc
        except (pkcs11.exceptions.PKCS11Error, OSError, RuntimeError) as exc:
            raise SigningRefused(
                "signing_token_unavailable", f"the signing token cannot be opened: {type(exc).__name__}"
            ) from exc
        try:
            yield session
        finally:
            session.close()

    @contextlib.contextmanager
    def open_signer(self, label: str, pin: str | None) -> Iterator[signers.Signer]:
        from pyhanko.sign.general import SigningError
        from pyhanko.sign.pkcs11 import PKCS11Signer

        pin = pin if pin is not None else self.default_pin
        if pin is None:
            raise SigningRefused("signing_pin_required", "the signing token needs a PIN")
        with _token_lock(self.module, self.token_label), self._session(pin) as session:
            signer = PKCS11Signer(session, cert_label=label, key_label=label)
            try:
                signer.signing_cert  # noqa: B018 - pulls the certificate now, to refuse before anything is signed
            except SigningError as exc:
                raise SigningRefused(
                    "signing_certificate_missing", f"no signing certificate for {label}"
                ) from exc
            yield signer


def key_store(settings: Settings) -> KeyStore:
    if settings.signing_key_store == "pkcs11":
        return Pkcs11KeyStore(
            settings.signing_pkcs11_module, settings.signing_pkcs11_token, settings.signing_pin
        )
    return Pkcs12KeyStore(settings.effective_signing_key_dir, settings.signing_pin)
