"""Legal normative documents carry the year in their number (Law 80/2015 Art. 9); individual ones do not."""

from __future__ import annotations

import csv
import io
import json

import pypdf
from sqlalchemy import func, select

from eoffice.axis import outbound
from eoffice.axis.models import AxisSend
from eoffice.documents.models import Document, FileRole
from eoffice.extensions import db
from eoffice.pdfgen import text_pdf
from eoffice.runtime import storage
from tests.factories import create_document, outgoing_metadata

EXTERNAL = {"agency_id": "000.00.12.H49", "agency_name": "Sở Tài chính"}


def issued(people, **metadata):
    return create_document(
        "issued",
        drafter=people.handler,
        reviewers=[people.reviewer],
        signer=people.leader,
        clerk=people.clerk,
        metadata=metadata,
    )


def stamped_number(document: Document) -> str:
    main = next(link for link in document.files if link.role == FileRole.MAIN)
    content = b"".join(storage().open(main.stored_file.key))
    return pypdf.PdfReader(io.BytesIO(content)).get_fields()["so_ky_hieu"]["/V"]


def test_a_legal_normative_decision_carries_the_year_everywhere_its_number_is_shown(client, people, as_user):
    legal = issued(people, is_legal_normative=True, recipients=[EXTERNAL])
    individual = issued(people, subject="Quyết định khen thưởng cá nhân")
    second_legal = issued(people, is_legal_normative=True, subject="Quyết định ban hành quy định về phí")
    year = legal.number_year
    headers = as_user(people.clerk)

    # The numbering is unchanged: legal normative decisions count in their own series, from 01.
    assert [(d.number, d.notation, d.series) for d in (legal, individual, second_legal)] == [
        (1, "QĐ-UBND", "legal:QĐ"),
        (1, "QĐ-UBND", "general"),
        (2, "QĐ-UBND", "legal:QĐ"),
    ]
    shown = {
        d.id: client.get(f"/api/v1/documents/{d.id}", headers=headers).get_json()["number_and_notation"]
        for d in (legal, individual, second_legal)
    }
    assert shown == {
        legal.id: f"01/{year}/QĐ-UBND",
        individual.id: "01/QĐ-UBND",
        second_legal.id: f"02/{year}/QĐ-UBND",
    }

    listed = client.get("/api/v1/documents?direction=outgoing&status=all", headers=headers).get_json()
    assert {item["id"]: item["number_and_notation"] for item in listed["items"]} == shown

    register = client.get(
        "/api/v1/documents/registers/outgoing",
        query_string={"from": f"{year}-01-01", "to": f"{year}-12-31", "format": "csv"},
        headers=headers,
    )
    rows = list(csv.reader(io.StringIO(register.data.decode("utf-8-sig"))))
    assert sorted(row[0] for row in rows[1:]) == sorted(shown.values())

    # The agency's stamp on the signed PDF and the trace of the issuance.
    assert stamped_number(legal) == f"Số: 01/{year}/QĐ-UBND"
    assert stamped_number(individual) == "Số: 01/QĐ-UBND"
    assert legal.trace[-1].details["number_and_notation"] == f"01/{year}/QĐ-UBND"

    # To the national axis: Code's notation carries the year, so the receiver shows the same number.
    send = db.session.scalars(select(AxisSend).where(AxisSend.document_id == legal.id)).one()
    package = outbound.package_of(send)
    assert (package.number, package.notation) == (1, f"{year}/QĐ-UBND")
    assert package.code == f"01/{year}/QĐ-UBND"
    assert outbound.outgoing_document_id(legal).endswith(f",01/{year}/QĐ-UBND")


def test_only_resolutions_decisions_decrees_and_circulars_can_be_legal_normative(client, people, as_user):
    drafter = as_user(people.handler)

    def create(**metadata):
        return client.post(
            "/api/v1/documents/outgoing",
            data={
                "metadata": json.dumps(outgoing_metadata(**metadata)),
                "files": [(io.BytesIO(text_pdf("Dự thảo")), "du-thao.pdf")],
            },
            headers=drafter,
            content_type="multipart/form-data",
        )

    count = db.session.scalar(select(func.count()).select_from(Document))
    refused = create(document_type="TB", is_legal_normative=True)
    assert refused.status_code == 422
    assert "is_legal_normative" in refused.get_json()["error"]["message"]
    assert db.session.scalar(select(func.count()).select_from(Document)) == count

    circular = create(document_type="TT", is_legal_normative=True, subject="Thông tư hướng dẫn")
    assert circular.status_code == 201, circular.get_json()
    assert circular.get_json()["is_legal_normative"] is True

    # A legal normative draft cannot become a type that is never one while it stays marked.
    draft_id = create(is_legal_normative=True).get_json()["id"]
    changed = client.patch(f"/api/v1/documents/{draft_id}", json={"document_type": "CT"}, headers=drafter)
    assert changed.status_code == 422
    assert "is_legal_normative" in changed.get_json()["error"]["message"]
    db.session.expire_all()
    assert db.session.get(Document, draft_id).document_type == "QĐ"
    unmarked = client.patch(
        f"/api/v1/documents/{draft_id}",
        json={"document_type": "CT", "is_legal_normative": False},
        headers=drafter,
    )
    assert unmarked.status_code == 200, unmarked.get_json()

    types = client.get("/api/v1/documents/types", headers=drafter).get_json()
    assert {t["code"] for t in types if t["can_be_legal_normative"]} == {"NQ", "QĐ", "NĐ", "TT"}
