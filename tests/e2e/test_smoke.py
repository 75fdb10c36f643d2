"""The client loads from the server, logs in with a demo account and reaches its screens."""

from __future__ import annotations

from tests.e2e.conftest import TABLET_PORTRAIT, log_in


def test_clerk_logs_in_and_sees_her_name_and_menu(new_page, screenshot):
    page = new_page()
    page.goto("/documents/registers")
    # Not logged in: any client route lands on the login page, in Vietnamese.
    page.get_by_role("heading", name="Đăng nhập").wait_for()
    assert page.evaluate("document.documentElement.lang") == "vi"
    screenshot(page, "01-login")

    log_in(page, "vanthu")
    assert "Nguyễn Thị Hoa" in page.get_by_test_id("current-user").inner_text()
    assert (
        page.get_by_role("navigation", name="Trình đơn")
        .get_by_role("link", name="Họp không giấy")
        .is_visible()
    )
    screenshot(page, "02-home-clerk")


def test_wrong_password_is_said_plainly(new_page):
    page = new_page()
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill("vanthu")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    page.get_by_role("button", name="Đăng nhập").click()
    assert page.get_by_role("alert").inner_text() == "Tên đăng nhập hoặc mật khẩu không đúng."


def test_english_is_a_choice_and_a_reload_keeps_the_session(new_page, screenshot):
    page = new_page()
    log_in(page, "lanhdao")
    page.get_by_label("Ngôn ngữ").select_option("en")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Paperless meetings").click()
    page.get_by_role("heading", name="Meetings").wait_for()
    page.reload()
    page.get_by_role("heading", name="Meetings").wait_for()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert "Trần Văn Minh" in page.get_by_test_id("current-user").inner_text()
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Awaiting my decision").click()
    page.get_by_role("heading", name="Awaiting my decision").wait_for()
    page.locator("table.documents tbody tr").first.wait_for()
    screenshot(page, "04-leader-inbox-english")


def test_a_tablet_held_upright_gets_the_menu_behind_a_button_and_no_sideways_scrolling(new_page, screenshot):
    page = new_page(TABLET_PORTRAIT)
    log_in(page, "vanthu")
    menu = page.get_by_role("navigation", name="Trình đơn")
    assert not menu.get_by_role("link", name="Vào sổ văn bản đến").is_visible()
    page.get_by_role("button", name="Trình đơn").click()
    menu.get_by_role("link", name="Vào sổ văn bản đến").click()
    page.get_by_role("heading", name="Vào sổ văn bản đến").wait_for()
    page.wait_for_function("() => !document.querySelector('#main-nav.open')")
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET_PORTRAIT["width"]
    screenshot(page, "03-portrait-register-form")
