"""Phones and tablets: the main screens fit a 390 × 844 and a 360 px wide phone and a 768 × 1024 tablet in
portrait without scrolling sideways, controls are 44 × 44 px on touch screens, axe-core finds no serious
or critical accessibility violation, and a delegate votes from a phone. Screens are saved for review."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from eoffice.pdfgen import text_pdf
from tests.conftest import service_missing
from tests.e2e.conftest import ROOT, awaiting_direction, log_in
from tests.e2e.test_handling import _today
from tests.e2e.test_records import _case_file_with, _completed

PHONE = {"width": 390, "height": 844}
NARROW_PHONE = {"width": 360, "height": 740}
IPAD_PORTRAIT = {"width": 768, "height": 1024}
DESKTOP = {"width": 1440, "height": 900}
AXE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
ISSUED_SUBJECT = "Quyết định ban hành Quy chế công tác văn thư, lưu trữ"
# What a touch screen must offer a finger (WCAG 2.5.5), measured on what a user can press.
TARGETS = "button, select, input[type=checkbox], input[type=radio], a.button, .sidenav a, a.room-back"


@pytest.fixture
def device(browser, server):
    """device(viewport, touch=True) -> a page in its own context: a phone or tablet when touch."""
    contexts = []

    def open_device(viewport: dict[str, int], touch: bool = True):
        context = browser.new_context(
            base_url=server.url,
            viewport=viewport,
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
            has_touch=touch,
            is_mobile=touch,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_device
    for context in contexts:
        context.close()


def assert_fits(page, where: str) -> None:
    """Nothing wider than the screen: the document does not scroll sideways, nor does a box inside it (a
    table scrolling in its own frame hides its columns just the same)."""
    width, viewport = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= viewport, f"{where}: the page is {width} px wide on a {viewport} px screen"
    boxes = page.evaluate(
        """() => [...document.querySelectorAll("main *")]
            .filter((el) => el.getClientRects().length && el.tagName !== "TEXTAREA"
                && ["auto", "scroll"].includes(getComputedStyle(el).overflowX)
                && el.scrollWidth > el.clientWidth + 1)
            .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")} `
                + `${el.scrollWidth} > ${el.clientWidth} px`)"""
    )
    assert boxes == [], f"{where}: boxes scroll sideways: {boxes}"


def small_targets(page) -> list[str]:
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
            .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== "hidden"
                && !el.closest("[aria-hidden=true]"))
            .map((el) => [el, el.getBoundingClientRect()])
            .filter(([, box]) => box.width < 43.5 || box.height < 43.5)
            .map(([el, box]) => {
                const name = (el.textContent || el.getAttribute("aria-label") || "").trim().slice(0, 40);
                const size = `${Math.round(box.width)}×${Math.round(box.height)}`;
                return `${el.tagName.toLowerCase()} "${name}" ${size}`;
            })""",
        TARGETS,
    )


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not AXE.is_file():
        service_missing("axe-core is not installed: run `npm ci` in frontend/")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => (await axe.run(document, { resultTypes: ["violations"] })).violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => ({
                id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
            }))"""
    )


def _find(server, username: str, **filters) -> int:
    return server.get("/api/v1/documents", username, status="all", **filters).json()["items"][0]["id"]


def _case_file_in_the_file_list(server) -> int:
    """An entry of this year's file list and an open case file of two documents (buttons to move them)."""
    server.post(
        "/api/v1/records/file-list",
        "vanthu",
        json={
            "year": _today().year,
            "heading": "Phòng Khoa giáo - Văn xã",
            "notation": "KG-01",
            "title": "Hồ sơ tổ chức kỳ thi tốt nghiệp trung học phổ thông năm 2026",
            "retention_years": 10,
        },
    )
    documents = [_completed(server, f"V/v tổ chức kỳ thi tốt nghiệp, đợt {n}") for n in (1, 2)]
    return _case_file_with(server, "KG-01", "Hồ sơ tổ chức kỳ thi tốt nghiệp năm 2026", documents)


def _screens(server) -> list[tuple[str, str, str]]:
    """(user, path, name) of every main screen."""
    case_file = _case_file_in_the_file_list(server)
    incoming = _find(server, "vanthu", direction="incoming", q="ngân sách")
    issued = _find(server, "vanthu", q=ISSUED_SUBJECT)
    meeting_id = server.get("/api/v1/meetings", "chuyenvien").json()[0]["id"]
    in_progress = _meeting_in_progress(server)
    return [
        ("vanthu", "/", "home"),
        ("vanthu", "/documents/incoming/new", "register"),
        ("vanthu", "/documents/pending", "pending"),
        ("vanthu", "/documents?q=ngan+sach", "search"),
        ("vanthu", "/documents/registers", "registers"),
        ("vanthu", f"/documents/{incoming}", "incoming-document"),
        ("vanthu", f"/documents/{issued}", "issued-document"),
        ("lanhdao", "/inbox", "inbox"),
        ("chuyenvien", "/my-documents", "my-documents"),
        ("chuyenvien", "/documents/outgoing/new", "new-draft"),
        ("chuyenvien", "/meetings", "meetings"),
        ("chuyenvien", "/meetings?view=month", "meetings-month"),
        ("chuyenvien", f"/meetings/{meeting_id}", "meeting"),
        ("chuyenvien", f"/meetings/{in_progress}/room", "room"),
        ("lanhdao", f"/meetings/{in_progress}/room", "room-chair"),
        ("chuyenvien", "/signatures/verify", "verify-signatures"),
        ("quantri", "/admin/certificates", "certificates"),
        ("vanthu", "/records/file-list", "file-list"),
        ("chuyenvien", "/records", "case-files"),
        ("chuyenvien", f"/records/case-files/{case_file}", "case-file"),
        ("chuyenvien", "/devices", "devices"),
    ]


def _open(page, path: str) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    page.locator("main h1").first.wait_for()
    if path.endswith("/room"):
        page.locator("[data-testid=meeting-room][data-status=live]").wait_for()
    elif path == "/admin/certificates":
        page.get_by_test_id("certificate-row").first.wait_for()


def test_main_screens_fit_phones_and_tablets_with_touch_sized_controls_and_no_serious_axe_violation(
    server, device, screenshot
):
    awaiting_direction(server, "V/v tăng cường phòng chống sốt xuất huyết mùa mưa")
    screens = _screens(server)
    failures: dict[str, list] = {}
    sizes = ((PHONE, "phone"), (NARROW_PHONE, "phone-360"), (IPAD_PORTRAIT, "tablet-portrait"))
    for viewport, label in sizes:
        pages = {}
        for username, path, name in screens:
            if username not in pages:
                pages[username] = device(viewport)
                log_in(pages[username], username)
            page = pages[username]
            _open(page, path)
            assert_fits(page, f"{name} at {viewport['width']} px")
            if small := small_targets(page):
                failures[f"{label} {name}: targets below 44 px"] = small
            if label == "phone":
                screenshot(page, f"80-{label}-{name}")
                if violations := axe_violations(page):
                    failures[f"{name}: axe"] = violations
        if label == "tablet-portrait":
            # The leader's inbox: the assign button whole on screen, not clipped by the list.
            leader = pages["lanhdao"]
            _open(leader, "/inbox")
            button = leader.get_by_role("button", name="Phân công xử lý").first
            box = button.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= IPAD_PORTRAIT["width"]
            assert leader.evaluate(
                """(el) => {
                    const box = el.getBoundingClientRect();
                    const at = document.elementFromPoint(box.left + box.width - 4, box.top + box.height / 2);
                    return el === at || el.contains(at);
                }""",
                button.element_handle(),
            ), "the assign button's right edge is covered or clipped"
            screenshot(leader, "81-tablet-portrait-inbox")
            button.click()
            dialog = leader.get_by_role("dialog")
            dialog.get_by_label("Hạn xử lý").wait_for()
            assert_fits(leader, "assign dialog at 768 px")
            assert not small_targets(leader), small_targets(leader)
            if violations := axe_violations(leader):
                failures["assign dialog: axe"] = violations
            screenshot(leader, "82-tablet-portrait-assign-dialog")
    # A case file's metadata being edited on a phone.
    phone = device(PHONE)
    log_in(phone, "chuyenvien")
    case_file = server.get("/api/v1/records/case-files", "chuyenvien", q="KG-01").json()["items"][0]["id"]
    _open(phone, f"/records/case-files/{case_file}")
    phone.get_by_role("button", name="Sửa thông tin").click()
    phone.get_by_test_id("case-file-edit").wait_for()
    assert_fits(phone, "case file metadata form at 390 px")
    if small := small_targets(phone):
        failures["phone case file metadata form: targets below 44 px"] = small
    if violations := axe_violations(phone):
        failures["case file metadata form: axe"] = violations
    screenshot(phone, "84-phone-case-file-metadata-form")
    assert failures == {}


def test_the_phone_header_opens_the_menu_and_logs_out(server, device):
    phone = device(NARROW_PHONE)
    log_in(phone, "chuyenvien")
    logout = phone.get_by_role("button", name="Đăng xuất")
    box = logout.bounding_box()
    assert box["x"] + box["width"] <= NARROW_PHONE["width"]
    phone.get_by_role("button", name="Trình đơn").click()
    phone.get_by_role("navigation", name="Trình đơn").get_by_role("link", name="Văn bản của tôi").click()
    phone.get_by_role("heading", name="Văn bản của tôi").wait_for()
    assert_fits(phone, "my documents")
    logout.click()
    phone.get_by_label("Tên đăng nhập").wait_for()


def _meeting_in_progress(server) -> int:
    starts = datetime.now(UTC).replace(microsecond=0)
    meeting = server.post(
        "/api/v1/meetings",
        "vanthu",
        json={
            "title": "Họp thông qua kế hoạch cải cách hành chính năm 2027",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=1)).isoformat(),
            "location": "Phòng họp số 1",
            "chair_id": server.person_id("Trần Văn Minh"),
            "participants": [{"user_id": server.person_id("Lê Thị Thu Trang"), "role": "delegate"}],
        },
    )
    book = text_pdf("Kế hoạch CCHC năm 2027", ["Trang 1.", "Trang 2."], page_per_paragraph=True)
    server.post(
        f"/api/v1/meetings/{meeting['id']}/documents",
        "vanthu",
        files={"file": ("Kế hoạch CCHC.pdf", book, "application/pdf")},
    )
    server.post(f"/api/v1/meetings/{meeting['id']}/invite", "vanthu")
    server.post(f"/api/v1/meetings/{meeting['id']}/start", "vanthu")
    return meeting["id"]


def test_a_delegate_votes_from_a_phone_without_scrolling_sideways(server, device, screenshot):
    meeting_id = _meeting_in_progress(server)
    chair = device(DESKTOP, touch=False)
    log_in(chair, "lanhdao")
    chair.goto(f"/meetings/{meeting_id}/room")
    chair.get_by_role("button", name="Có mặt tại phòng họp").click()

    phone = device(PHONE)
    log_in(phone, "chuyenvien")
    assert_fits(phone, "home")
    phone.get_by_role("button", name="Trình đơn").click()
    phone.get_by_role("navigation", name="Trình đơn").get_by_role("link", name="Họp không giấy").click()
    phone.locator("main h1").first.wait_for()
    assert_fits(phone, "meetings")
    phone.goto(f"/meetings/{meeting_id}")
    phone.get_by_role("heading", name="Họp thông qua kế hoạch cải cách hành chính năm 2027").wait_for()
    assert_fits(phone, "meeting")
    phone.goto(f"/meetings/{meeting_id}/room")
    phone.get_by_role("button", name="Có mặt tại phòng họp").click()
    assert_fits(phone, "room")

    chair.get_by_test_id("connection-banner").wait_for(state="detached")
    chair.get_by_label("Nội dung biểu quyết").fill("Thông qua kế hoạch cải cách hành chính năm 2027")
    chair.get_by_role("button", name="Mở biểu quyết").click()
    phone.get_by_test_id("open-vote").filter(has_text="Thông qua kế hoạch cải cách hành chính").wait_for()
    choice = phone.get_by_role("button", name="Chọn phương án: Tán thành")
    choice.scroll_into_view_if_needed()
    assert_fits(phone, "room with a vote open")
    screenshot(phone, "83-phone-vote-open")
    choice.tap()
    phone.get_by_test_id("voted").wait_for()
    assert_fits(phone, "room after voting")
    chair.get_by_test_id("votes-cast").filter(has_text="Đã có 1/").wait_for()
