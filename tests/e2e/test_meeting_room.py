"""The live meeting room: a chair on a desktop and two delegates on tablets follow the presented page,
browse away and come back, survive a server restart without a reload, and vote.

Also prints the room's load time on a throttled tablet profile and the room's JavaScript, gzipped.
"""

from __future__ import annotations

import gzip
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import pytest

from eoffice.pdfgen import text_pdf
from tests.e2e.conftest import DIST, TABLET, TABLET_PORTRAIT, device_opener, log_in
from tests.e2e.conftest import wait_shows as _wait_shows

DESKTOP = {"width": 1440, "height": 900}
PAGES = 5
# A 4G tablet: ~9 Mbit/s down, 70 ms round trip (WebPageTest's "4G" is 9 Mbit/s, 170 ms), CPU 4x slower.
TABLET_4G = {
    "offline": False,
    "latency": 70,
    "downloadThroughput": 9_000_000 / 8,
    "uploadThroughput": 3_000_000 / 8,
}
CPU_SLOWDOWN = 4


def _user_id(server, username: str) -> int:
    return server.get("/api/v1/me", username).json()["id"]


def _meeting_in_progress(server) -> tuple[int, int]:
    """A meeting with a five-page PDF, started: (meeting id, document id)."""
    starts = datetime.now(UTC).replace(microsecond=0)
    meeting = server.post(
        "/api/v1/meetings",
        "vanthu",
        json={
            "title": "Họp xem xét kế hoạch đầu tư công năm 2027",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "location": "Phòng họp số 2",
            "chair_id": _user_id(server, "lanhdao"),
            "participants": [
                {"user_id": _user_id(server, "chuyenvien"), "role": "delegate"},
                {"user_id": _user_id(server, "lanhdao.snv"), "role": "delegate"},
            ],
        },
    )
    book = text_pdf(
        "Kế hoạch đầu tư công năm 2027",
        [f"Trang {n}: nội dung phần {n} của kế hoạch." for n in range(1, PAGES + 1)],
        page_per_paragraph=True,
    )
    document = server.post(
        f"/api/v1/meetings/{meeting['id']}/documents",
        "vanthu",
        files={"file": ("Kế hoạch đầu tư công.pdf", book, "application/pdf")},
    )
    assert document["page_count"] == PAGES
    annex = text_pdf(
        "Phụ lục: danh mục dự án",
        ["Danh mục dự án khởi công mới.", "Danh mục chuyển tiếp."],
        page_per_paragraph=True,
    )
    server.post(
        f"/api/v1/meetings/{meeting['id']}/documents",
        "vanthu",
        files={"file": ("Phụ lục dự án.pdf", annex, "application/pdf")},
    )
    server.post(f"/api/v1/meetings/{meeting['id']}/invite", "vanthu")
    server.post(f"/api/v1/meetings/{meeting['id']}/start", "vanthu")
    return meeting["id"], document["id"]


@pytest.fixture
def devices(browser, restartable_server):
    """device(viewport, touch) -> a page in its own browser context (its own storage and session)."""
    open_device, close_all = device_opener(browser, restartable_server.url)
    yield open_device
    close_all()


def _shows(page, number: int) -> bool:
    """The page drawn on the canvas and the indicator agree on `number`."""
    return page.evaluate(
        """(n) => {
            const canvas = document.querySelector('[data-testid=room-stage] canvas[data-page]');
            const indicator = document.querySelector('[data-testid=page-indicator]');
            return !!canvas && canvas.dataset.page === String(n)
                && !!indicator && indicator.textContent.trim().startsWith(`Trang ${n}/`);
        }""",
        number,
    )


def _swipe_left(page) -> None:
    """A finger dragged from right to left across the page (real touch events, through CDP)."""
    box = page.get_by_test_id("room-stage").locator(".stage-page-area").bounding_box()
    y = box["y"] + box["height"] / 2
    start, end = box["x"] + box["width"] * 0.8, box["x"] + box["width"] * 0.2
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": start, "y": y}]})
    for step in range(1, 6):
        x = start + (end - start) * step / 5
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def _room_javascript_gzipped(urls: list[str]) -> int:
    """Gzipped bytes of the scripts the room loaded, pdf.js's worker apart."""
    total = 0
    for url in urls:
        path = urlparse(url).path.lstrip("/")
        if "worker" in path:
            continue
        total += len(gzip.compress((DIST / path).read_bytes(), 9))
    return total


def _measure_room_load(page, url: str, presented_page: int, *, cached_shell: bool) -> tuple[float, int]:
    """Open the room on a throttled tablet: ms to the presented page drawn, and its scripts' gz size.

    cached_shell: the tablet has used the app before (its shared bundles are in the browser cache, the
    room's own are not); otherwise nothing is cached.
    """
    scripts: list[str] = []
    page.on(
        "response",
        lambda response: (
            scripts.append(response.url) if urlparse(response.url).path.endswith((".js", ".mjs")) else None
        ),
    )
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": not cached_shell})
    cdp.send("Network.emulateNetworkConditions", TABLET_4G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    try:
        page.goto(url)
        _wait_shows(page, presented_page, timeout=60)
        rendered = page.evaluate(
            "() => performance.getEntriesByName('room:presented-page-rendered')[0]?.startTime ?? null"
        )
        steps = page.evaluate(
            "() => performance.getEntriesByType('mark').map(e => `${e.name} ${Math.round(e.startTime)}`)"
        )
    finally:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        cdp.send(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        cdp.detach()
    assert rendered is not None, "the room never marked the presented page as drawn"
    print(f"\n  steps (ms from navigation): {', '.join(steps)}", end="")
    return rendered, _room_javascript_gzipped(scripts)


def _move_presentation_while_down(server, meeting_id: int, page_number: int) -> None:
    """A change made while this server was down (room state lives in the database): the page moved."""
    with sqlite3.connect(server.instance / "eoffice.db") as db:
        db.execute(
            "UPDATE meetings SET presentation_page = ?, presentation_seq = presentation_seq + 1 WHERE id = ?",
            (page_number, meeting_id),
        )


def test_the_room_keeps_tablets_on_the_presented_page_through_browsing_a_restart_and_a_vote(
    restartable_server, devices, screenshot
):
    server = restartable_server
    meeting_id, _document_id = _meeting_in_progress(server)
    room = f"/meetings/{meeting_id}/room"

    chair = devices(DESKTOP, touch=False)
    tablet = devices(TABLET, touch=True)
    portrait = devices(TABLET_PORTRAIT, touch=True)
    for page, username in ((chair, "lanhdao"), (tablet, "chuyenvien"), (portrait, "lanhdao.snv")):
        log_in(page, username)

    # The chair puts up page 1 before the tablets come in, so the load below ends on a presented page.
    chair.goto(room)
    _wait_shows(chair, 1)
    chair.get_by_role("button", name="Trình chiếu trang", exact=True).click()
    chair.get_by_test_id("following").wait_for()

    profile = (
        f"4G {TABLET_4G['latency']} ms RTT, {TABLET_4G['downloadThroughput'] * 8 / 1e6:.0f} Mbit/s, "
        f"CPU x{CPU_SLOWDOWN}"
    )
    warm_ms, room_js_gz = _measure_room_load(tablet, room, 1, cached_shell=True)
    cold_ms, _ = _measure_room_load(portrait, room, 1, cached_shell=False)
    print(f"\nroom load on a tablet profile ({profile}), navigation to the presented page drawn:")
    print(f"  app used before (shared bundles cached, the room's not): {warm_ms:.0f} ms")
    print(f"  first visit (nothing cached): {cold_ms:.0f} ms")
    print(f"room JavaScript loaded, gzipped (without pdf.js's worker): {room_js_gz / 1024:.1f} kB")
    assert warm_ms < 30_000 and cold_ms < 30_000  # sanity only; the figures above are the measurement

    for page in (chair, tablet, portrait):
        page.get_by_role("button", name="Có mặt tại phòng họp").click()
    chair.get_by_test_id("quorum").filter(has_text="Có mặt 3/3").wait_for()
    tablet.get_by_test_id("quorum").filter(has_text="Đủ số lượng").wait_for()

    # The chair turns to page 3: both tablets draw it within a second.
    chair.get_by_role("button", name="Trình chiếu trang sau").click()
    _wait_shows(chair, 2)
    started = time.monotonic()
    chair.get_by_role("button", name="Trình chiếu trang sau").click()
    _wait_shows(tablet, 3, timeout=5)
    _wait_shows(portrait, 3, timeout=5)
    elapsed = time.monotonic() - started
    print(f"page 3 drawn on both tablets {elapsed * 1000:.0f} ms after the chair's click")
    assert elapsed < 1.0
    screenshot(chair, "60-meeting-room-chair-desktop")
    screenshot(tablet, "61-meeting-room-tablet")
    screenshot(portrait, "62-meeting-room-tablet-portrait")
    # The room has the landscape tablet's whole width: the menu opens over it from its button.
    menu = tablet.get_by_role("navigation", name="Trình đơn")
    assert tablet.locator("main").bounding_box()["x"] == 0 and not menu.is_visible()
    tablet.get_by_role("button", name="Trình đơn").click()
    menu.get_by_role("link", name="Họp không giấy").wait_for()
    tablet.get_by_role("button", name="Trình đơn").click()
    menu.wait_for(state="hidden")
    _wait_shows(tablet, 3)

    # A delegate swipes ahead; the chair goes back a page: the delegate's view is not yanked.
    _swipe_left(tablet)
    _wait_shows(tablet, 4)
    follow = tablet.get_by_test_id("follow-presenter")
    assert follow.is_visible() and follow.inner_text() == "Theo người trình bày"
    chair.get_by_role("button", name="Trình chiếu trang trước").click()
    _wait_shows(portrait, 2)
    time.sleep(0.3)
    assert _shows(tablet, 4)
    tablet.get_by_text("người trình bày đang ở trang 2").wait_for()
    screenshot(tablet, "63-meeting-room-tablet-browsing-away")
    follow.click()
    _wait_shows(tablet, 2)
    assert not follow.is_visible()
    # The arrow keys browse too (the other tablet with a keyboard).
    portrait.keyboard.press("ArrowRight")
    _wait_shows(portrait, 3)
    portrait.get_by_test_id("follow-presenter").click()
    _wait_shows(portrait, 2)

    # The server restarts; meanwhile the presentation moved on. The tablets reconnect by themselves
    # and catch up, without a reload (a marker set in each window survives).
    for page in (tablet, portrait):
        page.evaluate("() => { window.__sameWindow = true; }")
    server.stop()
    for page in (tablet, portrait):
        page.get_by_test_id("connection-banner").wait_for()
    assert "Mất kết nối" in tablet.get_by_test_id("connection-banner").inner_text()
    screenshot(portrait, "64-meeting-room-reconnecting")
    _move_presentation_while_down(server, meeting_id, 5)
    server.start()
    for page in (tablet, portrait):
        _wait_shows(page, 5, timeout=30)
        page.get_by_test_id("connection-banner").wait_for(state="detached")
        assert page.evaluate("() => window.__sameWindow === true"), "the page was reloaded"

    # The floor: a delegate asks, the chair gives it, the timer runs on the tablet.
    tablet.get_by_role("button", name="Đăng ký phát biểu").click()
    chair.get_by_test_id("speaker-queue").filter(has_text="Lê Thị Thu Trang").wait_for()
    chair.get_by_role("button", name="Mời Lê Thị Thu Trang phát biểu").click()
    tablet.get_by_test_id("current-speaker").filter(has_text="Đang phát biểu: Lê Thị Thu Trang").wait_for()
    tablet.get_by_role("timer").wait_for()

    # A private note on page 5: its author sees it, another delegate does not.
    tablet.get_by_label("Ghi chú cho trang 5 (chỉ bạn xem được)").fill("Hỏi về nguồn vốn dự phòng.")
    tablet.get_by_role("button", name="Lưu ghi chú").click()
    tablet.get_by_role("button", name="Xem trang 5").wait_for()
    assert portrait.get_by_label("Ghi chú cho trang 5 (chỉ bạn xem được)").input_value() == ""

    # Another document: the chair chooses it and every screen changes to its first page.
    chair.get_by_label("Tài liệu trình chiếu").select_option(label="Phụ lục dự án.pdf")
    for page in (tablet, portrait):
        page.get_by_test_id("room-stage").filter(has_text="Phụ lục dự án.pdf").wait_for()
        _wait_shows(page, 1)
    screenshot(tablet, "65-meeting-room-tablet-speaker-and-notes")

    # A vote: opened by the chair, cast from both tablets, the result on all three screens.
    chair.get_by_test_id("connection-banner").wait_for(state="detached")
    chair.get_by_label("Nội dung biểu quyết").fill("Thông qua kế hoạch đầu tư công năm 2027")
    chair.get_by_role("button", name="Mở biểu quyết").click()
    for page in (tablet, portrait):
        page.get_by_test_id("open-vote").filter(has_text="Thông qua kế hoạch đầu tư công năm 2027").wait_for()
        page.get_by_role("button", name="Chọn phương án: Tán thành").click()
        page.get_by_test_id("voted").wait_for()
    chair.get_by_test_id("votes-cast").filter(has_text="Đã có 2/3 phiếu").wait_for()
    chair.get_by_role("button", name="Kết thúc biểu quyết").click()
    for page in (chair, tablet, portrait):
        outcome = page.get_by_test_id("vote-result")
        outcome.filter(has_text="Tán thành: 2 phiếu").wait_for()
        assert "Thông qua" in outcome.get_by_test_id("vote-outcome").inner_text()
    screenshot(chair, "66-meeting-room-vote-result-chair")
    screenshot(portrait, "67-meeting-room-vote-result-tablet-portrait")
