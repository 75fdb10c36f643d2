"""Digital signatures in the outgoing flow: the signer's approval signs, issuance adds the number,
the date and the agency's signature; a missing certificate or a wrong PIN changes nothing."""

from __future__ import annotations

import io

import pypdf
import pytest

from eoffice.documents.models import Document, FileRole
from eoffice.documents.operations import IncomingFile
from eoffice.extensions import db
from eoffice.pdfgen import text_pdf
from eoffice.runtime import settings, storage
from eoffice.signing.keys import agency_label, person_label
from eoffice.signing.tasks import check_queued_signatures
from eoffice.storage.backend import ObjectNotFound
from eoffice.storage.models import StoredFile
from eoffice.storage.operations import commit_or_discard
from tests.eoffice.documents.conftest import act, content_of, flow, key_file, snapshot, stored_objects


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
