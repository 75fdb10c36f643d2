"""Full-text search, the registers for print, handling statistics and deadline reminders."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from eoffice.documents import clock
from eoffice.documents.fulltext import fold
from eoffice.documents.operations.common import name
from eoffice.documents.tasks import index_queued_texts, queue_deadline_reminders
from eoffice.extensions import db
from eoffice.mail.models import OutboxMessage
from eoffice.pdfgen import text_pdf
from eoffice.storage.operations import commit_or_discard
from eoffice.untrusted import pdf_text
from tests.factories import create_document, incoming_metadata


def _register(client, headers, metadata, pdf: bytes, name="van-ban.pdf"):
    response = client.post(
        "/api/v1/documents/incoming",
        data={"metadata": json.dumps(metadata), "files": (io.BytesIO(pdf), name, "application/pdf")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    # On PostgreSQL the text of PDFs is indexed in the background (test_text_extraction.py): here,
    # by the worker's step, run as soon as the upload is answered.
    index_queued_texts()
    return response.get_json()


def _search(client, headers, query, **params):
    response = client.get(
        "/api/v1/documents", query_string={"q": query, "status": "all", **params}, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def _every_page(client, headers, query, limit=2):
    """The ids of every page of a search, following the cursor to the end."""
    seen, cursor = [], None
    while True:
        params = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = client.get(
            "/api/v1/documents", query_string={"q": query, "status": "all", **params}, headers=headers
        )
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


def test_folding_removes_vietnamese_diacritics_and_d_stroke():
    assert fold("Quyết định số 15/QĐ-UBND về Đề án") == "quyet dinh so 15 qd ubnd ve de an"


def test_search_is_accent_insensitive_over_metadata_and_pdf_text(client, people, as_user):
    headers = as_user(people.clerk)
    flood = _register(
        client,
        headers,
        incoming_metadata(subject="Kế hoạch phòng, chống thiên tai năm 2027", number=7, notation="KH-UBND"),
        text_pdf("Kế hoạch", ["Các địa phương chủ động sơ tán dân khỏi vùng sạt lở đất."]),
    )
    budget = _register(
        client,
        headers,
        incoming_metadata(subject="Hướng dẫn lập dự toán ngân sách", number=8),
        text_pdf("Hướng dẫn", ["Dự toán chi thường xuyên của các đơn vị sự nghiệp."]),
    )
    assert _search(client, headers, "ke hoach phong chong") == [flood["id"]]
    assert _search(client, headers, "Kế hoạch") == [flood["id"]]
    # Words found only inside the PDF.
    assert _search(client, headers, "sat lo dat") == [flood["id"]]
    assert _search(client, headers, "chi thuong xuyen") == [budget["id"]]
    # The notation, and a word typed halfway.
    assert _search(client, headers, "07/KH-UBND") == [flood["id"]]
    assert _search(client, headers, "ngan sa") == [budget["id"]]
    assert _search(client, headers, "So Tai chinh") == [budget["id"], flood["id"]]
    assert _search(client, headers, "bão lụt") == []


def test_search_never_shows_what_the_caller_may_not_see(client, people, as_user):
    secret = _register(
        client,
        as_user(people.clerk),
        incoming_metadata(subject="Phương án bảo vệ mục tiêu quan trọng", confidentiality="secret"),
        text_pdf("Mật", ["Nội dung mật"]),
    )
    assert _search(client, as_user(people.clerk), "muc tieu quan trong") == [secret["id"]]
    assert _search(client, as_user(people.leader), "muc tieu quan trong") == []
    assert _search(client, as_user(people.outsider_clerk), "muc tieu quan trong") == []


def test_search_query_syntax_cannot_break_the_search(client, people, as_user):
    headers = as_user(people.clerk)
    _register(client, headers, incoming_metadata(), text_pdf("Văn bản"))
    for query in ['"', "AND OR NOT", "a*b:c", "'; DROP TABLE documents; --", "((", "NEAR(x y)"]:
        response = client.get(
            "/api/v1/documents", query_string={"q": query, "status": "all"}, headers=headers
        )
        assert response.status_code == 200, (query, response.get_json())


@pytest.mark.parametrize("window", [2, 1000])
def test_search_pages_are_newest_first_whether_the_newest_documents_hold_the_page_or_not(
    client, people, as_user, monkeypatch, window
):
    # With a window of 1000 the walk over the newest documents fills the first page; with 2 it
    # cannot, and the full-text index answers. Either way every match comes once, newest first.
    monkeypatch.setattr("eoffice.documents.queries.RECENT_WINDOW", window)
    subjects = ["Kế hoạch phòng chống bão năm 2027", "Báo cáo dự toán ngân sách"]
    created = [
        create_document(
            "registered", clerk=people.clerk, metadata={"number": n + 1, "subject": subjects[n % 2]}
        )
        for n in range(9)
    ]
    seen = _every_page(client, as_user(people.clerk), "phong chong bao")
    assert seen == [document.id for document in reversed(created[::2])]


@pytest.mark.parametrize("windows", [(1000, 10_000), (2, 1000), (2, 3), (1, 1)])
def test_a_platform_admins_search_pages_are_newest_first_over_every_agency_whichever_window_holds_them(
    client, people, as_user, monkeypatch, windows
):
    # Across agencies the walk goes on to a wider window when the first one held some matches but not a
    # page; the windows here make the first, the wider one, or the index answer each page.
    monkeypatch.setattr("eoffice.documents.queries.RECENT_WINDOW", windows[0])
    monkeypatch.setattr("eoffice.documents.queries.WIDE_RECENT_WINDOW", windows[1])
    subjects = ["Kế hoạch phòng chống bão năm 2027", "Báo cáo dự toán ngân sách", "Tờ trình dự toán"]
    created = [
        create_document(
            "registered",
            clerk=(people.clerk, people.outsider_clerk)[n % 2],
            metadata={"number": n + 1, "subject": subjects[n % 3]},
        )
        for n in range(13)
    ]
    seen = _every_page(client, as_user(people.platform_admin), "phong chong bao")
    assert seen == [document.id for document in reversed(created[::3])]


def test_a_platform_admin_searches_every_agency_except_confidential_documents(client, people, as_user):
    def storm_plan(clerk, number, **metadata):
        metadata = {"number": number, "subject": "Kế hoạch phòng chống bão", **metadata}
        return create_document("registered", clerk=clerk, metadata=metadata)

    home = storm_plan(people.clerk, 1)
    other = storm_plan(people.outsider_clerk, 2)
    storm_plan(people.outsider_clerk, 3, confidentiality="secret")
    assert _search(client, as_user(people.platform_admin), "phong chong bao") == [other.id, home.id]
    assert _search(client, as_user(people.clerk), "phong chong bao") == [home.id]
    assert _search(client, as_user(people.outsider_leader), "phong chong bao") == [other.id]


def test_only_people_of_the_documents_agency_are_ever_named_on_it(people):
    # Lists and searches look at the caller's agency only (documents.policy.visible_agency).
    document = create_document("registered", clerk=people.clerk)
    with pytest.raises(ValueError, match="not of agency"):
        name(document, people.outsider_clerk)
    assert name(document, people.leader).user_id == people.leader.id


def _period(client, headers, direction, fmt, start="2026-01-01", end="2026-12-31"):
    return client.get(
        f"/api/v1/documents/registers/{direction}",
        query_string={"from": start, "to": end, "format": fmt},
        headers=headers,
    )


def test_incoming_register_lists_the_period_in_arrival_order_as_csv_and_pdf(client, people, as_user):
    first = create_document(
        "assigned",
        clerk=people.clerk,
        leader=people.leader,
        handler=people.handler,
        metadata={"subject": "Về việc tổ chức Hội nghị tổng kết", "number": 31},
    )
    second = create_document("registered", clerk=people.clerk, metadata={"subject": "Về việc báo cáo quý IV"})
    headers = as_user(people.clerk)

    response = _period(client, headers, "incoming", "csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Ngày đến", "Số đến", "Tác giả"]
    assert [row[1] for row in rows[1:]] == [str(first.arrival_number), str(second.arrival_number)]
    assert rows[1][3] == "31/STC-NS"
    assert rows[1][5] == "Công văn: Về việc tổ chức Hội nghị tổng kết"
    assert rows[1][6] == "Lê Thị Thu Trang"

    pdf = _period(client, headers, "incoming", "pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(io.BytesIO(pdf.data)).output
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in text and "Hội nghị tổng kết" in text

    outside = _period(client, headers, "incoming", "csv", start="2025-01-01", end="2025-12-31")
    assert len(list(csv.reader(io.StringIO(outside.data.decode("utf-8-sig"))))) == 1


def test_outgoing_register_shows_issued_documents_with_recipients(client, people, as_user):
    issued = create_document(
        "issued",
        drafter=people.handler,
        reviewers=[people.reviewer],
        signer=people.leader,
        clerk=people.clerk,
        metadata={"subject": "Quy chế làm việc của Ủy ban"},
    )
    create_document("draft", drafter=people.handler)
    response = _period(client, as_user(people.clerk), "outgoing", "csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == 2
    assert rows[1][0] == f"{issued.number:02d}/{issued.notation}"
    assert rows[1][2] == "Quyết định: Quy chế làm việc của Ủy ban"


@pytest.mark.parametrize(
    "params, field",
    [
        ({"from": "2026-13-01", "to": "2026-12-31"}, "from"),
        ({"from": "2026-01-01"}, "to"),
        ({"from": "2026-12-31", "to": "2026-01-01"}, "to"),
        ({"from": "2026-01-01", "to": "2026-12-31", "format": "xlsx"}, "format"),
    ],
)
def test_register_parameters_are_validated(client, people, as_user, params, field):
    response = client.get(
        "/api/v1/documents/registers/incoming", query_string=params, headers=as_user(people.clerk)
    )
    assert response.status_code == 422
    assert field in response.get_json()["error"]["message"]


def test_registers_and_statistics_are_for_clerks_leaders_and_admins(client, people, as_user):
    assert _period(client, as_user(people.handler), "incoming", "csv").status_code == 403
    assert _period(client, as_user(people.leader), "incoming", "csv").status_code == 200
    assert (
        client.get(
            "/api/v1/documents/registers/sideways?from=2026-01-01&to=2026-12-31",
            headers=as_user(people.clerk),
        ).status_code
        == 404
    )
    stats = client.get(
        "/api/v1/documents/statistics?from=2026-01-01&to=2026-12-31", headers=as_user(people.handler)
    )
    assert stats.status_code == 403


def test_statistics_count_on_time_late_and_overdue_per_unit(client, people, as_user, monkeypatch):
    today = clock.vietnam_date(clock.now())

    def handled(deadline_days: int, complete: bool, unit: str | None = None):
        assignment = (
            {"primary_unit_id": people.units[unit]} if unit else {"primary_user_id": people.handler.id}
        ) | {"deadline": today + timedelta(days=deadline_days)}
        return create_document(
            "completed" if complete else "in_progress",
            clerk=people.clerk,
            leader=people.leader,
            handler=people.handler,
            assignment=assignment,
        )

    handled(3, complete=True)  # on time
    handled(-1, complete=False)  # overdue now
    handled(5, complete=False)  # in progress
    late = handled(1, complete=True)
    late.completed_at = clock.now() + timedelta(days=3)
    db.session.commit()

    response = client.get(
        "/api/v1/documents/statistics",
        query_string={
            "from": (today - timedelta(days=1)).isoformat(),
            "to": (today + timedelta(days=1)).isoformat(),
        },
        headers=as_user(people.leader),
    )
    assert response.status_code == 200
    [unit] = response.get_json()["units"]
    assert unit["unit_name"] == "Phòng Khoa giáo - Văn xã"
    assert (unit["on_time"], unit["late"], unit["overdue"], unit["in_progress"], unit["total"]) == (
        1,
        1,
        1,
        1,
        4,
    )


def test_deadline_reminders_go_once_to_the_handlers_before_and_after_the_deadline(people, app):
    today = clock.vietnam_date(clock.now())
    near = create_document(
        "assigned",
        clerk=people.clerk,
        leader=people.leader,
        handler=people.handler,
        assignment={
            "primary_user_id": people.handler.id,
            "co_handler_ids": [people.co_handler.id],
            "deadline": today + timedelta(days=1),
        },
        metadata={"subject": "Báo cáo sắp đến hạn"},
    )
    past = create_document(
        "in_progress",
        clerk=people.clerk,
        leader=people.leader,
        handler=people.handler,
        assignment={"primary_user_id": people.handler.id, "deadline": today - timedelta(days=2)},
        metadata={"subject": "Báo cáo đã quá hạn"},
    )
    create_document(
        "assigned",
        clerk=people.clerk,
        leader=people.leader,
        handler=people.handler,
        assignment={"primary_user_id": people.handler.id, "deadline": today + timedelta(days=20)},
    )
    db.session.query(OutboxMessage).delete()
    db.session.commit()

    assert queue_deadline_reminders(clock.now()) == {"near": 1, "overdue": 1}
    db.session.commit()
    assert queue_deadline_reminders(clock.now()) == {"near": 0, "overdue": 0}
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    sent = {(m.kind, m.to_address) for m in messages}
    assert ("document.deadline_near", people.handler.email) in sent
    assert ("document.deadline_near", people.co_handler.email) in sent
    assert ("document.deadline_passed", people.handler.email) in sent
    assert ("document.deadline_passed", people.leader.email) in sent
    assert all("Báo cáo sắp đến hạn" in m.subject for m in messages if m.kind == "document.deadline_near")
    assert near.id != past.id


def test_the_reminder_command_for_schedulers_reports_what_it_queued(people, app):
    today = clock.vietnam_date(clock.now())
    create_document(
        "assigned",
        clerk=people.clerk,
        leader=people.leader,
        handler=people.handler,
        assignment={"primary_user_id": people.handler.id, "deadline": today},
    )
    result = app.test_cli_runner().invoke(args=["document-reminders"])
    assert result.exit_code == 0, result.output
    assert "1 near the deadline, 0 past it" in result.output
    kinds = db.session.scalars(select(OutboxMessage.kind)).all()
    assert "document.deadline_near" in kinds


def test_the_charts_reminder_command_queues_deadlines_and_archive_hand_overs_at_once(people, app):
    today = clock.vietnam_date(clock.now())
    create_document(
        "assigned",
        clerk=people.clerk,
        leader=people.leader,
        handler=people.handler,
        assignment={"primary_user_id": people.handler.id, "deadline": today},
    )
    result = app.test_cli_runner().invoke(args=["reminders"])
    assert result.exit_code == 0, result.output
    assert "1 near the deadline, 0 past it" in result.output
    assert "hand-over notices queued for 0 hand-overs" in result.output
    assert "document.deadline_near" in db.session.scalars(select(OutboxMessage.kind)).all()


def test_follow_up_register_shows_how_far_each_incoming_document_is_handled(client, people, as_user):
    from eoffice.documents import operations

    today = clock.vietnam_date(clock.now())
    yesterday = today - timedelta(days=1)
    waiting = create_document(
        "registered",
        clerk=people.clerk,
        metadata={"subject": "Về việc góp ý dự thảo", "due_date": (today + timedelta(days=10)).isoformat()},
    )
    overdue = create_document(
        "assigned",
        clerk=people.clerk,
        leader=people.leader,
        handler=people.handler,
        metadata={"subject": "Về việc rà soát hồ sơ"},
        assignment={
            "primary_unit_id": people.units["KT"],
            "co_handler_ids": [people.handler.id],
            "deadline": yesterday,
        },
    )
    progressing = create_document(
        "in_progress", clerk=people.clerk, leader=people.leader, handler=people.handler
    )
    late = create_document(
        "in_progress",
        clerk=people.clerk,
        leader=people.leader,
        handler=people.handler,
        metadata={"subject": "Về việc báo cáo số liệu"},
        assignment={"primary_user_id": people.handler.id, "deadline": yesterday},
    )
    reply = create_document(
        "issued",
        drafter=people.handler,
        reviewers=[people.reviewer],
        signer=people.leader,
        clerk=people.clerk,
        metadata={"document_type": "CV", "subject": "Báo cáo số liệu"},
    )
    with commit_or_discard():
        operations.complete(
            db.session.get(type(late), late.id),
            people.handler,
            result_note="Đã gửi báo cáo",
            reply_document_id=reply.id,
        )

    period = {"start": f"{today.year}-01-01", "end": f"{today.year}-12-31"}
    response = _period(client, as_user(people.clerk), "follow-up", "csv", **period)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "so-theo-doi-giai-quyet-van-ban-den" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    day = today.strftime("%d/%m/%Y")
    assert rows == [
        [
            "Số đến",
            "Trích yếu nội dung",
            "Đơn vị hoặc người giải quyết",
            "Thời hạn giải quyết",
            "Tiến độ giải quyết",
            "Kết quả giải quyết",
            "Ghi chú",
        ],
        [
            str(waiting.arrival_number),
            "Công văn: Về việc góp ý dự thảo",
            "",
            (today + timedelta(days=10)).strftime("%d/%m/%Y"),
            "Đã vào sổ, chưa trình",
            "",
            "",
        ],
        [
            str(overdue.arrival_number),
            "Công văn: Về việc rà soát hồ sơ",
            "Phòng Kinh tế; phối hợp: Lê Thị Thu Trang",
            yesterday.strftime("%d/%m/%Y"),
            "Đã giao, chưa xử lý, quá hạn",
            "",
            "",
        ],
        [
            str(progressing.arrival_number),
            "Công văn: V/v hướng dẫn lập dự toán ngân sách năm 2027",
            "Lê Thị Thu Trang",
            "",
            f"Đang xử lý. {day}: Đang tổng hợp",
            "",
            "",
        ],
        [
            str(late.arrival_number),
            "Công văn: Về việc báo cáo số liệu",
            "Lê Thị Thu Trang",
            yesterday.strftime("%d/%m/%Y"),
            "Đã hoàn thành quá hạn",
            f"Hoàn thành ngày {day}: Đã gửi báo cáo. Văn bản trả lời số {reply.number:02d}/UBND-VX",
            "",
        ],
    ]

    pdf = _period(client, as_user(people.leader), "follow-up", "pdf", **period)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = " ".join(pdf_text(io.BytesIO(pdf.data)).output.split())
    assert "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN" in text
    for heading in ("Số đến", "Trích yếu nội dung", "Thời hạn giải quyết", "Tiến độ giải quyết", "Ghi chú"):
        assert heading in text
    assert "Đã gửi báo cáo" in text


def test_incoming_register_has_the_decrees_columns(client, people, as_user):
    create_document("registered", clerk=people.clerk)
    response = _period(client, as_user(people.clerk), "incoming", "csv")
    header = next(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert header == [
        "Ngày đến",
        "Số đến",
        "Tác giả",
        "Số, ký hiệu",
        "Ngày tháng",
        "Tên loại và trích yếu nội dung",
        "Đơn vị hoặc người nhận",
        "Ngày chuyển",
        "Ký nhận",
        "Ghi chú",
    ]
    pdf = _period(client, as_user(people.clerk), "incoming", "pdf")
    text = " ".join(pdf_text(io.BytesIO(pdf.data)).output.split())
    for heading in header:
        assert heading in text, heading
