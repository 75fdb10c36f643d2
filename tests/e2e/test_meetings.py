"""Meetings in the browser: an organiser creates a meeting with two delegates, an agenda item and a PDF
and invites; a delegate on a tablet finds it in the calendar (Vietnam day) and opens the document;
someone not invited sees nothing of it, in the browser or through the API."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import requests
from playwright.sync_api import expect

from eoffice.pdfgen import text_pdf
from tests.e2e.conftest import TABLET, TABLET_PORTRAIT, log_in, open_menu

DESKTOP = {"width": 1440, "height": 900}
AGENDA_BOOK = text_pdf(
    "Dự thảo Kế hoạch chuyển đổi số năm 2027",
    ["Mục tiêu.", "Nhiệm vụ và giải pháp.", "Tổ chức thực hiện."],
    page_per_paragraph=True,
)


SNV = "000.00.01.H49"  # Sở Nội vụ in the demo data


def _offered(page) -> list[int]:
    values = page.locator("#mf-person option").evaluate_all("options => options.map(o => o.value)")
    return [int(value) for value in values if value.isdigit()]


def _today_in_vietnam() -> str:
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()


def _meetings_of_the_day(server, username: str, day: str) -> list[int]:
    """Ids of the meetings a user sees on a Vietnam day, earliest first (as the calendar orders them)."""
    following = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    meetings = server.get(
        "/api/v1/meetings", username, **{"from": f"{day}T00:00:00+07:00", "to": f"{following}T00:00:00+07:00"}
    ).json()
    meetings.sort(key=lambda meeting: (datetime.fromisoformat(meeting["starts_at"]), meeting["id"]))
    return [meeting["id"] for meeting in meetings]


def _create_invite(page, server, title: str, day: str, screenshot=None) -> int:
    """The organiser's part, through the screens; returns the meeting id."""
    log_in(page, "vanthu")
    open_menu(page, "Họp không giấy")
    page.get_by_test_id("new-meeting").click()

    # Nothing filled: the form names what is missing before anything is sent.
    page.get_by_role("button", name="Tạo cuộc họp").click()
    assert "Không được để trống" in page.locator("#mf-title-error").inner_text()
    assert page.locator("#mf-chair-error").is_visible()

    page.get_by_label("Tên cuộc họp").fill(title)
    # 06:30 in Vietnam is 23:30 UTC the day before: the calendar must still put it on `day`.
    page.get_by_label("Bắt đầu").fill(f"{day}T06:30")
    page.get_by_label("Kết thúc").fill(f"{day}T08:00")
    page.get_by_label("Địa điểm").fill("Phòng họp số 2, trụ sở UBND tỉnh")
    # A link the browser accepts but the server refuses (no domain): its message lands on the field.
    page.get_by_label("Đường dẫn họp trực tuyến").fill("http://phonghop")
    page.locator("#mf-chair").select_option(str(server.person_id("Trần Văn Minh")))
    for name in ("Lê Thị Thu Trang", "Quản trị hệ thống"):
        page.locator("#mf-person").select_option(str(server.person_id(name)))
        page.get_by_role("button", name="Thêm vào thành phần").click()
    # A delegate of another agency: the picker offers that agency's people once it is chosen.
    page.get_by_label("Cơ quan").select_option(SNV)
    snv_leader = server.person_id("Đặng Văn Hùng", SNV)
    page.locator(f"#mf-person option[value='{snv_leader}']").wait_for(state="attached")
    assert server.person_id("Lê Thị Thu Trang") not in _offered(page)
    page.locator("#mf-person").select_option(str(snv_leader))
    page.get_by_role("button", name="Thêm vào thành phần").click()
    chosen = page.get_by_test_id("chosen-participants")
    assert chosen.locator("li").count() == 3
    assert "Đặng Văn Hùng (SNV)" in chosen.locator(f"li[data-user-id='{snv_leader}']").inner_text()
    if screenshot:
        screenshot(page, "39-meeting-form-delegates-of-two-agencies")
    page.get_by_role("button", name="Tạo cuộc họp").click()
    link_error = page.locator("#mf-link-error")
    link_error.wait_for()
    # The server's refusal in the reader's words, never its English.
    assert link_error.inner_text() == "Nhập một địa chỉ bắt đầu bằng http:// hoặc https://."
    assert page.url.endswith("/meetings/new")

    page.get_by_label("Đường dẫn họp trực tuyến").fill("https://hop.quangnam.gov.vn/phong-2")
    page.get_by_role("button", name="Tạo cuộc họp").click()
    page.wait_for_url(re.compile(r"/meetings/\d+$"))
    meeting_id = int(page.url.rsplit("/", 1)[1])
    page.get_by_test_id("meeting-status").filter(has_text="Dự thảo").wait_for()

    page.get_by_role("textbox", name="Nội dung", exact=True).fill(
        "Cho ý kiến dự thảo Kế hoạch chuyển đổi số năm 2027"
    )
    page.get_by_label("Người trình bày").select_option(str(server.person_id("Lê Thị Thu Trang")))
    page.get_by_label("Từ (giờ)").fill("06:30")
    page.get_by_label("Đến (giờ)").fill("07:15")
    page.get_by_role("button", name="Thêm nội dung", exact=True).click()
    item = page.locator("li.agenda-item").first
    item.wait_for()
    assert "Trình bày: Lê Thị Thu Trang" in item.inner_text() and "06:30–07:15" in item.inner_text()

    item.get_by_text("Thêm tài liệu").click()
    item.locator("input[type=file]").set_input_files(
        {"name": "Du thao ke hoach CDS 2027.pdf", "mimeType": "application/pdf", "buffer": AGENDA_BOOK}
    )
    item.get_by_role("button", name="Tải lên").click()
    item.locator("[data-document-id]").filter(has_text="3 trang").wait_for()

    page.get_by_role("button", name="Gửi giấy mời").click()
    page.get_by_test_id("meeting-status").filter(has_text="Đã mời").wait_for()
    return meeting_id


def test_organiser_creates_and_invites_a_delegate_finds_it_and_an_outsider_does_not(
    server, new_page, screenshot
):
    title = "Họp thẩm định Kế hoạch chuyển đổi số năm 2027"
    day = _today_in_vietnam()
    organiser = new_page(DESKTOP)
    meeting_id = _create_invite(organiser, server, title, day, screenshot)
    screenshot(organiser, "40-meeting-page-organiser")

    # The server holds what the screens showed.
    meeting = server.get(f"/api/v1/meetings/{meeting_id}", "vanthu").json()
    assert meeting["status"] == "invited" and meeting["title"] == title
    assert (
        datetime.fromisoformat(meeting["starts_at"])
        .astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
        .strftime("%Y-%m-%d %H:%M")
        == f"{day} 06:30"
    )
    assert meeting["online_link"] == "https://hop.quangnam.gov.vn/phong-2"
    roles = {p["full_name"]: p["role"] for p in meeting["participants"]}
    assert roles == {
        "Trần Văn Minh": "chair",
        "Lê Thị Thu Trang": "delegate",
        "Quản trị hệ thống": "delegate",
        "Đặng Văn Hùng": "delegate",
    }
    # Invited from another agency, he finds it too.
    assert meeting_id in [m["id"] for m in server.get("/api/v1/meetings", "lanhdao.snv").json()]
    [item] = meeting["agenda"]
    [document] = meeting["documents"]
    assert item["presenter_id"] == server.person_id("Lê Thị Thu Trang")
    assert document["agenda_item_id"] == item["id"] and document["page_count"] == 3

    # The organiser changes the place: the form comes back filled in Vietnam time, the change is sent.
    organiser.get_by_role("link", name="Sửa thông tin").click()
    assert organiser.get_by_label("Tên cuộc họp").input_value() == title
    assert organiser.get_by_label("Bắt đầu").input_value() == f"{day}T06:30"
    organiser.get_by_label("Địa điểm").fill("Hội trường tầng 3, trụ sở UBND tỉnh")
    organiser.get_by_role("button", name="Lưu", exact=True).click()
    organiser.wait_for_url(f"**/meetings/{meeting_id}")
    organiser.get_by_text("Hội trường tầng 3, trụ sở UBND tỉnh").wait_for()
    changed = server.get(f"/api/v1/meetings/{meeting_id}", "vanthu").json()
    assert changed["location"] == "Hội trường tầng 3, trụ sở UBND tỉnh"
    assert changed["calendar_sequence"] == meeting["calendar_sequence"] + 1
    assert changed["participants"] == meeting["participants"] and changed["starts_at"] == meeting["starts_at"]

    # A delegate on a tablet (landscape: the week grid) finds it on today's Vietnam day.
    delegate = new_page(TABLET)
    log_in(delegate, "chuyenvien")
    open_menu(delegate, "Họp không giấy")
    delegate.get_by_test_id("calendar-week").wait_for()
    card = delegate.locator(f"[data-date='{day}'] [data-meeting-id='{meeting_id}']")
    card.wait_for()
    assert "06:30–08:00" in card.inner_text() and "Đã mời" in card.inner_text()
    screenshot(delegate, "41-meetings-calendar-week-tablet")

    # A month's day shows its first three meetings by start and "+N cuộc họp khác" for the rest, which opens
    # that day's week. Other tests' meetings start "now" on this server: between 00:00 and 06:30 Vietnam
    # time (17:00–23:30 UTC) they come before this one on its day.
    delegate.get_by_role("button", name="Tháng", exact=True).click()
    cell = delegate.locator(f"[data-testid=calendar-month] td[data-date='{day}']")
    that_day = _meetings_of_the_day(server, "chuyenvien", day)
    cell.locator("[data-meeting-id]").first.wait_for()
    shown = [
        int(link)
        for link in cell.locator("[data-meeting-id]").evaluate_all(
            "links => links.map(link => link.dataset.meetingId)"
        )
    ]
    assert shown == that_day[:3]
    screenshot(delegate, "42-meetings-calendar-month")
    if meeting_id not in shown:
        more = cell.get_by_role("button", name=f"+{len(that_day) - 3} cuộc họp khác")
        more.click()
        delegate.get_by_test_id("calendar-week").wait_for()

    card = delegate.locator(f"[data-date='{day}'] [data-meeting-id='{meeting_id}']")
    card.click()
    delegate.get_by_role("heading", name=title).wait_for()
    room = delegate.get_by_test_id("enter-room")
    assert room.get_attribute("href") == f"/meetings/{meeting_id}/room"
    # A delegate runs nothing: no steps of the state machine, no uploads, no agenda form.
    assert delegate.locator("[data-action]").count() == 0
    assert delegate.get_by_role("button", name="Thêm nội dung", exact=True).count() == 0
    assert "Chủ trì" in delegate.locator("aside.people").inner_text()
    delegate.get_by_role("button", name="Xem Du thao ke hoach CDS 2027.pdf").click()
    preview = delegate.get_by_test_id("document-preview")
    preview.locator("canvas").wait_for()
    delegate.wait_for_function(
        "() => { const c = document.querySelector('[data-testid=document-preview] canvas');"
        " return c && c.width > 0 && getComputedStyle(c).display !== 'none'; }"
    )
    assert "Trang 1/3" in preview.inner_text()
    screenshot(delegate, "43-meeting-document-preview-tablet")
    delegate.keyboard.press("Escape")
    assert delegate.get_by_test_id("document-preview").count() == 0

    delegate.goto(f"/meetings/{meeting_id}/edit")
    delegate.get_by_text("Bạn không sửa được cuộc họp này").wait_for()
    assert delegate.get_by_role("button", name="Lưu", exact=True).count() == 0

    # Upright, the tablet lists the month's meetings by day instead of a grid.
    upright = new_page(TABLET_PORTRAIT)
    log_in(upright, "quantri")
    upright.goto("/meetings")
    upright.get_by_test_id("calendar-list").locator(f"[data-meeting-id='{meeting_id}']").wait_for()
    assert upright.evaluate("document.documentElement.scrollWidth") <= TABLET_PORTRAIT["width"]
    screenshot(upright, "44-meetings-list-tablet-portrait")

    # Someone not invited: not in their calendar, the page refuses, and so does the API.
    outsider = new_page(TABLET)
    log_in(outsider, "chuyenvien.snv")
    open_menu(outsider, "Họp không giấy")
    outsider.get_by_test_id("calendar-week").wait_for()
    assert outsider.locator(f"[data-meeting-id='{meeting_id}']").count() == 0
    outsider.goto(f"/meetings/{meeting_id}")
    outsider.get_by_test_id("meeting-forbidden").wait_for()
    assert title not in outsider.content()
    assert server.get(f"/api/v1/meetings/{meeting_id}", "chuyenvien.snv").status_code == 403
    listed = server.get("/api/v1/meetings", "chuyenvien.snv").json()
    assert meeting_id not in [m["id"] for m in listed]
    content = f"/api/v1/meetings/{meeting_id}/documents/{document['id']}/content"
    assert server.get(content, "chuyenvien.snv").status_code == 403
    assert server.get(content, "chuyenvien").status_code == 200


def test_a_written_opinion_poll_is_answered_once_and_a_confidential_item_shows_only_to_its_people(
    server, new_page, screenshot
):
    tomorrow = (datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")) + timedelta(days=1)).date().isoformat()
    specialist_id = server.person_id("Lê Thị Thu Trang")
    meeting = server.post(
        "/api/v1/meetings",
        "vanthu",
        json={
            "title": "Lấy ý kiến Quy chế làm việc (sửa đổi)",
            "starts_at": f"{tomorrow}T14:00:00+07:00",
            "ends_at": f"{tomorrow}T16:00:00+07:00",
            "location": "Phòng họp số 3",
            "chair_id": server.person_id("Trần Văn Minh"),
            "participants": [
                {"user_id": specialist_id, "role": "delegate"},
                {"user_id": server.person_id("Quản trị hệ thống"), "role": "delegate"},
            ],
        },
    )
    meeting_id = meeting["id"]
    secret_title = "Nhân sự dự kiến bổ nhiệm (mật)"
    server.post(
        f"/api/v1/meetings/{meeting_id}/agenda",
        "vanthu",
        json={"title": secret_title, "is_confidential": True, "named_user_ids": [specialist_id]},
    )
    server.post(f"/api/v1/meetings/{meeting_id}/agenda", "vanthu", json={"title": "Quy chế làm việc"})
    server.post(f"/api/v1/meetings/{meeting_id}/invite", "vanthu")

    organiser = new_page(DESKTOP)
    log_in(organiser, "vanthu")
    organiser.goto(f"/meetings/{meeting_id}")

    # The organiser puts the public item first and gives it a presenter and a slot.
    organiser.get_by_role("button", name="Đưa Quy chế làm việc lên trước").click()
    organiser.locator("li.agenda-item").first.filter(has_text="Quy chế làm việc").wait_for()
    assert organiser.get_by_role("button", name="Đưa Quy chế làm việc lên trước").is_disabled()
    organiser.get_by_role("button", name="Sửa nội dung Quy chế làm việc").click()
    editing = organiser.locator("li.agenda-item").first.locator("form")
    editing.get_by_label("Người trình bày").select_option(str(specialist_id))
    editing.get_by_label("Từ (giờ)").fill("14:00")
    editing.get_by_label("Đến (giờ)").fill("14:45")
    editing.get_by_role("button", name="Lưu", exact=True).click()
    organiser.locator("li.agenda-item").first.filter(has_text="14:00–14:45").wait_for()
    agenda = server.get(f"/api/v1/meetings/{meeting_id}", "vanthu").json()["agenda"]
    assert [(item["position"], item["title"]) for item in agenda] == [
        (1, "Quy chế làm việc"),
        (2, secret_title),
    ]
    assert agenda[0]["presenter_id"] == specialist_id
    assert agenda[0]["starts_at"].startswith(f"{tomorrow}T07:00:00")  # 14:00 in Vietnam, stored in UTC

    # The organiser opens a poll from the meeting page; a deadline already past is refused first.
    organiser.get_by_role("button", name="Tạo phiếu lấy ý kiến").click()
    organiser.get_by_label("Nội dung xin ý kiến").fill("Thông qua dự thảo Quy chế làm việc (sửa đổi)?")
    organiser.get_by_label("Hạn trả lời").fill("2020-01-01T08:00")
    organiser.get_by_role("button", name="Gửi phiếu lấy ý kiến").click()
    assert "tương lai" in organiser.locator("#poll-deadline-error").inner_text()
    organiser.get_by_label("Hạn trả lời").fill(f"{tomorrow}T17:00")
    organiser.get_by_role("button", name="Gửi phiếu lấy ý kiến").click()
    organiser.locator("[data-poll-id]").wait_for()
    [poll] = server.get(f"/api/v1/meetings/{meeting_id}/opinions", "vanthu").json()
    assert poll["options"] == ["Đồng ý", "Không đồng ý", "Ý kiến khác"]

    # The delegate named on the confidential item sees it, and answers the poll once.
    delegate = new_page(TABLET)
    log_in(delegate, "chuyenvien")
    delegate.goto(f"/meetings/{meeting_id}")
    delegate.locator("li.agenda-item").filter(has_text=secret_title).wait_for()
    card = delegate.locator(f"[data-poll-id='{poll['id']}']")
    card.get_by_label("Đồng ý", exact=True).check()
    card.get_by_label("Ý kiến khác (không bắt buộc)").fill("Đề nghị bổ sung điều khoản chuyển tiếp.")
    card.get_by_role("button", name="Gửi ý kiến").click()
    card.get_by_test_id("my-answer").filter(has_text="Đồng ý").wait_for()
    assert card.get_by_role("button", name="Gửi ý kiến").count() == 0
    assert "1/3 người đã trả lời" in card.inner_text() and "1 (100%)" in card.inner_text()
    screenshot(delegate, "45-meeting-opinion-poll-tablet")

    answered = server.get(f"/api/v1/meetings/{meeting_id}/opinions/{poll['id']}", "chuyenvien").json()
    assert answered["my_answer"]["option"] == "Đồng ý" and answered["results"]["Đồng ý"] == 1
    again = requests.post(
        f"{server.url}/api/v1/meetings/{meeting_id}/opinions/{poll['id']}/answers",
        headers=server.token("chuyenvien"),
        json={"option": "Không đồng ý"},
        timeout=10,
    )
    assert again.status_code == 409
    # Those who run the meeting see who answered what; the organiser's page shows it after a reload.
    organiser.reload()
    organiser.get_by_text("Ý kiến của từng người").click()
    assert "Lê Thị Thu Trang: Đồng ý" in organiser.locator(f"[data-poll-id='{poll['id']}']").inner_text()

    # The other delegate is not named on the confidential item: neither the page nor the API show it.
    other = new_page(TABLET)
    log_in(other, "quantri")
    other.goto(f"/meetings/{meeting_id}")
    other.locator("li.agenda-item").filter(has_text="Trình bày: Lê Thị Thu Trang").wait_for()
    assert secret_title not in other.content()
    assert other.locator("li.agenda-item").count() == 1
    titles = [
        item["title"] for item in server.get(f"/api/v1/meetings/{meeting_id}", "quantri").json()["agenda"]
    ]
    assert titles == ["Quy chế làm việc"]
    assert (
        other.locator(f"[data-poll-id='{poll['id']}']").get_by_role("button", name="Gửi ý kiến").is_visible()
    )


def test_the_organiser_adds_whole_units_of_two_agencies_and_the_meeting_holds_each_of_their_people(
    server, new_page
):
    page = new_page(DESKTOP)
    log_in(page, "vanthu")
    page.goto("/meetings/new")
    page.get_by_label("Tên cuộc họp").fill("Họp liên ngành về cải cách hành chính")
    day = _today_in_vietnam()
    page.get_by_label("Bắt đầu").fill(f"{day}T14:00")
    page.get_by_label("Kết thúc").fill(f"{day}T16:00")
    chair = server.person_id("Trần Văn Minh")
    page.locator("#mf-chair").select_option(str(chair))

    def unit_of(agency_id: str | None, unit: str) -> set[int]:
        filters = {"agency_id": agency_id} if agency_id else {}
        people = server.get("/api/v1/people", "vanthu", **filters).json()
        return {person["id"] for person in people if person["unit_name"] == unit}

    # The organiser's own Văn phòng as delegates: everyone in it but the chair, who is there already.
    office = unit_of(None, "Văn phòng") - {chair}
    assert len(office) >= 2
    page.get_by_label("Hoặc cả đơn vị").select_option(label="Văn phòng")
    page.get_by_role("button", name="Thêm cả đơn vị").click()
    chosen = page.get_by_test_id("chosen-participants")
    expect(chosen.locator("li")).to_have_count(len(office))
    # Adding it again adds nobody twice.
    page.get_by_label("Hoặc cả đơn vị").select_option(label="Văn phòng")
    page.get_by_role("button", name="Thêm cả đơn vị").click()
    expect(chosen.locator("li")).to_have_count(len(office))

    # A unit of Sở Nội vụ as guests: its people, named with their agency.
    page.get_by_label("Cơ quan").select_option(SNV)
    page.locator("#mf-unit option", has_text="Phòng Tổ chức - Biên chế").wait_for(state="attached")
    page.get_by_label("Vai trò", exact=True).select_option("guest")
    page.get_by_label("Hoặc cả đơn vị").select_option(label="Phòng Tổ chức - Biên chế")
    page.get_by_role("button", name="Thêm cả đơn vị").click()
    staff = unit_of(SNV, "Phòng Tổ chức - Biên chế")
    expect(chosen.locator("li")).to_have_count(len(office) + len(staff))
    expect(chosen.locator(f"li[data-user-id='{server.person_id('Huỳnh Ngọc Ánh', SNV)}']")).to_contain_text(
        "Huỳnh Ngọc Ánh (SNV)"
    )

    page.get_by_role("button", name="Tạo cuộc họp").click()
    page.wait_for_url(re.compile(r"/meetings/\d+$"))
    meeting = server.get(f"/api/v1/meetings/{page.url.rsplit('/', 1)[1]}", "vanthu").json()
    roles = {p["user_id"]: p["role"] for p in meeting["participants"]}
    assert roles == {chair: "chair", **dict.fromkeys(office, "delegate"), **dict.fromkeys(staff, "guest")}
