"""The student and guardian spaces in a real headless Chromium (Debian's), driven by
Playwright: sign in through the page, open the space and the marks, switch child (guardian),
on a phone (360×740) and a desktop (1280×800), in Arabic and French.

Checked on every page: dir, no horizontal overflow, no layout shift (CLS from the browser's
layout-shift entries), the skip link first in the tab order, a label for every field, and the
page weight of HTML + CSS + JS. The weight is counted as it travels: the test server sends
files uncompressed, production's WhiteNoise (CompressedManifestStaticFilesStorage) sends the
gzip (or brotli) copy it made at collectstatic, so the budget is checked on the gzip size of
each response, and the raw size is printed beside it."""

import gzip
import json
import os
from pathlib import Path

import pytest
from django.conf import settings

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("MASSAR_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "Orange-Tree-2025!"
SHOTS = settings.VAR_DIR / "screenshots"
BUDGET = 200 * 1024
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLS_OBSERVER = """
window.__cls = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) { if (!e.hadRecentInput) window.__cls += e.value; }
}).observe({type: 'layout-shift', buffered: true});
"""


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make test` (it installs it)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def accounts(transactional_db):
    from massar.demo.builder import build_demo
    from massar.demo.personas import demo_personas

    build_demo(evaluations=False)
    people = demo_personas()
    for role in ("student", "guardian"):
        people[role].set_password(PASSWORD)
        people[role].must_change_password = False
        people[role].save()
    return people


class Weigher:
    """HTML, CSS and JS responses of one page load: raw and gzip bytes."""

    def __init__(self, page):
        self.rows = []
        page.on("response", self._on)

    def _on(self, response):
        kind = response.request.resource_type
        if kind not in ("document", "stylesheet", "script", "xhr", "fetch"):
            return
        try:
            body = response.body()
        except Exception:  # a redirect has no body
            return
        self.rows.append((response.url, kind, len(body), len(gzip.compress(body, 9))))

    def reset(self):
        self.rows = []

    @property
    def raw(self) -> int:
        return sum(r[2] for r in self.rows)

    @property
    def gzipped(self) -> int:
        return sum(r[3] for r in self.rows)


def _sign_in(page, base, user, lang, phone):
    page.goto(f"{base}/accounts/sign-in/")
    if phone:
        page.click(".navbar-toggler")
    page.click(f'[data-testid=language-switcher] button[value="{lang}"]')
    page.fill("input[name=identifier]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit].btn-success")
    page.wait_for_url(f"{base}/")


def _check(page, weigher, width, lang, name, figures):
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    assert page.get_attribute("html", "lang") == lang
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "horizontal overflow"
    cls = page.evaluate("window.__cls")
    assert cls < 0.05, f"layout shift {cls}"
    unlabeled = page.evaluate(
        "() => [...document.querySelectorAll("
        "'main input:not([type=hidden]), main select, main textarea')]"
        ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).length"
    )
    assert unlabeled == 0
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    figures[name] = {"raw": weigher.raw, "gzip": weigher.gzipped, "cls": cls}
    assert weigher.gzipped < BUDGET, f"{name}: {weigher.gzipped} bytes over the budget"
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["ar", "fr"])
@pytest.mark.parametrize("size", [(360, 740), (1280, 800)], ids=["phone", "desktop"])
def test_student_and_guardian_spaces(browser, live_server, accounts, lang, size):
    SHOTS.mkdir(parents=True, exist_ok=True)
    width, phone = size[0], size[0] < 992
    device = "phone" if phone else "desktop"
    figures: dict = {}
    for role in ("student", "guardian"):
        context = browser.new_context(viewport={"width": size[0], "height": size[1]})
        context.add_init_script(CLS_OBSERVER)
        page = context.new_page()
        _sign_in(page, live_server.url, accounts[role], lang, phone)
        weigher = Weigher(page)
        weigher.reset()
        page.goto(f"{live_server.url}/space/")
        assert page.locator("[data-testid=history] tbody tr").count() >= 1
        _check(page, weigher, width, lang, f"space-{role}-{lang}-{device}", figures)
        weigher.reset()
        page.goto(f"{live_server.url}/space/marks/")
        _check(page, weigher, width, lang, f"space-marks-{role}-{lang}-{device}", figures)
        if role == "guardian":
            switch = page.locator("[data-testid=switch-child]")
            assert switch.count() >= 2
            first = page.locator("h1").inner_text()
            weigher.reset()
            switch.nth(1).click()
            page.wait_for_url("**/space/marks/?child=*")
            assert page.locator("h1").inner_text() != first
            _check(page, weigher, width, lang, f"space-marks-child2-{lang}-{device}", figures)
        context.close()
    out = settings.VAR_DIR / "screenshots" / f"space-weights-{lang}-{device}.json"
    out.write_text(json.dumps(figures, indent=1))
