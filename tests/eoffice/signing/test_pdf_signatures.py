"""Signatures on real PDFs: what we issue validates with pyHanko and with poppler's pdfsig, and
every tampering the issue names is reported."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from eoffice.pdfgen import text_pdf
from eoffice.signing import authority, pdf, trust
from eoffice.signing.keys import Pkcs11KeyStore, SigningRefused
from eoffice.signing.operations import SignaturesUnchecked, check_signatures
from eoffice.untrusted import Limits, pdf_text_box
from tests.conftest import service_missing
from tests.eoffice.signing.conftest import AGENCY, SIGNER, now
from tests.fixtures.signing import shared_key

DRAFT = text_pdf("Quyết định", ["Về việc ban hành quy chế làm việc", "Trần Văn Minh"])


def name_box(instance, content: bytes) -> tuple[float, float, float, float] | None:
    """Where the signer's name is printed on the last page, found as signing finds it (in the child)."""
    found = pdf_text_box(io.BytesIO(content), -1, "Trần Văn Minh", Limits.of(instance.settings)).output
    return tuple(float(value) for value in found.split()) if found else None


def signed_by_signer(instance, content: bytes = DRAFT) -> bytes:
    with instance.keys.open_signer(SIGNER, None) as key:
        return pdf.sign_as_signer(
            content,
            key,
            instance.context(),
            signer_name="Trần Văn Minh",
            name_box=name_box(instance, content),
            moment=now(),
        )


def issued(instance, content: bytes = DRAFT) -> bytes:
    with instance.keys.open_signer(AGENCY, None) as key:
        return pdf.seal_issued(
            signed_by_signer(instance, content),
            key,
            instance.context(),
            agency_name="Ủy ban nhân dân tỉnh Quảng Nam",
            number_and_notation="15/QĐ-UBND",
            issued_date="02/12/2026",
            moment=now(),
        )


def pdfsig(content: bytes, tmp_path) -> str:
    if not shutil.which("pdfsig"):
        service_missing("pdfsig is not installed (apt-get install poppler-utils)")
    path = tmp_path / "signed.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False).stdout


def field_values(content: bytes) -> dict[str, str]:
    reader = PdfFileReader(io.BytesIO(content))
    return {
        str(ref.get_object()["/T"]): str(ref.get_object().get("/V", ""))
        for ref in reader.root["/AcroForm"]["/Fields"]
        if ref.get_object().get("/FT") == "/Tx"
    }


def test_an_issued_document_carries_both_signatures_valid_for_pyhanko(instance):
    content = issued(instance)

    signer, agency = check_signatures(content, instance.settings)
    assert (signer["signer_name"], signer["organization"]) == (
        "Trần Văn Minh",
        "Ủy ban nhân dân tỉnh Quảng Nam",
    )
    assert signer["intact"] and signer["trusted"] and signer["revocation"] == "good"
    # Issuance filled the number and date and added the agency's signature: form filling, allowed.
    assert signer["modification"] == "form_filling"
    assert not signer["covers_whole_document"]
    assert agency["signer_name"] == "Ủy ban nhân dân tỉnh Quảng Nam"
    assert agency["intact"] and agency["trusted"] and agency["revocation"] == "good"
    assert agency["modification"] == "none" and agency["covers_whole_document"]
    assert agency["problems"] == []
    assert field_values(content) == {
        "so_ky_hieu": "Số: 15/QĐ-UBND",
        "ngay_ban_hanh": "Ngày ban hành: 02/12/2026",
    }


def test_signatures_that_outgrow_the_room_reserved_for_them_are_made_with_pyhankos_estimate(
    instance, monkeypatch
):
    monkeypatch.setattr(pdf, "_reserved_size", lambda signer: 64)

    signer, agency = check_signatures(issued(instance), instance.settings)

    assert signer["intact"] and signer["trusted"] and signer["modification"] == "form_filling"
    assert agency["intact"] and agency["trusted"] and agency["covers_whole_document"]


def test_the_room_reserved_for_a_signature_holds_it_without_pyhankos_estimate(instance, caplog):
    content = issued(instance)

    assert [record.getMessage() for record in caplog.records if "reserved" in record.getMessage()] == []
    assert [check["intact"] for check in check_signatures(content, instance.settings)] == [True, True]


def test_an_issued_document_validates_with_pdfsig_both_signatures_valid(instance, tmp_path):
    report = pdfsig(issued(instance), tmp_path)

    assert report.count("Signature Validation: Signature is Valid.") == 2, report
    assert "Trần Văn Minh" in report and "Ủy ban nhân dân tỉnh Quảng Nam" in report


def test_a_multi_page_document_is_signed_on_its_last_page_and_numbered_on_its_first(instance):
    content = issued(
        instance, text_pdf("Quyết định", ["Điều 1", "Điều 2", "Điều 3"], page_per_paragraph=True)
    )

    signer, agency = check_signatures(content, instance.settings)
    assert (signer["intact"], signer["modification"]) == (True, "form_filling")
    assert (agency["intact"], agency["modification"]) == (True, "none")
    reader = PdfFileReader(io.BytesIO(content))
    kids = reader.root["/Pages"].raw_get("/Kids")
    first, last = kids.raw_get(0).idnum, kids.raw_get(len(kids) - 1).idnum
    fields = [ref.get_object() for ref in reader.root["/AcroForm"]["/Fields"]]
    pages = {str(field["/T"]): field.raw_get("/P").idnum for field in fields}
    assert pages["so_ky_hieu"] == pages["ngay_ban_hanh"] == first
    assert pages["chu_ky_nguoi_ky"] == pages["chu_ky_co_quan"] == last != first


def signature_rect(content: bytes, name: str) -> list[float]:
    reader = PdfFileReader(io.BytesIO(content))
    field = next(
        ref.get_object() for ref in reader.root["/AcroForm"]["/Fields"] if ref.get_object()["/T"] == name
    )
    return [float(v) for v in field["/Rect"]]


def test_the_signature_sits_above_the_signers_printed_name_else_at_the_bottom_right(instance):
    name = name_box(instance, DRAFT)
    left, bottom, right, top = signature_rect(signed_by_signer(instance), "chu_ky_nguoi_ky")
    assert bottom >= name[3] and bottom - name[3] < 20
    assert left < name[0] and right > name[2]
    seal_left, _, seal_right, _ = signature_rect(signed_by_signer(instance), "chu_ky_co_quan")
    # The seal covers the left third of the signature, and stays on the page.
    assert 0 < seal_left < left < seal_right < right
    assert abs((seal_right - left) - (right - left) / 3) < 1

    nameless = text_pdf("Quyết định", ["Không có tên người ký"])
    left, bottom, right, _ = signature_rect(signed_by_signer(instance, nameless), "chu_ky_nguoi_ky")
    assert right > 595 - 80 and bottom < 100


def test_a_byte_changed_inside_the_signed_range_breaks_the_signature(instance):
    content = signed_by_signer(instance)
    # The producer string lies in the first revision, inside the signed byte range.
    position = content.index(b"ReportLab")
    tampered = content[:position] + b"X" + content[position + 1 :]

    (signature,) = check_signatures(tampered, instance.settings)
    assert not signature["intact"]
    assert signature["problems"]


def test_a_page_appended_after_signing_is_reported_as_a_change_not_allowed(instance):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_by_signer(instance)))
    stream = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 720 Td (Them) Tj ET"))
    page = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Page"),
            pdf_name("/MediaBox"): generic.ArrayObject(generic.NumberObject(v) for v in (0, 0, 595, 842)),
            pdf_name("/Contents"): stream,
            pdf_name("/Resources"): generic.DictionaryObject(),
        }
    )
    writer.insert_page(page)
    out = io.BytesIO()
    writer.write(out)

    (signature,) = check_signatures(out.getvalue(), instance.settings)
    assert signature["intact"]
    assert signature["modification"] == "other"
    assert not signature["covers_whole_document"]
    assert any("sửa sau khi ký" in problem for problem in signature["problems"])


def test_a_signature_copied_onto_another_pdf_does_not_validate(instance):
    original = signed_by_signer(instance)
    other = signed_by_signer(instance, text_pdf("Quyết định", ["Một nội dung khác hẳn"]))
    contents = re.compile(rb"/Contents <([0-9a-fA-F]+)>")
    stolen = contents.search(original).group(1)
    slot = contents.search(other)
    assert len(slot.group(1)) == len(stolen)
    forged = other[: slot.start(1)] + stolen + other[slot.end(1) :]

    (signature,) = check_signatures(forged, instance.settings)
    assert not signature["intact"]


def test_a_revoked_certificate_is_reported_revoked(instance):
    content = signed_by_signer(instance)
    authority.revoke(instance.ca, instance.certificate(SIGNER))

    (signature,) = check_signatures(content, instance.settings)
    assert signature["revocation"] == "revoked"
    assert not signature["trusted"]


def test_a_revoked_certificate_signs_nothing(instance):
    authority.revoke(instance.ca, instance.certificate(SIGNER))

    with pytest.raises(pdf.CertificateRefused) as refused:
        signed_by_signer(instance)
    assert refused.value.code == "signing_certificate_revoked"


def test_a_crl_half_way_to_its_next_update_is_published_again_with_its_revocations(instance, monkeypatch):
    # Nothing is fetched with the demo CA alone: an outdated CRL would leave no revocation status.
    monkeypatch.setattr(authority, "CRL_VALIDITY", timedelta(hours=1))
    authority.revoke(instance.ca, instance.certificate(SIGNER))
    monkeypatch.undo()

    (data,) = trust.local_crls(instance.settings)

    crl = x509.load_der_x509_crl(data)
    assert crl.next_update_utc - datetime.now(UTC) > timedelta(days=6)
    assert [entry.serial_number for entry in crl] == [instance.certificate(SIGNER).serial_number]
    with pytest.raises(pdf.CertificateRefused) as refused:
        signed_by_signer(instance)
    assert refused.value.code == "signing_certificate_revoked"


def test_an_expired_certificate_signs_nothing(instance):
    from datetime import timedelta

    instance.issue(SIGNER, "Trần Văn Minh", "UBND", not_before=now() - timedelta(days=10), days=2)

    with pytest.raises(pdf.CertificateRefused) as refused:
        signed_by_signer(instance)
    assert refused.value.code == "signing_certificate_expired"


def test_a_wrong_pin_unlocks_nothing(instance):
    with pytest.raises(SigningRefused) as refused, instance.keys.open_signer(SIGNER, "sai-mã-pin"):
        pass
    assert refused.value.code == "signing_pin_invalid"


def test_an_unsigned_pdf_has_no_signatures_and_other_bytes_are_not_a_pdf(instance):
    assert check_signatures(DRAFT, instance.settings) == []
    with pytest.raises(SignaturesUnchecked) as unchecked:
        check_signatures(b"PK\x03\x04 not a pdf", instance.settings)
    assert unchecked.value.failure == "unreadable"


def test_an_encrypted_pdf_is_refused_before_signing(instance):
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(DRAFT)))
    writer.encrypt("mật-khẩu")
    encrypted = io.BytesIO()
    writer.write(encrypted)

    with pytest.raises(pdf.PdfRefused, match="encrypted"):
        signed_by_signer(instance, encrypted.getvalue())


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
    from cryptography.hazmat.primitives.serialization import Encoding

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


def ocsp_status(instance, certificate) -> ocsp.OCSPCertStatus:
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(certificate, instance.ca.certificate, hashes.SHA256())
        .build()
        .public_bytes(Encoding.DER)
    )
    answer = ocsp.load_der_ocsp_response(authority.ocsp_response(instance.ca, request))
    assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    # Signed by the CA itself.
    instance.ca.certificate.public_key().verify(
        answer.signature, answer.tbs_response_bytes, padding.PKCS1v15(), answer.signature_hash_algorithm
    )
    return answer.certificate_status


def test_the_ocsp_responder_answers_good_revoked_and_unknown(instance):
    certificate = instance.issue("person-ocsp", "Trần Văn Minh", "Ủy ban nhân dân tỉnh Quảng Nam")
    assert ocsp_status(instance, certificate) == ocsp.OCSPCertStatus.GOOD

    authority.revoke(instance.ca, certificate)
    assert ocsp_status(instance, certificate) == ocsp.OCSPCertStatus.REVOKED

    # Same issuer name and key, but a serial this CA never recorded issuing: not "good".
    elsewhere = instance.ca.folder.parent / "elsewhere"
    elsewhere.mkdir()
    _, forged = authority.issue_certificate(
        authority.Authority(elsewhere, instance.ca.key, instance.ca.certificate),
        common_name="Không rõ",
        organization="Không rõ",
        public_url="http://127.0.0.1:9",
    )
    assert ocsp_status(instance, forged) == ocsp.OCSPCertStatus.UNKNOWN


def test_pyhanko_accepts_the_ocsp_answer_as_revocation_information(instance):
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from eoffice.signing.threads import off_the_event_loop

    content = signed_by_signer(instance)
    certificate = instance.certificate(SIGNER)
    request = ocsp.OCSPRequestBuilder().add_certificate(certificate, instance.ca.certificate, hashes.SHA1())
    answer = authority.ocsp_response(instance.ca, request.build().public_bytes(Encoding.DER))
    # Only the OCSP answer: no CRL, nothing fetched, and revocation information is required.
    context = ValidationContext(
        trust_roots=trust.trust_roots(instance.settings), ocsps=[answer], revocation_mode="hard-fail"
    )

    # As the server calls pyHanko: in a thread of its own where a loop already runs (the browser tests').
    validate = off_the_event_loop(validate_pdf_signature)
    status = validate(PdfFileReader(io.BytesIO(content)).embedded_signatures[0], context)
    assert status.trusted and status.revocation_details is None
