"""The dashboard in a real browser: Playwright drives Debian's chromium against the server.

One server (``fasttwin dashboard STORE`` on 127.0.0.1 and a free port) and one
browser serve every test of this module; both are ended even when a test
fails. Each page is screenshotted; with ``FASTTWIN_UPDATE_SCREENSHOTS=1`` the
pictures are written to ``docs/screenshots/`` (the README shows them).

Chromium comes from Debian (the README's test command runs ``tests/browser.sh``, which
``apt-get install``s it when missing): ``playwright install`` cannot download browsers on the
build machines.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

import fasttwin as ft
from fasttwin.analysis import best_policy
from fasttwin.app import explore, models

CHROMIUM = Path("/usr/bin/chromium")
# Headless, and no background traffic: the machines have no network.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
UPDATE = os.environ.get("FASTTWIN_UPDATE_SCREENSHOTS") == "1"
WIDTH = 1400
#: Milliseconds to wait for a page's results (the server's first run of a model compiles).
RESULTS = 180_000

MODEL = models.single_node_model(models.SingleNodeForm())
GRID = {"reorder_point": list(range(20, 81, 5)), "order_up_to": list(range(70, 201, 10))}


@pytest.fixture(scope="module")
def cube():
    return ft.simulate(
        MODEL, GRID, scenario=["baseline", "demand_surge"], reps=100, periods=200, warmup=20, seed=5
    )


@pytest.fixture(scope="module")
def server(cube, tmp_path_factory):
    """``fasttwin dashboard STORE --port P`` in its own process group, stopped at the end."""
    where = tmp_path_factory.mktemp("dashboard")
    cube.to_zarr(where / "single_node.zarr", zarr_format=3, consolidated=False)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = Path(sys.executable).with_name("fasttwin")
    log = open(where / "server.log", "w")  # noqa: SIM115 (closed in finally)
    # Started where the store is, so the page shows the short path a user would type.
    proc = subprocess.Popen(
        [str(exe), "dashboard", "single_node.zarr", "--port", str(port)],
        cwd=where,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"the dashboard exited: {(where / 'server.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"no dashboard at {url}: {(where / 'server.log').read_text()}")
            time.sleep(0.3)
        yield {"url": url, "store": "single_node.zarr"}
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(15)
        log.close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"the browser tests drive Debian's chromium at {CHROMIUM}: apt-get install -y chromium"
        )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": 1000}, accept_downloads=True)
    # Generous: the build machines are shared, and a loaded machine renders slowly.
    context.set_default_timeout(RESULTS)
    try:
        yield context.new_page()
    finally:
        context.close()


def settled(page):
    """Wait until Streamlit has finished running the script."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=RESULTS)


def metrics(page) -> dict[str, str]:
    out = {}
    for m in page.locator('[data-testid="stMetric"]').all():
        label = m.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        out[label] = m.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return out


def shown_policy(page, cube) -> dict:
    values = metrics(page)
    return {a: int(values[t]) for a, t in explore.axis_labels(cube).items() if t in values}


def wait_for_policy(page, cube, want: dict) -> None:
    deadline = time.monotonic() + 60
    while shown_policy(page, cube) != want:
        assert time.monotonic() < deadline, f"shown {shown_policy(page, cube)}, want {want}"
        page.wait_for_timeout(250)


def screenshot(page, name: str, tmp_path) -> Path:
    """The whole page (Streamlit scrolls inside the page, so the viewport grows to fit it)."""
    settled(page)
    height = page.get_by_test_id("stMainBlockContainer").evaluate("e => e.scrollHeight")
    page.set_viewport_size({"width": WIDTH, "height": min(int(height) + 40, 5000)})
    page.wait_for_timeout(1500)  # charts re-lay out to the new size
    path = (SCREENSHOTS if UPDATE else tmp_path) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": WIDTH, "height": 1000})
    assert path.stat().st_size > 20_000  # a real picture, not a blank page
    return path


def test_slider_moves_the_recommendation_and_the_csv_downloads(page, server, cube, tmp_path):
    page.goto(server["url"])
    page.get_by_role("heading", name="Explore a cube").wait_for(timeout=RESULTS)
    settled(page)
    assert page.get_by_label("Zarr store", exact=True).input_value() == server["store"]
    first = best_policy(cube, 0.98).worst_case.policy
    wait_for_policy(page, cube, first)
    slider = page.get_by_role("slider")
    slider.focus()
    for _ in range(16):
        slider.press("ArrowLeft")
    # A div with aria-valuenow in older Streamlit versions, an <input type=range> in newer ones.
    target = float(slider.get_attribute("aria-valuenow") or slider.input_value())
    assert target == pytest.approx(0.90)
    moved = best_policy(cube, target).worst_case.policy
    assert moved != first
    settled(page)
    wait_for_policy(page, cube, moved)
    assert "worst case:" in page.get_by_test_id("stAlertContentSuccess").inner_text()
    screenshot(page, "explore", tmp_path)

    page.get_by_role("tab", name="Table").click()
    button = page.get_by_test_id("stDownloadButton").get_by_role("button")
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename == "single_node_policies_worst_case.csv"
    header = Path(download.value.path()).read_text().splitlines()[0].split(",")
    want = explore.policy_table(cube, service="fill_rate", answer="worst case", target=target)
    assert header == want.columns.tolist()
    assert header[:2] == ["reorder_point", "order_up_to"] and "fill_rate_ci_low" in header


@pytest.mark.parametrize(
    ("path", "button", "result"),
    [
        ("run", "Simulate", "2,000 replications × 365 days"),
        ("scenarios", "Compare", "Side by side"),
        ("optimise", "Search", "Choose under a service constraint"),
        ("formulas", "Simulate these policies", "What the formulas promise"),
    ],
)
def test_each_page_runs_in_the_browser(page, server, tmp_path, path, button, result):
    page.goto(f"{server['url']}/{path}")
    page.get_by_role("heading", level=1).wait_for(timeout=RESULTS)
    settled(page)
    single = page.get_by_text("single node", exact=True)
    if single.count():
        single.first.click()
        page.get_by_label("Poisson demand per day").wait_for(timeout=RESULTS)
        settled(page)
    page.get_by_role("button", name=button, exact=True).click()
    page.get_by_text(result).first.wait_for(timeout=RESULTS)
    settled(page)
    errors = page.get_by_test_id("stException")
    assert not errors.count(), "\n".join(e.inner_text() for e in errors.all())
    assert not page.get_by_test_id("stAlertContentError").count(), page.inner_text("body")
    assert "retail_twin" not in page.inner_text("body")  # the one-node model ran
    screenshot(page, path, tmp_path)
