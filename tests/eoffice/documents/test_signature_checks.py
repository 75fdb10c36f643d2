"""Every stored PDF is validated once, in the background; hostile PDFs are refused at signing and by
the verify tool without the server growing; the demo CA publishes its revocation list and OCSP answers."""

from __future__ import annotations

import io

import pypdf
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import ocsp

from eoffice.documents.models import Document, FileRole
from eoffice.documents.operations import IncomingFile
from eoffice.extensions import db
from eoffice.pdfgen import text_pdf
from eoffice.runtime import settings
from eoffice.signing.keys import person_label
from eoffice.signing.models import SignatureCheck
from eoffice.signing.tasks import check_queued_signatures
from eoffice.storage.operations import commit_or_discard
from tests.eoffice.documents.conftest import act, content_of, flow, key_file, replace_main, snapshot
from tests.factories import create_document
from tests.fixtures.hostile_pdfs import MB, PeakRss, inflating_pdf, inflating_xref_pdf


def test_an_encrypted_main_pdf_is_refused_at_signing_with_422(client, people, as_user):
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(text_pdf("Quyết định"))))
    writer.encrypt("mật-khẩu")
    encrypted = io.BytesIO()
    writer.write(encrypted)
    document = flow(people, "awaiting_signature")
    replace_main(document.id, encrypted.getvalue(), people.handler)
    before = snapshot(document.id)

    response = act(client, as_user(people.leader), document.id, "approve")

    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "pdf_not_signable"
    # PDFium in the bounded child cannot open it without its password: pyHanko never sees it.
    (message,) = response.get_json()["error"]["details"]["files"]["files[0]"]
    assert "unreadable" in message
    assert snapshot(document.id) == before


@pytest.fixture(scope="module")
def page_bomb() -> bytes:
    # ~300 KB whose one page inflates to 300 MB: PDFium needs ~620 MB to read it, over the default limit.
    return inflating_pdf(300 * MB)


@pytest.fixture(scope="module")
def xref_bomb() -> bytes:
    return inflating_xref_pdf(300 * MB)


def test_a_pdf_bomb_as_main_file_is_refused_at_signing_and_the_server_stays_small(
    client, people, as_user, page_bomb
):
    document = flow(people, "awaiting_signature")
    replace_main(document.id, page_bomb, people.handler)
    before = snapshot(document.id)

    with PeakRss() as peak:
        response = act(client, as_user(people.leader), document.id, "approve")
    # Stated bound: the server grows by less than 200 MB (PDFium in it took ~620 MB).
    assert peak.growth < 200 * MB

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "pdf_not_signable"
    (message,) = error["details"]["files"]["files[0]"]
    assert "too_large" in message
    assert snapshot(document.id) == before


@pytest.mark.parametrize("app_env", [{"EOFFICE_PARSER_MAX_PAGES": "1"}])
def test_a_main_file_over_the_parsers_page_limit_is_not_signed(client, people, as_user, app_env):
    document = flow(people, "awaiting_signature")
    two_pages = text_pdf("Quyết định", ["Trang một", "Trang hai"], page_per_paragraph=True)
    replace_main(document.id, two_pages, people.handler)
    before = snapshot(document.id)

    response = act(client, as_user(people.leader), document.id, "approve")

    assert response.status_code == 422
    (message,) = response.get_json()["error"]["details"]["files"]["files[0]"]
    assert "too_large" in message
    assert snapshot(document.id) == before


def test_a_pdf_bomb_posted_to_the_verify_tool_is_refused_and_the_server_stays_small(
    client, people, as_user, xref_bomb
):
    with PeakRss() as peak:
        response = client.post(
            "/api/v1/signatures/verify",
            data={"file": (io.BytesIO(xref_bomb), "bom.pdf")},
            headers=as_user(people.handler),
            content_type="multipart/form-data",
        )
    assert peak.growth < 200 * MB

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "not_a_pdf"
    (message,) = error["details"]["files"]["file"]
    assert message.startswith("unreadable")


def test_the_worker_records_why_a_pdf_bomb_could_not_be_checked(client, people, as_user, xref_bomb):
    document = create_document("registered", clerk=people.clerk)
    stored = replace_main(document.id, xref_bomb, people.clerk)

    # The replaced upload went with its queued check: only the bomb is left to check.
    assert check_queued_signatures() == 1

    check = db.session.get(SignatureCheck, stored.id)
    assert check.checked_at is not None and check.signatures is None
    assert check.error.startswith("unreadable: ")
    # The client says the check failed and why, rather than showing it as unsigned or still pending.
    body = client.get(f"/api/v1/documents/{document.id}", headers=as_user(people.clerk)).get_json()
    (file,) = body["files"]
    assert (file["signature_check"], file["signatures"]) == ("failed", None)
    assert file["signature_check_error"] == check.error


def test_an_uploaded_pdf_is_checked_once_in_the_background(client, people, as_user):
    document = create_document("registered", clerk=people.clerk)
    (queued,) = db.session.query(SignatureCheck).all()
    assert queued.checked_at is None
    body = client.get(f"/api/v1/documents/{document.id}", headers=as_user(people.clerk)).get_json()
    # Not yet checked is not the same as unsigned: the client must not show the two alike.
    assert (body["files"][0]["signature_check"], body["files"][0]["signatures"]) == ("pending", None)

    assert check_queued_signatures() == 1
    assert check_queued_signatures() == 0

    body = client.get(f"/api/v1/documents/{document.id}", headers=as_user(people.clerk)).get_json()
    assert (body["files"][0]["signature_check"], body["files"][0]["signatures"]) == ("done", [])
    assert body["files"][0]["signature_check_error"] is None


def test_a_file_that_is_not_a_pdf_has_no_signature_check(client, people, as_user):
    document = create_document("registered", clerk=people.clerk)
    from eoffice.documents import operations

    with commit_or_discard():
        operations.files.attach_files(
            db.session.get(Document, document.id),
            [IncomingFile("bang-tinh.csv", io.BytesIO(b"so,ngay\n1,2026-11-20\n"))],
            people.clerk,
        )
    check_queued_signatures()

    files = client.get(f"/api/v1/documents/{document.id}", headers=as_user(people.clerk)).get_json()["files"]
    attachment = next(file for file in files if file["role"] == "attachment")
    assert (attachment["signature_check"], attachment["signatures"], attachment["signature_check_error"]) == (
        None,
        None,
        None,
    )


def test_the_verify_tool_reports_the_signatures_of_any_pdf(client, people, as_user):
    document = flow(people, "approved")
    main = next(link for link in db.session.get(Document, document.id).files if link.role == FileRole.MAIN)
    headers = as_user(people.handler)

    def verify(content: bytes, name: str = "van-ban.pdf"):
        return client.post(
            "/api/v1/signatures/verify",
            data={"file": (io.BytesIO(content), name)},
            headers=headers,
            content_type="multipart/form-data",
        )

    signed = verify(content_of(main.stored_file))
    assert signed.status_code == 200
    (signature,) = signed.get_json()["signatures"]
    assert signature["signer_name"] == "Trần Văn Minh" and signature["intact"]
    assert verify(text_pdf("Chưa ký")).get_json() == {"signatures": []}
    not_pdf = verify(b"\x89PNG\r\n\x1a\n not a pdf", "anh.png")
    assert not_pdf.status_code == 422
    assert not_pdf.get_json()["error"]["code"] == "not_a_pdf"
    assert (
        client.post("/api/v1/signatures/verify", data={}, content_type="multipart/form-data").status_code
        == 401
    )


def test_the_server_publishes_the_demo_cas_revocation_list_and_answers_ocsp(client, people):
    response = client.get("/api/v1/signatures/ca.crl")
    assert response.status_code == 200
    assert response.mimetype == "application/pkix-crl"

    signer = pkcs12.load_key_and_certificates(
        key_file(person_label(people.leader.username)).read_bytes(), settings().signing_pin.encode()
    )
    request = ocsp.OCSPRequestBuilder().add_certificate(signer[1], signer[2][0], hashes.SHA256()).build()
    answer = client.post(
        "/api/v1/signatures/ocsp",
        data=request.public_bytes(serialization.Encoding.DER),
        content_type="application/ocsp-request",
    )
    assert answer.status_code == 200
    assert answer.mimetype == "application/ocsp-response"
    assert ocsp.load_der_ocsp_response(answer.data).certificate_status == ocsp.OCSPCertStatus.GOOD
