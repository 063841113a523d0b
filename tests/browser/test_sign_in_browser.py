"""A real headless Chromium (Debian's), driven by Playwright: a teacher and a guardian sign in
through the pages, in Arabic and in French, on a phone-sized and a desktop-sized screen."""

import os
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in this thread; the ORM calls below are plain
# synchronous test setup, not async code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("MASSAR_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "Orange-Tree-2025!"
SHOTS = settings.VAR_DIR / "screenshots"
NAV_HOME = {"ar": "الرئيسية", "fr": "Accueil"}
SIGN_OUT = {"ar": "تسجيل الخروج", "fr": "Se déconnecter"}
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make test` (it installs it)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def accounts(transactional_db):
    from massar.demo.builder import build_demo
    from massar.demo.personas import demo_personas

    build_demo(evaluations=False)
    people = demo_personas()
    for role in ("teacher", "guardian"):
        people[role].set_password(PASSWORD)
        people[role].save()
    return people


@pytest.mark.parametrize("lang", ["ar", "fr"])
@pytest.mark.parametrize("role", ["teacher", "guardian"])
@pytest.mark.parametrize("size", [(360, 740), (1280, 800)], ids=["phone", "desktop"])
def test_sign_in_in_both_languages(browser, live_server, accounts, role, lang, size):
    SHOTS.mkdir(parents=True, exist_ok=True)
    user = accounts[role]
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(f"{live_server.url}/accounts/sign-in/")
    if size[0] < 992:
        page.click(".navbar-toggler")
    page.click(f'[data-testid=language-switcher] button[value="{lang}"]')
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    page.fill("input[name=identifier]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit].btn-success")
    page.wait_for_url(f"{live_server.url}/")
    html = page.locator("html")
    assert html.get_attribute("lang") == lang
    assert html.get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    if size[0] < 992:
        page.click(".navbar-toggler")
    nav = page.locator("[data-testid=nav]")
    assert NAV_HOME[lang] in nav.inner_text()
    # the account menu (a dropdown) holds sign-out and the password pages
    assert SIGN_OUT[lang] in page.locator("[data-testid=who] + .dropdown-menu").text_content()
    if role == "teacher":
        assert page.locator("[data-testid=my-classes] tbody tr").count() >= 1
    else:
        assert page.locator("[data-testid=child]").count() >= 2
    # nothing wider than the screen: the layout works on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
    shot = SHOTS / f"{role}-{lang}-{'phone' if size[0] < 992 else 'desktop'}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 5000
    page.close()
