"""The registers for print (incoming, outgoing, follow-up) as CSV and PDF, and who may print them."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from eoffice.documents import clock
from eoffice.extensions import db
from eoffice.storage.operations import commit_or_discard
from eoffice.untrusted import pdf_text
from tests.factories import create_document


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
