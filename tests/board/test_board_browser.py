"""The board in a real browser: Debian's chromium, headless, driven by Playwright, against a
real `task-orchestrator board --no-open --json` process (docs/ARCHITECTURE.md, "The board").

Chromium must be there: scripts/install-browser installs it (scripts/test runs it). A
missing browser fails these tests rather than skipping them, so a CI without it cannot
pass by testing nothing. Screenshots go to $TASK_ORCHESTRATOR_SCREENSHOTS, else tmp_path.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from board_support import BoardProcess, dump
from browser import ARGS, BROWSER
from hooks_support import fixture, run_hook
from playwright.sync_api import Browser, Page, expect, sync_playwright

from task_orchestrator.core import steer
from task_orchestrator.core.enums import Status
from task_orchestrator.core.paths import Paths
from task_orchestrator.core.store import TaskStore

pytestmark = pytest.mark.slow

WORK = "Implement a REST API for tasks with create, list and delete endpoints, and test it"


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not os.access(BROWSER, os.X_OK):
        pytest.fail(
            f"no browser at {BROWSER}: run scripts/install-browser (it installs Debian's "
            "chromium), or point TASK_ORCHESTRATOR_BROWSER at a Chromium"
        )
    with sync_playwright() as pw:
        # launch() gives every test a fresh, temporary profile (user data dir).
        b = pw.chromium.launch(executable_path=BROWSER, args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("TASK_ORCHESTRATOR_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def running(workspace_dir: Path, seeded: dict[str, Any]) -> Iterator[BoardProcess]:
    with BoardProcess(workspace_dir) as board:
        yield board
        code, err = board.stop()
        assert code == 0, err


def open_board(browser: Browser, board: BoardProcess) -> Page:
    page = browser.new_page(viewport={"width": 1360, "height": 760})
    page.goto(board.url)
    # The token is exchanged for the cookie and left out of the address.
    assert page.url == f"{board.origin}/"
    expect(page.locator("#live")).to_have_text("live")
    return page


def titles(page: Page, column: str) -> list[str]:
    return page.locator(f"#col-{column} .card .title").all_inner_texts()


def test_cards_sit_in_their_status_columns(
    browser: Browser, running: BoardProcess, shots: Path
) -> None:
    page = open_board(browser, running)
    expect(page.locator("#col-pending .card")).to_have_count(2)
    assert sorted(titles(page, "pending")) == ["Build the API", "Plain pending task"]
    assert titles(page, "in_progress") == ["Running task"]
    assert titles(page, "completed") == ["Finished task"]
    assert titles(page, "cancelled") == ["Dropped task"]
    assert titles(page, "blocked") == []
    plan = page.locator("#col-pending .card", has_text="Build the API")
    expect(plan.locator(".progress")).to_have_text("1/4")
    page.screenshot(path=str(shots / "board.png"))


def test_complete_a_task_with_the_keyboard(
    browser: Browser, running: BoardProcess, store: TaskStore, seeded: dict[str, Any], shots: Path
) -> None:
    page = open_board(browser, running)
    expect(page.locator("#col-in_progress .card")).to_have_count(1)
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.id") == seeded["running"]:
            break
    else:
        pytest.fail("Tab never reached the running task's card")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#panel-title")).to_have_text("Running task")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "summary":
            break
    else:
        pytest.fail("Tab never reached the summary field")
    page.keyboard.type("Finished from the board")
    page.keyboard.press("Enter")
    deadline = time.monotonic() + 5
    while store.get_task(seeded["running"]).status != Status.COMPLETED:
        assert time.monotonic() < deadline, "the store never saw the completion"
        time.sleep(0.05)
    assert store.get_task(seeded["running"]).summary == "Finished from the board"
    expect(page.locator("#col-completed .card", has_text="Running task")).to_have_count(1)
    expect(page.locator("#announce")).to_contain_text("Completed")
    page.screenshot(path=str(shots / "completed.png"))
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    # The refusal of a second completion reads as core/steer words it, in the alert region.
    page.locator("#col-completed .card", has_text="Running task").click()
    expect(dialog).to_be_visible()
    expect(page.locator("#do-reopen")).to_be_visible()


def test_a_hook_process_adds_a_card_without_a_reload(
    browser: Browser, running: BoardProcess, workspace_dir: Path, paths: Paths
) -> None:
    page = open_board(browser, running)
    cards = page.locator(".card")
    before = cards.count()
    page.evaluate("window.__sameDocument = true")
    answer = run_hook("UserPromptSubmit", fixture("UserPromptSubmit", workspace_dir, prompt=WORK))
    assert answer.returncode == 0, answer.stderr
    written = time.monotonic()
    new = page.locator(".card", has_text="Implement a REST API")
    expect(new).to_have_count(1, timeout=2000)
    assert time.monotonic() - written < 2.0
    assert cards.count() == before + 1
    assert page.evaluate("window.__sameDocument") is True  # no reload


class _Evil(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>another site</title><p>hello</p>"
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_posts_without_the_cookie_or_from_elsewhere_are_refused(
    browser: Browser, running: BoardProcess, store: TaskStore, seeded: dict[str, Any]
) -> None:
    page = open_board(browser, running)
    target = f"{running.origin}/api/tasks/{seeded['pending']}/start"
    body = json.dumps({"workspace": seeded["ws"]})
    before = dump(store)
    # The signed-in browser, but a request claiming another origin.
    forged = page.request.post(
        target, data=body, headers={"content-type": "application/json", "origin": "http://x.test"}
    )
    assert forged.status == 403
    # A browser without the cookie.
    other = browser.new_context()
    bare = other.request.post(
        target, data=body, headers={"content-type": "application/json", "origin": running.origin}
    )
    assert bare.status == 401
    other.close()
    # A page of another site on this machine (same site for cookies: ports do not count, so
    # the cookie goes along) posting to the board: the Origin check refuses it.
    evil = ThreadingHTTPServer(("127.0.0.1", 0), _Evil)
    thread = threading.Thread(target=evil.serve_forever, daemon=True)
    thread.start()
    try:
        page.goto(f"http://127.0.0.1:{evil.server_address[1]}/")
        sent = page.evaluate(
            """async ([url, body]) => {
                await fetch(url, {method: "POST", mode: "no-cors", credentials: "include",
                                  headers: {"content-type": "text/plain"}, body});
                return true;
            }""",
            [target, body],
        )
        assert sent is True
    finally:
        evil.shutdown()
        evil.server_close()
    assert dump(store) == before
    # And the page itself may.
    page.goto(f"{running.origin}/")
    ok = page.evaluate(
        """async ([url, body]) => (await fetch(url, {method: "POST",
            headers: {"content-type": "application/json"}, body})).status""",
        [target, body],
    )
    assert ok == 200
    assert store.get_task(seeded["pending"]).status == Status.IN_PROGRESS


def test_the_dependency_graph_is_an_svg(
    browser: Browser, running: BoardProcess, seeded: dict[str, Any], shots: Path
) -> None:
    page = open_board(browser, running)
    page.locator("#col-pending .card", has_text="Build the API").click()
    graph = page.locator("#panel svg.graph")
    expect(graph).to_be_visible()
    expect(graph.locator("g.node")).to_have_count(4)
    expect(graph.locator("path.edge")).to_have_count(3)
    # Layers by dependency depth: Design first, Implement and Write docs next, Test last.
    xs = {
        page.locator(f'#panel g.node[data-id="{i}"]').get_attribute("transform") or ""
        for i in seeded["subtasks"]
    }
    assert len({x.split()[0] for x in xs}) == 3
    page.screenshot(path=str(shots / "panel.png"))
    # A refusal shows core/steer's words (person_message) in the panel's alert region.
    page.locator("#do-complete").click()
    alert = page.locator("#panel-error")
    expect(alert).to_have_attribute("role", "alert")
    expect(alert).to_contain_text("has 3 unfinished subtasks; finish or cancel its subtasks")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()


def test_a_live_refresh_keeps_the_open_panel_as_the_person_left_it(
    browser: Browser, running: BoardProcess, store: TaskStore, seeded: dict[str, Any]
) -> None:
    page = open_board(browser, running)
    page.locator("#col-completed .card", has_text="Finished task").click()
    page.get_by_role("button", name="Show detailed work").click()
    work = page.locator(".artifact pre")
    expect(work).to_have_text("All done")
    page.locator("#new-title").fill("A new name, not saved yet")
    card = page.locator(".card", has_text="Plain pending task")
    steer.start(store, seeded["pending"], workspace_id=seeded["ws"])  # another writer
    expect(page.locator("#col-in_progress .card", has_text="Plain pending task")).to_have_count(1)
    expect(card).to_have_count(1)
    expect(work).to_be_visible()
    expect(page.locator("#new-title")).to_have_value("A new name, not saved yet")
