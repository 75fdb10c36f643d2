"""Signatures made at once: two acts on one PKCS#11 token, several greenlets of one gevent worker."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from eoffice.signing import pdf
from eoffice.signing.keys import Pkcs11KeyStore, SigningRefused
from eoffice.signing.operations import check_signatures
from tests.eoffice.signing.conftest import now
from tests.eoffice.signing.pdfs import DRAFT
from tests.fixtures.signing import shared_key


def serials_of_two_acts_at_once(store: Pkcs11KeyStore, label: str, pin: str) -> list[int]:
    """The certificate each of two acts got, the second started while the first holds the token."""
    inside, leave = threading.Event(), threading.Event()
    serials: list[int] = []
    errors: list[Exception] = []

    def act(hold: bool) -> None:
        try:
            with store.open_signer(label, pin) as signer:
                serials.append(signer.signing_cert.serial_number)
                if hold:
                    inside.set()
                    leave.wait(30)
        except Exception as exc:  # noqa: BLE001 - the caller's assertion names it
            errors.append(exc)
            inside.set()

    first = threading.Thread(target=act, args=(True,))
    first.start()
    inside.wait(30)
    second = threading.Thread(target=act, args=(False,))
    second.start()
    # The second act has time to reach the token while the first holds it.
    time.sleep(0.5)
    leave.set()
    first.join(30)
    second.join(30)
    assert errors == []
    return serials


def test_a_key_in_a_softhsm2_token_signs_also_for_two_acts_at_once(instance, softhsm_token, tmp_path):
    key = shared_key()
    certificate = instance.issue("person-token", "Trần Văn Minh", "Ủy ban nhân dân tỉnh Quảng Nam")

    softhsm_token.import_key("person-lanhdao", key, certificate.public_bytes(Encoding.PEM), tmp_path)
    store = Pkcs11KeyStore(softhsm_token.module, softhsm_token.label, None)

    with store.open_signer("person-lanhdao", softhsm_token.pin) as signer:
        content = pdf.sign_as_signer(
            DRAFT, signer, instance.context(), signer_name="Trần Văn Minh", name_box=None, moment=now()
        )
    (signature,) = check_signatures(content, instance.settings)
    assert signature["intact"] and signature["trusted"] and signature["revocation"] == "good"

    with pytest.raises(SigningRefused) as refused, store.open_signer("person-lanhdao", "000000"):
        pass
    assert refused.value.code == "signing_pin_invalid"
    # PKCS#11 logs the process in, not a session: a second login while the first act held the token
    # was refused (UserAlreadyLoggedIn) when two clients issued at once. (One test per token: the
    # module is loaded once per process and keeps the token it found first.)
    assert (
        serials_of_two_acts_at_once(store, "person-lanhdao", softhsm_token.pin)
        == [certificate.serial_number] * 2
    )


GEVENT_WORKER = """
from gevent import monkey

monkey.patch_all()
import sys
import threading
import time
from datetime import UTC, datetime

import gevent

from eoffice.config import Settings
from eoffice.pdfgen import text_pdf
from eoffice.signing import pdf, trust
from eoffice.signing.keys import Pkcs12KeyStore
from eoffice.signing.operations import check_signatures

settings = Settings.from_env(
    {"EOFFICE_INSTANCE_PATH": sys.argv[1], "EOFFICE_SIGNING_PIN": sys.argv[2],
     "EOFFICE_SIGNING_FETCH_REVOCATION": "false"}
)
keys = Pkcs12KeyStore(settings.effective_signing_key_dir, settings.signing_pin)


def sign_and_check(index):
    with keys.open_signer("person-lanhdao", None) as key:
        signed = pdf.sign_as_signer(
            text_pdf(f"Văn bản {index}"), key, trust.validation_context(settings),
            signer_name="Trần Văn Minh", name_box=None, moment=datetime.now(UTC),
        )
    return check_signatures(signed, settings)[0]["revocation"]


print(" ".join(job.get() for job in [gevent.spawn(sign_and_check, i) for i in range(4)]))
"""


def test_signatures_made_at_once_in_one_gevent_worker_all_succeed(instance):
    # `make serve` runs requests as greenlets of one OS thread; pyHanko's asyncio loops must not meet.
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            GEVENT_WORKER,
            str(instance.settings.instance_dir),
            instance.settings.signing_pin,
        ],
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stdout.split() == ["good"] * 4, result.stderr[-3000:]
