"""Time stamps: with a TSA configured every signature carries a valid one, without it the claimed
time is reported, a TSA that does not answer refuses the approval; the demo TSA's own answers."""

from __future__ import annotations

import base64
import io

from cryptography.hazmat.primitives import hashes

from eoffice.documents.models import Document, FileRole
from eoffice.documents.operations import IncomingFile
from eoffice.extensions import db
from eoffice.pdfgen import text_pdf
from eoffice.runtime import settings
from eoffice.signing import trust
from eoffice.signing.operations import check_signatures
from eoffice.signing.threads import off_the_event_loop
from eoffice.signing.trust import trust_roots
from eoffice.signing.verify import validate_signatures
from eoffice.storage.operations import commit_or_discard
from tests.eoffice.documents.conftest import act, content_of, flow, snapshot, stored_objects

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
    from tests.eoffice.signing.pdfs import pdfsig

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
