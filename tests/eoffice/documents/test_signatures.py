"""Digital signatures in the outgoing flow: the signer's approval signs, issuance adds the number,
the date and the agency's signature; every stored PDF is validated once, in the background."""

from __future__ import annotations

import base64
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
from eoffice.runtime import settings, storage
from eoffice.signing import trust
from eoffice.signing.keys import agency_label, person_label
from eoffice.signing.models import SignatureCheck
from eoffice.signing.operations import check_signatures
from eoffice.signing.tasks import check_queued_signatures
from eoffice.signing.threads import off_the_event_loop
from eoffice.signing.trust import trust_roots
from eoffice.signing.verify import validate_signatures
from eoffice.storage.backend import ObjectNotFound
from eoffice.storage.models import StoredFile
from eoffice.storage.operations import commit_or_discard
from tests.eoffice.documents.conftest import snapshot, stored_objects
from tests.factories import create_document
from tests.fixtures.hostile_pdfs import MB, PeakRss, inflating_pdf, inflating_xref_pdf


def act(client, headers, document_id, action, body=None):
    return client.post(f"/api/v1/documents/{document_id}/actions/{action}", json=body or {}, headers=headers)


def flow(people, status, **metadata):
    return create_document(
        status,
        drafter=people.handler,
        reviewers=[people.reviewer],
        signer=people.leader,
        clerk=people.clerk,
        metadata=metadata or None,
    )


def key_file(label: str):
    return settings().effective_signing_key_dir / f"{label}.p12"


def content_of(stored: StoredFile) -> bytes:
    return b"".join(storage().open(stored.key))


def replace_main(document_id: int, content: bytes, actor) -> StoredFile:
    from eoffice.documents import operations

    with commit_or_discard():
        links = db.session.get(Document, document_id).files
        link = next(link for link in links if link.role == FileRole.MAIN)
        operations.files.replace_content(link, content, actor)
    return link.stored_file


def test_an_issued_document_shows_the_signers_and_the_agencys_valid_signatures(client, people, as_user):
    document = flow(people, "issued")
    check_queued_signatures()

    body = client.get(f"/api/v1/documents/{document.id}", headers=as_user(people.clerk)).get_json()
    main = next(file for file in body["files"] if file["role"] == "main")
    signer, agency = main["signatures"]
    assert signer["signer_name"] == "Trần Văn Minh"
    assert signer["organization"] == "Ủy ban nhân dân tỉnh Quảng Nam"
    assert (signer["intact"], signer["trusted"], signer["revocation"]) == (True, True, "good")
    assert signer["modification"] == "form_filling"
    assert agency["signer_name"] == "Ủy ban nhân dân tỉnh Quảng Nam"
    assert (agency["intact"], agency["modification"], agency["covers_whole_document"]) == (True, "none", True)
    # The number and notation issuance gave are in the signed PDF.
    stored = db.session.get(StoredFile, main["id"])
    fields = pypdf.PdfReader(io.BytesIO(content_of(stored))).get_fields()
    assert fields["so_ky_hieu"]["/V"] == f"Số: {body['number_and_notation']}"


def test_an_attachment_carries_the_agencys_signature_alone(client, people, as_user):
    document = flow(people, "approved")
    from eoffice.documents import operations

    with commit_or_discard():
        document = db.session.get(Document, document.id)
        # Files are added to drafts only; an attachment added before submission is the realistic path,
        # here put in place directly so that this test does not repeat the whole flow.
        operations.files.attach_files(
            document, [IncomingFile("phu-luc.pdf", io.BytesIO(text_pdf("Phụ lục")))], people.handler
        )
    assert act(client, as_user(people.clerk), document.id, "issue").status_code == 200
    check_queued_signatures()

    body = client.get(f"/api/v1/documents/{document.id}", headers=as_user(people.clerk)).get_json()
    attachment = next(file for file in body["files"] if file["role"] == "attachment")
    (seal,) = attachment["signatures"]
    assert seal["signer_name"] == "Ủy ban nhân dân tỉnh Quảng Nam"
    assert seal["intact"] and seal["trusted"] and seal["covers_whole_document"]


def test_a_signer_without_a_certificate_is_refused_and_nothing_changes(app, client, people, as_user):
    document = flow(people, "awaiting_signature")
    key_file(person_label(people.leader.username)).unlink()
    before, objects = snapshot(document.id), stored_objects(app)

    response = act(client, as_user(people.leader), document.id, "approve")

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "signing_certificate_missing"
    assert response.get_json()["error"]["details"] == {"owner": "person-lanhdao"}
    assert snapshot(document.id) == before
    assert stored_objects(app) == objects


def test_a_wrong_pin_is_refused_and_the_approval_can_be_retried(client, people, as_user):
    document = flow(people, "awaiting_signature")
    before = snapshot(document.id)

    wrong = act(client, as_user(people.leader), document.id, "approve", {"pin": "không-đúng"})
    assert wrong.status_code == 409
    assert wrong.get_json()["error"]["code"] == "signing_pin_invalid"
    assert "không-đúng" not in wrong.get_data(as_text=True)
    assert snapshot(document.id) == before

    right = act(client, as_user(people.leader), document.id, "approve", {"pin": settings().signing_pin})
    assert right.status_code == 200
    assert right.get_json()["status"] == "approved"


def test_issuance_without_the_agencys_certificate_is_refused_and_takes_no_number(client, people, as_user):
    document = flow(people, "approved")
    key_file(agency_label(document.agency_id)).unlink()
    before = snapshot(document.id)

    response = act(client, as_user(people.clerk), document.id, "issue")

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "signing_certificate_missing"
    assert snapshot(document.id) == before
    assert db.session.get(Document, document.id).number is None


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


NOT_WHOLE = "Chữ ký không bao trùm toàn bộ tệp."


def use_tsa(app, url: str) -> None:
    app.extensions["eoffice"]["settings"] = settings().replace(signing_tsa_url=url)


def issued_with_tsa(app, client, people, as_user, tsa_url: str) -> dict[FileRole, bytes]:
    """A document with an attachment approved and issued while the TSA at tsa_url time-stamps."""
    from eoffice.documents import operations

    document = flow(people, "awaiting_signature")
    with commit_or_discard():
        document = db.session.get(Document, document.id)
        operations.files.attach_files(
            document, [IncomingFile("phu-luc.pdf", io.BytesIO(text_pdf("Phụ lục")))], people.handler
        )
    use_tsa(app, tsa_url)
    assert act(client, as_user(people.leader), document.id, "approve").status_code == 200
    assert act(client, as_user(people.clerk), document.id, "issue").status_code == 200
    return {link.role: content_of(link.stored_file) for link in db.session.get(Document, document.id).files}


def test_with_a_tsa_configured_every_signature_carries_its_valid_time_stamp(
    app, client, people, as_user, live_server
):
    files = issued_with_tsa(app, client, people, as_user, live_server + "/api/v1/signatures/tsa")

    main, attachment = files[FileRole.MAIN], files[FileRole.ATTACHMENT]
    signatures = [*check_signatures(main, settings()), *check_signatures(attachment, settings())]
    assert len(signatures) == 3
    for signature in signatures:
        assert signature["signed_at_source"] == "timestamp"
        assert (signature["intact"], signature["trusted"], signature["revocation"]) == (True, True, "good")
    # No problem with any time-stamp (the signer's signature does not cover the agency's, by design).
    assert [s["problems"] for s in signatures] == [[NOT_WHOLE], [], []]
    # Only what the PDF carries (B-LT): the TSA's chain and its revocation information are embedded too,
    # else the time-stamps would not be trusted here.
    # Called here, not in the parser child: off the event loop the browser tests may have left running.
    embedded_only = off_the_event_loop(validate_signatures)(
        main,
        trust_roots=[base64.b64encode(root.dump()).decode() for root in trust_roots(settings())],
        crls=[],
        fetch_revocation=False,
    )
    assert [(s["signed_at_source"], s["revocation"], s["problems"]) for s in embedded_only] == [
        ("timestamp", "good", [NOT_WHOLE]),
        ("timestamp", "good", []),
    ]


def test_a_time_stamped_issued_document_validates_with_pdfsig(
    app, client, people, as_user, live_server, tmp_path
):
    from tests.eoffice.signing.test_pdf_signatures import pdfsig

    files = issued_with_tsa(app, client, people, as_user, live_server + "/api/v1/signatures/tsa")

    report = pdfsig(files[FileRole.MAIN], tmp_path)
    assert report.count("Signature Validation: Signature is Valid.") == 2, report


def test_signatures_without_a_tsa_report_the_claimed_time(client, people, as_user):
    document = flow(people, "approved")
    main = next(link for link in db.session.get(Document, document.id).files if link.role == FileRole.MAIN)

    (signature,) = check_signatures(content_of(main.stored_file), settings())
    assert signature["signed_at_source"] == "claimed" and signature["signed_at"]


def test_a_tsa_that_does_not_answer_refuses_the_approval_and_nothing_changes(app, client, people, as_user):
    document = flow(people, "awaiting_signature")
    before, objects = snapshot(document.id), stored_objects(app)
    use_tsa(app, "http://127.0.0.1:9/tsa")

    response = act(client, as_user(people.leader), document.id, "approve")

    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "time_stamp_unavailable"
    assert error["details"] == {"tsa": "http://127.0.0.1:9/tsa"}
    assert snapshot(document.id) == before
    assert db.session.get(Document, document.id).status == "awaiting_signature"
    assert stored_objects(app) == objects


def test_the_demo_tsa_answers_a_query_with_a_token_signed_by_a_certificate_of_the_demo_ca(client):
    from asn1crypto import tsp
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    digest = hashes.Hash(hashes.SHA256())
    digest.update(b"van ban")
    query = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": digest.finalize(),
            },
            "nonce": 20261202,
            "cert_req": True,
        }
    )

    answer = client.post(
        "/api/v1/signatures/tsa", data=query.dump(), content_type="application/timestamp-query"
    )

    assert answer.status_code == 200 and answer.mimetype == "application/timestamp-reply"
    reply = tsp.TimeStampResp.load(answer.data)
    assert reply["status"]["status"].native == "granted"
    signed = reply["time_stamp_token"]["content"]
    info = signed["encap_content_info"]["content"].parsed
    assert info["nonce"].native == 20261202
    assert (
        info["message_imprint"]["hashed_message"].native == query["message_imprint"]["hashed_message"].native
    )
    (tsa,) = [
        x509.load_der_x509_certificate(c.chosen.dump())
        for c in signed["certificates"]
        if "thời gian" in c.chosen.subject.human_friendly
    ]
    ca = x509.load_pem_x509_certificate((trust.demo_ca_dir(settings()) / "ca.crt.pem").read_bytes())
    tsa.verify_directly_issued_by(ca)
    usage = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert usage.critical and list(usage.value) == [ExtendedKeyUsageOID.TIME_STAMPING]

    garbage = client.post(
        "/api/v1/signatures/tsa", data=b"not a query", content_type="application/timestamp-query"
    )
    assert garbage.status_code == 400 and garbage.mimetype == "application/timestamp-reply"


def test_the_signed_copy_replaces_the_unsigned_drafts_object_once_the_approval_commits(
    app, client, people, as_user
):
    document = flow(people, "awaiting_signature")
    draft = next(link for link in db.session.get(Document, document.id).files if link.role == FileRole.MAIN)
    draft_id, draft_key, draft_content = (
        draft.stored_file_id,
        draft.stored_file.key,
        content_of(draft.stored_file),
    )

    assert act(client, as_user(people.leader), document.id, "approve").status_code == 200

    signed = next(link for link in db.session.get(Document, document.id).files if link.role == FileRole.MAIN)
    assert signed.stored_file_id != draft_id
    assert content_of(signed.stored_file).startswith(draft_content[:5])
    assert db.session.get(StoredFile, draft_id) is None
    with pytest.raises(ObjectNotFound):
        b"".join(storage().open(draft_key))
    assert len(stored_objects(app)) == len(
        {link.stored_file.key for link in db.session.get(Document, document.id).files}
    )


def test_an_approval_that_fails_after_signing_keeps_the_unsigned_draft_whole(
    app, client, people, as_user, monkeypatch
):
    from eoffice.api_base import ApiError
    from eoffice.documents.operations import review

    document = flow(people, "awaiting_signature")
    draft = next(link for link in db.session.get(Document, document.id).files if link.role == FileRole.MAIN)
    draft_id, draft_content = draft.stored_file_id, content_of(draft.stored_file)
    before, objects = snapshot(document.id), stored_objects(app)

    def refused(*args, **kwargs):
        raise ApiError(409, "conflict", "refused after the signature was made")

    # After the main file was signed and replaced, inside the same transaction.
    monkeypatch.setattr(review, "step", refused)
    response = act(client, as_user(people.leader), document.id, "approve")

    assert response.status_code == 409
    assert snapshot(document.id) == before
    assert stored_objects(app) == objects
    assert content_of(db.session.get(StoredFile, draft_id)) == draft_content
