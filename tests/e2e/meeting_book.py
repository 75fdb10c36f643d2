"""The meeting book on a tablet, as the e2e tests drive it: a meeting with its documents, the book downloaded
through the meeting page, what the device holds, and the notes that reached the server."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

from eoffice.pdfgen import text_pdf
from tests.e2e.conftest import TABLET, log_in

DESKTOP = {"width": 1440, "height": 900}
PAGES = 5


def user_id(server, username: str) -> int:
    return server.get("/api/v1/me", username).json()["id"]


def meeting_with_book(
    server,
    title: str,
    *,
    start: bool,
    extra: tuple[str, bytes] | None = None,
    offline_download="manual",
    secretary: str | None = None,
) -> dict:
    """A meeting with chuyenvien as a delegate, a five-page report and an annex; invited, started if asked."""
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    meeting = server.post(
        "/api/v1/meetings",
        "vanthu",
        json={
            "title": title,
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "location": "Hội trường tầng 3",
            "offline_download": offline_download,
            "chair_id": user_id(server, "lanhdao"),
            "participants": [{"user_id": user_id(server, "chuyenvien"), "role": "delegate"}],
        }
        | ({"secretary_id": user_id(server, secretary)} if secretary else {}),
    )
    files = [
        (
            "Báo cáo kinh tế - xã hội.pdf",
            text_pdf(
                "Báo cáo tình hình kinh tế - xã hội",
                [f"Trang {n}: nội dung phần {n} của báo cáo." for n in range(1, PAGES + 1)],
                page_per_paragraph=True,
            ),
        ),
        ("Phụ lục số liệu.pdf", text_pdf("Phụ lục số liệu", ["Bảng 1.", "Bảng 2."], page_per_paragraph=True)),
    ]
    if extra:
        files.append(extra)
    meeting["documents"] = [
        server.post(
            f"/api/v1/meetings/{meeting['id']}/documents",
            "vanthu",
            files={"file": (name, content, "application/pdf")},
        )
        for name, content in files
    ]
    server.post(f"/api/v1/meetings/{meeting['id']}/invite", "vanthu")
    if start:
        server.post(f"/api/v1/meetings/{meeting['id']}/start", "vanthu")
    return meeting


def shell_ready(page) -> None:
    """The service worker is active and controls the page (its install kept the whole shell)."""
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("() => !!navigator.serviceWorker.controller")


def chair_and_tablet(devices) -> tuple:
    """The chair (lanhdao) at a desk and the delegate's tablet (chuyenvien), logged in; the tablet's app shell
    kept by its service worker, for use without the network."""
    chair = devices(DESKTOP, touch=False)
    tablet = devices(TABLET, touch=True)
    log_in(chair, "lanhdao")
    log_in(tablet, "chuyenvien")
    shell_ready(tablet)
    return chair, tablet


def download_book(page, meeting_id: int, count: int) -> None:
    page.goto(f"/meetings/{meeting_id}")
    panel = page.get_by_test_id("offline-book")
    panel.get_by_role("button", name="Tải tài liệu về máy").click()
    panel.locator(f"[data-testid=offline-summary][data-done='{count}'][data-total='{count}']").wait_for()
    page.get_by_test_id("offline-storage").wait_for()


def stored_offline(page) -> dict:
    """What the device holds: entries in each store of its IndexedDB database, and its caches' names."""
    return page.evaluate(
        """async () => {
            const names = (await indexedDB.databases()).map((d) => d.name);
            const entries = {};
            if (names.includes('eoffice-offline')) {
                const db = await new Promise((ok, ko) => {
                    const r = indexedDB.open('eoffice-offline');
                    r.onsuccess = () => ok(r.result);
                    r.onerror = () => ko(r.error);
                });
                for (const store of db.objectStoreNames) {
                    entries[store] = await new Promise((ok) => {
                        const r = db.transaction(store).objectStore(store).count();
                        r.onsuccess = () => ok(r.result);
                    });
                }
                db.close();
            }
            return { entries, caches: await caches.keys() };
        }"""
    )


def wait_note(page, text: str) -> None:
    """The notes panel shows `text` as this user's note on the page shown."""
    page.wait_for_function("(text) => document.querySelector('#room-note')?.value === text", arg=text)


def offline_fetch_fails(page) -> bool:
    return page.evaluate("() => fetch('/api/v1/me').then(() => false, () => true)")


def notes_in_db(server, meeting_id: int, text: str) -> int:
    with sqlite3.connect(server.instance / "eoffice.db") as db:
        rows = db.execute("SELECT data FROM meeting_annotations WHERE meeting_id = ?", (meeting_id,))
        texts = [json.loads(data).get("text") for (data,) in rows]
    return texts.count(text)
