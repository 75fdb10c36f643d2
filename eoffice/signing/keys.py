"""Signing keys of people and agencies, in PKCS#12 files or in a PKCS#11 token, behind one interface."""

from __future__ import annotations

import abc
import contextlib
import hashlib
import hmac
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyhanko.sign import signers
from pyhanko.sign.general import get_pyca_cryptography_hash

from eoffice.config import Settings
from eoffice.errors import ErrorCode


class SigningRefused(Exception):
    """A key cannot sign: the reason is for the user (code, message), never a PIN."""

    def __init__(self, code: ErrorCode | str, message: str):
        super().__init__(message)
        self.code = ErrorCode(code)
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


class _UnlockedSigner(signers.SimpleSigner):
    """A SimpleSigner that keeps its key loaded: pyHanko's parses it from DER, with OpenSSL's full RSA
    check, for every raw signature (twice per PDF signature, once to size it)."""

    def __init__(self, private_key, **kwargs):
        super().__init__(**kwargs)
        self._private_key = private_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            algorithm = mechanism.signature_algo
        except ValueError:
            algorithm = mechanism["algorithm"].native
        # Our certificates' keys are RSA, signed PKCS#1 v1.5; anything else goes pyHanko's own way.
        if isinstance(self._private_key, RSAPrivateKey) and algorithm == "rsassa_pkcs1v15":
            return self._private_key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        return super().sign_raw(data, digest_algorithm)


# Keys unlocked by earlier acts of this process, least recently used first. An entry is found only with
# the same file content and the same passphrase (a keyed hash of it, never the passphrase itself): a
# replaced file is read again at once, and a wrong passphrase never finds what the right one unlocked.
_UNLOCKED: OrderedDict[tuple[str, bytes, bytes], _UnlockedSigner] = OrderedDict()
_UNLOCKED_SIZE = 32
_UNLOCKED_LOCK = threading.Lock()
_PASSPHRASE_KEY = os.urandom(32)


def _unlock(label: str, data: bytes, passphrase: bytes | None) -> _UnlockedSigner:
    try:
        loaded = signers.SimpleSigner.load_pkcs12_data(data, (), passphrase=passphrase)
    except ValueError as exc:
        # Also a file that is not PKCS#12: to its owner, the key cannot be opened with this PIN.
        raise SigningRefused("signing_pin_invalid", f"the PIN of {label}'s key is wrong") from exc
    private_key = serialization.load_der_private_key(loaded.signing_key.dump(), password=None)
    return _UnlockedSigner(
        private_key,
        signing_key=loaded.signing_key,
        signing_cert=loaded.signing_cert,
        cert_registry=loaded.cert_registry,
    )


class Pkcs12KeyStore(KeyStore):
    """`<label>.p12` files in one folder, each encrypted with its owner's password (or the default PIN).

    Decrypting a file is slow by design (key derivation, RSA check): a key stays unlocked in this process
    for the next act with the same file and passphrase (_UNLOCKED).
    """

    def __init__(self, folder: Path, default_pin: str | None):
        self.folder = folder
        self.default_pin = default_pin

    def path(self, label: str) -> Path:
        return self.folder / f"{label}.p12"

    def _load(self, label: str, pin: str | None) -> signers.SimpleSigner:
        path = self.path(label)
        if not path.is_file():
            raise SigningRefused("signing_certificate_missing", f"no signing certificate for {label}")
        data = path.read_bytes()
        given = pin if pin is not None else self.default_pin
        passphrase = given.encode() if given is not None else None
        entry = (
            str(path),
            hashlib.sha256(data).digest(),
            # None and "" are different passphrases.
            hmac.digest(_PASSPHRASE_KEY, b"-" if passphrase is None else b"+" + passphrase, "sha256"),
        )
        with _UNLOCKED_LOCK:
            signer = _UNLOCKED.get(entry)
            if signer is not None:
                _UNLOCKED.move_to_end(entry)
                return signer
        signer = _unlock(label, data, passphrase)
        with _UNLOCKED_LOCK:
            _UNLOCKED[entry] = signer
            while len(_UNLOCKED) > _UNLOCKED_SIZE:
                _UNLOCKED.popitem(last=False)
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


def token_lock(module: str, token_label: str | None) -> threading.Lock:
    with _TOKEN_LOCKS_LOCK:
        return _TOKEN_LOCKS.setdefault((module, token_label), threading.Lock())


@contextlib.contextmanager
def token_session(
    module: str, token_label: str | None, pin: str | None, *, rw: bool = False
) -> Iterator[Any]:
    """A session of the token (the first present when no label), logged in with pin when one is given;
    a logged-in session takes its turn with the others of this process (token_lock). SigningRefused
    when the PIN is wrong or the token cannot be opened."""
    import pkcs11

    with contextlib.ExitStack() as held:
        if pin is not None:
            held.enter_context(token_lock(module, token_label))
        try:
            library = pkcs11.lib(module)
            if token_label:
                token = library.get_token(token_label=token_label)
            else:
                token = library.get_slots(token_present=True)[0].get_token()
            session = token.open(rw=rw, user_pin=pin)
        except (pkcs11.exceptions.PinIncorrect, pkcs11.exceptions.PinLenRange) as exc:
            raise SigningRefused("signing_pin_invalid", "the PIN of the signing token is wrong") from exc
        except (pkcs11.exceptions.PKCS11Error, OSError, RuntimeError, IndexError) as exc:
            raise SigningRefused(
                "signing_token_unavailable", f"the signing token cannot be opened: {type(exc).__name__}"
            ) from exc
        try:
            yield session
        finally:
            session.close()


class Pkcs11KeyStore(KeyStore):
    """A token (hardware, HSM, SoftHSM2): the key and certificate of an owner carry its label."""

    def __init__(self, module: str, token_label: str | None, default_pin: str | None):
        self.module = module
        self.token_label = token_label
        self.default_pin = default_pin

    @contextlib.contextmanager
    def open_signer(self, label: str, pin: str | None) -> Iterator[signers.Signer]:
        from pyhanko.sign.general import SigningError
        from pyhanko.sign.pkcs11 import PKCS11Signer

        pin = pin if pin is not None else self.default_pin
        if pin is None:
            raise SigningRefused("signing_pin_required", "the signing token needs a PIN")
        with token_session(self.module, self.token_label, pin) as session:
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
