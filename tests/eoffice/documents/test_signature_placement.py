"""Where the signer's visible signature goes: chosen on the PDF by the drafter or the signer, checked
against the PDF's pages (read by the bounded child), else the automatic choice."""

from __future__ import annotations

import io

import pypdf
import pytest

from eoffice.documents.models import Document, FileRole
from eoffice.extensions import db
from eoffice.pdfgen import text_pdf
from eoffice.signing.pdf import AGENCY_FIELD, SIGNER_FIELD
from eoffice.signing.tasks import check_queued_signatures
from tests.eoffice.documents.conftest import act, content_of, flow, replace_main, snapshot, stored_objects

TWO_PAGES = text_pdf("Quyết định", ["Trang một", "Trang hai"], page_per_paragraph=True)
ON_PAGE_ONE = {"page": 1, "x": 300, "y": 500, "width": 180, "height": 60}


def main_file(document_id: int):
    db.session.expire_all()
    return next(link for link in db.session.get(Document, document_id).files if link.role == FileRole.MAIN)


def widgets(content: bytes) -> dict[str, tuple[int, list[float]]]:
    """Each signature field of a PDF: its page (from 1) and its /Rect, read from the pages' /Annots."""
    found = {}
    for number, page in enumerate(pypdf.PdfReader(io.BytesIO(content)).pages, start=1):
        for ref in page.get("/Annots") or []:
            annotation = ref.get_object()
            if annotation.get("/FT") == "/Sig":
                found[annotation["/T"]] = (number, [float(v) for v in annotation["/Rect"]])
    return found


def main_signatures(client, headers, document_id: int) -> list[dict]:
    check_queued_signatures()
    body = client.get(f"/api/v1/documents/{document_id}", headers=headers).get_json()
    return next(file for file in body["files"] if file["role"] == "main")["signatures"]


def test_the_signers_placement_puts_the_signature_there_and_the_seal_over_its_left_third(
    client, people, as_user
):
    document = flow(people, "awaiting_signature")
    replace_main(document.id, TWO_PAGES, people.handler)

    response = act(client, as_user(people.leader), document.id, "approve", {"placement": ON_PAGE_ONE})
    assert response.status_code == 200, response.get_json()
    assert act(client, as_user(people.clerk), document.id, "issue").status_code == 200

    placed = widgets(content_of(main_file(document.id).stored_file))
    assert placed[SIGNER_FIELD] == (1, [300, 500, 480, 560])
    page, (x1, y1, x2, y2) = placed[AGENCY_FIELD]
    # The seal covers the left third of the signature and not more of it.
    assert page == 1 and x1 < 300 and x2 == pytest.approx(360) and y1 < 560 and y2 > 500
    signer, agency = main_signatures(client, as_user(people.clerk), document.id)
    assert (signer["intact"], signer["trusted"], signer["modification"]) == (True, True, "form_filling")
    assert (agency["intact"], agency["trusted"], agency["covers_whole_document"]) == (True, True, True)


def test_the_drafters_placement_is_stored_shown_and_used_when_the_signer_gives_none(client, people, as_user):
    document = flow(people, "draft")
    replace_main(document.id, TWO_PAGES, people.handler)
    on_page_two = {"page": 2, "x": 100, "y": 150, "width": 200, "height": 70}

    patched = client.patch(
        f"/api/v1/documents/{document.id}",
        json={"signature_placement": on_page_two},
        headers=as_user(people.handler),
    )
    assert patched.status_code == 200, patched.get_json()
    shown = client.get(f"/api/v1/documents/{document.id}", headers=as_user(people.handler)).get_json()
    assert shown["signature_placement"] == on_page_two

    submitted = act(
        client,
        as_user(people.handler),
        document.id,
        "submit",
        {"reviewer_ids": [people.reviewer.id], "signer_id": people.leader.id},
    )
    assert submitted.status_code == 200
    assert act(client, as_user(people.reviewer), document.id, "approve").status_code == 200
    assert act(client, as_user(people.leader), document.id, "approve").status_code == 200

    assert widgets(content_of(main_file(document.id).stored_file))[SIGNER_FIELD] == (2, [100, 150, 300, 220])


def test_the_signers_placement_overrides_the_drafters(client, people, as_user):
    document = flow(people, "awaiting_signature")
    replace_main(document.id, TWO_PAGES, people.handler)
    with db.session.begin_nested():
        db.session.get(Document, document.id).signature_placement = {**ON_PAGE_ONE, "page": 2}
    db.session.commit()

    response = act(client, as_user(people.leader), document.id, "approve", {"placement": ON_PAGE_ONE})

    assert response.status_code == 200
    assert widgets(content_of(main_file(document.id).stored_file))[SIGNER_FIELD] == (1, [300, 500, 480, 560])


@pytest.mark.parametrize(
    ("placement", "named", "says"),
    [
        ({**ON_PAGE_ONE, "page": 3}, "placement", "beyond the PDF, which has 2 page(s)"),
        ({**ON_PAGE_ONE, "x": 500}, "placement", "not inside page 1"),
        ({**ON_PAGE_ONE, "y": -10}, "placement", "not inside page 1"),
        ({**ON_PAGE_ONE, "x": 20}, "placement", "the agency's seal"),
        ({**ON_PAGE_ONE, "y": 5}, "placement", "the agency's seal"),
        ({**ON_PAGE_ONE, "width": 99}, "width", "at least 100 points"),
        ({**ON_PAGE_ONE, "height": 39.5}, "height", "at least 40 points"),
        ({**ON_PAGE_ONE, "page": 0}, "page", "greater than or equal to 1"),
    ],
)
def test_a_placement_that_does_not_fit_the_pdf_is_refused_and_nothing_changes(
    app, client, people, as_user, placement, named, says
):
    document = flow(people, "awaiting_signature")
    replace_main(document.id, TWO_PAGES, people.handler)
    before, objects = snapshot(document.id), stored_objects(app)

    response = act(client, as_user(people.leader), document.id, "approve", {"placement": placement})

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert "placement" in error["message"] and named in error["message"] and says in error["message"]
    assert "placement" in error["details"]["json"]
    assert snapshot(document.id) == before
    assert db.session.get(Document, document.id).status == "awaiting_signature"
    assert stored_objects(app) == objects


def test_a_drafts_placement_that_does_not_fit_its_pdf_is_refused_and_not_stored(client, people, as_user):
    document = flow(people, "draft")
    replace_main(document.id, TWO_PAGES, people.handler)

    response = client.patch(
        f"/api/v1/documents/{document.id}",
        json={"signature_placement": {**ON_PAGE_ONE, "page": 5}, "subject": "Đổi trích yếu"},
        headers=as_user(people.handler),
    )

    assert response.status_code == 422
    assert "signature_placement" in response.get_json()["error"]["details"]["json"]
    db.session.expire_all()
    stored = db.session.get(Document, document.id)
    assert stored.subject != "Đổi trích yếu" and stored.signature_placement is None


def test_a_stored_placement_beyond_a_shorter_replacement_pdf_fails_the_approval(app, client, people, as_user):
    document = flow(people, "awaiting_signature")
    with db.session.begin_nested():
        db.session.get(Document, document.id).signature_placement = {**ON_PAGE_ONE, "page": 2}
    db.session.commit()
    # The main file is the factory's one-page PDF: the drafter's page 2 no longer exists.
    before, objects = snapshot(document.id), stored_objects(app)

    response = act(client, as_user(people.leader), document.id, "approve")

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["message"].startswith("signature_placement: page 2 is beyond the PDF")
    assert snapshot(document.id) == before
    assert stored_objects(app) == objects


def test_a_placement_outside_the_signature_step_is_refused(client, people, as_user):
    document = flow(people, "in_review")
    before = snapshot(document.id)

    response = act(client, as_user(people.reviewer), document.id, "approve", {"placement": ON_PAGE_ONE})

    assert response.status_code == 422
    assert "placement" in response.get_json()["error"]["details"]["json"]
    assert snapshot(document.id) == before
