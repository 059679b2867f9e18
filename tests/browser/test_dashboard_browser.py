"""The dashboard in a real browser: Debian's Chromium, driven by Playwright.

Skipped when no Chromium is installed, unless COLONIES_REQUIRE_BROWSER is set
(as `.ci/run` does, after installing it). Set COLONIES_SCREENSHOTS=DIR to keep
screenshots of the pages (docs/ holds the ones the README shows).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from pycolonies_like.core.models import ProcessState
from pycolonies_like.signing import login_query
from server.testing import ThreadedServer, bootstrap
from tests.conftest import spec, unique

CHROMIUM = os.environ.get("COLONIES_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = os.environ.get("COLONIES_SCREENSHOTS", "")


def need_browser() -> None:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("COLONIES_REQUIRE_BROWSER"):
            pytest.fail(f"COLONIES_REQUIRE_BROWSER is set but there is no {CHROMIUM}")
        pytest.skip("no Chromium: apt-get install chromium to run the browser tests")


@pytest.fixture(scope="module")
def browser(web: ThreadedServer) -> Iterator[Any]:
    """Started after the server: Playwright's sync API keeps a loop running in this thread."""
    need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def web() -> Iterator[ThreadedServer]:
    with ThreadedServer(http=True, history_interval_s=0.5) as srv:
        yield srv


def shot(page: Any, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def diamond(colonyname: str, executortype: str) -> dict[str, Any]:
    def node(name: str, *deps: str) -> dict[str, Any]:
        return {
            "nodename": name,
            "funcname": "work",
            "conditions": {
                "colonyname": colonyname,
                "executortype": executortype,
                "dependencies": list(deps),
            },
        }

    return {"colonyname": colonyname, "functionspecs": [
        node("fetch"), node("clean", "fetch"), node("features", "fetch"),
        node("train", "clean", "features"), node("report", "train")]}  # fmt: skip


def test_login_watch_a_workflow_finish_follow_a_log_and_cancel(
    browser: Any, web: ThreadedServer
) -> None:
    client = web.client()
    keys = bootstrap(client, web.server_key, colonyname=unique("lab"), executors=1)
    c, executor = keys.colonyname, keys.executor_key
    graph = client.submit_workflow(diamond(c, keys.executortype), keys.user_key)
    base = f"http://127.0.0.1:{web.http_port}"

    context = browser.new_context(viewport={"width": 1100, "height": 700})
    page = context.new_page()
    page.goto(f"{base}/ui/login?{login_query(keys.user_key)}")
    page.wait_for_selector(f'.card[data-colony="{c}"]')
    assert page.url == f"{base}/ui/"
    assert page.inner_text(f'.card[data-colony="{c}"] [data-count="waiting"]') == "5"
    shot(page, "dashboard-overview.png")

    page.goto(f"{base}/ui/#/workflow/{graph.processgraphid}")
    page.wait_for_selector("#graph rect")
    assert page.locator("#graph rect").count() == 5
    assert page.locator("#graph line").count() == 5
    assert page.locator('#graph rect[data-state="0"]').count() == 5
    page.wait_for_timeout(300)  # the live stream is open

    # An executor works through the graph; each node turns green as it ends.
    done = 0
    while done < 5:
        p = client.assign(c, 5, executor)
        if done == 2:
            page.wait_for_selector(f'#graph rect[data-node="{p.processid}"][data-state="1"]')
            shot(page, "dashboard-workflow.png")
        client.close(p.processid, [], executor)
        done += 1
        page.wait_for_function(
            "n => document.querySelectorAll('#graph rect[data-state=\"2\"]').length === n", arg=done
        )
    page.wait_for_selector('#graph-state [data-state="2"]')

    # Follow a running process' log, then cancel it from its page.
    pid = client.submit_func_spec(spec(c, executortype=keys.executortype), keys.user_key).processid
    running = client.assign(c, 5, executor)
    assert running.processid == pid
    client.add_log(pid, "step 1 of 2\n", executor)
    page.goto(f"{base}/ui/#/process/{pid}")
    page.wait_for_function("() => document.getElementById('log')?.textContent.includes('step 1')")
    client.add_log(pid, "step 2 of 2\n", executor)
    page.wait_for_function("() => document.getElementById('log')?.textContent.includes('step 2')")
    shot(page, "dashboard-process.png")
    page.click('button[data-action="cancel"]')
    page.wait_for_selector('#process [data-state="4"]')
    assert client.get_process(pid, keys.user_key).state == ProcessState.CANCELLED
    page.click('button[data-action="rerun"]')
    page.wait_for_function(
        f"() => location.hash.startsWith('#/process/') && !location.hash.includes('{pid}')"
    )
    page.wait_for_selector('#process [data-state="0"]')
    copy = page.evaluate("location.hash").split("/")[-1]
    assert client.get_process(copy, keys.user_key).spec.funcname == "work"

    # Logging out ends the session for every later request.
    page.click("#logout")
    page.wait_for_selector("#loggedout")
    page.goto(f"{base}/ui/#/colony/{c}/processes")
    assert "not logged in" in page.inner_text("#error")
    context.close()


def test_a_strangers_link_sees_nothing_of_another_colony(browser: Any, web: ThreadedServer) -> None:
    client = web.client()
    keys = bootstrap(client, web.server_key, colonyname=unique("lab"), executors=1)
    other = bootstrap(client, web.server_key, colonyname=unique("other"), executors=1)
    pid = client.submit_func_spec(spec(keys.colonyname), keys.user_key).processid
    base = f"http://127.0.0.1:{web.http_port}"
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/ui/login?{login_query(other.user_key)}")
    page.wait_for_selector(f'.card[data-colony="{other.colonyname}"]')
    assert page.locator(f'.card[data-colony="{keys.colonyname}"]').count() == 0
    assert keys.colonyname not in page.content()
    page.goto(f"{base}/ui/#/colony/{keys.colonyname}/processes")
    assert "not a member" in page.wait_for_selector("#error").inner_text()
    page.goto(f"{base}/ui/#/process/{pid}")
    page.wait_for_function(
        "() => document.getElementById('error')?.textContent.includes('not a member')"
    )
    # A used link is refused.
    context.close()


def test_without_a_login_the_page_shows_no_data(browser: Any, web: ThreadedServer) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{web.http_port}/ui/")
    assert "not logged in" in page.wait_for_selector("#error").inner_text()
    context.close()


def test_rate_limits_show_the_budget_left(browser: Any, web: ThreadedServer) -> None:
    client = web.client()
    keys = bootstrap(client, web.server_key, colonyname=unique("rl"), executors=1)
    c = keys.colonyname
    client.add_rate_limit(c, "openai", 1, keys.colony_key, unit="minute", burst=3)
    page = browser.new_context().new_page()
    base = f"http://127.0.0.1:{web.http_port}"
    page.goto(f"{base}/ui/login?{login_query(keys.user_key)}")
    page.wait_for_selector(f'.card[data-colony="{c}"]')
    page.goto(f"{base}/ui/#/colony/{c}/ratelimits")
    page.wait_for_selector("#ratelimits td.tokens")
    assert page.inner_text("#ratelimits td.tokens") == "3.00"
    assert "1/minute" in page.inner_text("#ratelimits")
    client.submit_func_spec(spec(c, executortype=keys.executortype, ratelimit="openai",
                                 ratelimitunits=2), keys.user_key)  # fmt: skip
    client.assign(c, 5, keys.executor_key)
    # The page refreshes itself: two tokens taken, a little refilled.
    page.wait_for_function(
        "() => document.querySelector('#ratelimits td.tokens')?.textContent.startsWith('1.0')"
    )
    shot(page, "dashboard-ratelimits.png")


def test_fair_shares_list_the_weights(browser: Any, web: ThreadedServer) -> None:
    client = web.client()
    keys = bootstrap(client, web.server_key, colonyname=unique("fw"), executors=1)
    c = keys.colonyname
    client.set_fair_weight(c, "user", 5, keys.colony_key)
    page = browser.new_context().new_page()
    base = f"http://127.0.0.1:{web.http_port}"
    page.goto(f"{base}/ui/login?{login_query(keys.user_key)}")
    page.wait_for_selector(f'.card[data-colony="{c}"]')
    page.click(f'.card[data-colony="{c}"] a:text("Fair shares")')
    page.wait_for_selector("#weights td.weight")
    rows = page.eval_on_selector_all(
        "#weights tr", "rs => rs.map(r => [...r.cells].map(c => c.textContent))"
    )
    assert rows == [["name", "kind", "weight"], ["user", "user", "5"]]
    shot(page, "dashboard-weights.png")
