"""Messages and appointments in a real headless Chromium, on a 360-pixel phone in Arabic
(right to left) and in French: the demo guardian writes to the school with a PDF attached,
requests an appointment with the keyboard only, and no page scrolls sideways."""

import os

import pytest
from tests.browser.test_sign_in_browser import CHROMIUM, PASSWORD, SHOTS, browser  # noqa: F401

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def family(transactional_db):
    from massar.demo.builder import build_demo
    from massar.demo.personas import demo_personas
    from massar.portal.tests.access_rows_appointments import college_child

    build_demo(evaluations=False)
    people = demo_personas()
    people["guardian"].set_password(PASSWORD)
    people["guardian"].save()
    people["college_child"] = college_child(people)
    return people


def _sign_in(page, base, user, lang):
    page.goto(f"{base}/accounts/sign-in/")
    page.click(".navbar-toggler")
    page.click(f'[data-testid=language-switcher] button[value="{lang}"]')
    page.fill("input[name=identifier]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit].btn-success")
    page.wait_for_url(f"{base}/")


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_guardian_writes_and_requests_on_a_phone(browser, live_server, family, lang, tmp_path):  # noqa: F811
    from massar.portal.models import Appointment, Attachment, Thread

    SHOTS.mkdir(parents=True, exist_ok=True)
    base, child = live_server.url, family["college_child"]
    page = browser.new_page(viewport={"width": 360, "height": 740})
    _sign_in(page, base, family["guardian"], lang)
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    page.click(".navbar-toggler")
    page.click("[data-testid=nav] a[href='/messages/']")
    page.wait_for_url(f"{base}/messages/")
    page.click("[data-testid=thread-new]")
    page.select_option("select[name=child]", str(child.pk))
    page.click("form[method=get] button[type=submit]")
    page.wait_for_url(f"{base}/messages/new/?child={child.pk}")
    assert _fits(page)
    page.fill("input[name=subject]", "Absence")
    page.fill("textarea[name=body]", "Mon fils était malade lundi.")
    pdf = tmp_path / "certificat.pdf"
    pdf.write_bytes(PDF)
    page.set_input_files("input[name=files]", str(pdf))
    page.click("[data-testid=thread-form] button[type=submit]")
    thread = Thread.objects.get(guardian_user=family["guardian"])
    page.wait_for_url(f"{base}/messages/{thread.pk}/")
    assert page.locator("[data-testid=attachment]").inner_text() == "certificat.pdf"
    assert Attachment.objects.filter(message__thread=thread).count() == 1
    assert _fits(page)
    page.screenshot(path=str(SHOTS / f"messages-thread-{lang}-phone.png"), full_page=True)

    # an appointment, with the keyboard only
    page.goto(f"{base}/appointments/new/?child={child.pk}")
    page.focus("select[name=teacher]")
    page.keyboard.press("Tab")
    page.keyboard.type("Parler des devoirs")
    page.keyboard.press("Tab")
    page.keyboard.type("Lundi après 16 h")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/appointments/*/")
    appointment = Appointment.objects.get(requested_by=family["guardian"])
    assert appointment.reason == "Parler des devoirs"
    assert appointment.preferred_slots == "Lundi après 16 h"
    assert _fits(page)
    page.screenshot(path=str(SHOTS / f"appointment-{lang}-phone.png"), full_page=True)
    for url in ("/appointments/", "/announcements/", "/messages/"):
        page.goto(f"{base}{url}")
        assert _fits(page), url
    page.close()
