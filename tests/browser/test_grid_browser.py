"""The grade grid in a real headless Chromium (Debian's), driven by Playwright: the demo teacher
types marks with the keyboard, pastes a block copied from a spreadsheet, sees the live error
of a mark above 20, saves, and finds the marks again after a reload; in French on a desktop
screen and in Arabic (right to left) on a 360-pixel phone."""

import os
from decimal import Decimal

import pytest
from tests.browser.test_sign_in_browser import CHROMIUM, PASSWORD, SHOTS, browser  # noqa: F401

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def teacher_book(transactional_db):
    from massar.demo.builder import build_demo
    from massar.demo.personas import demo_personas
    from massar.enrollment.models import Enrollment, TeachingAssignment

    build_demo(evaluations=False)
    people = demo_personas()
    teacher = people["teacher"]
    teacher.set_password(PASSWORD)
    teacher.save()
    a = (
        TeachingAssignment.objects.filter(teacher__user=teacher)
        .select_related("school_class", "subject")
        .order_by("pk")
        .first()
    )
    students = list(
        Enrollment.objects.filter(school_class=a.school_class, status="ENROLLED")
        .order_by("student__last_name_fr", "student__first_name_fr", "student_id")
        .values_list("student_id", flat=True)
    )
    return {
        "teacher": teacher,
        "assignment": a,
        "students": students,
        "url": f"/evaluation/grades/{a.school_class_id}/{a.subject_id}/1/",
    }


def _sign_in(page, base, user, lang, narrow):
    page.goto(f"{base}/accounts/sign-in/")
    if narrow:
        page.click(".navbar-toggler")
    page.click(f'[data-testid=language-switcher] button[value="{lang}"]')
    page.fill("input[name=identifier]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit].btn-success")
    page.wait_for_url(f"{base}/")


def _focused(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.name")


def _paste(page, selector, text):
    page.eval_on_selector(
        selector,
        """(el, text) => {
            const data = new DataTransfer();
            data.setData('text', text);
            el.focus();
            el.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true,
                                                           cancelable: true}));
        }""",
        text,
    )


def _line(book, student_id):
    from massar.assessment.models import MarkLine

    return MarkLine.objects.filter(
        school_class=book["assignment"].school_class,
        subject=book["assignment"].subject,
        student_id=student_id,
    ).first()


@pytest.mark.parametrize(
    ("lang", "size"),
    [("fr", (1280, 800)), ("ar", (360, 740))],
    ids=["fr-desktop", "ar-phone"],
)
def test_teacher_types_pastes_and_saves_marks(browser, live_server, teacher_book, lang, size):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    book = teacher_book
    s0, s1, s2, s3 = book["students"][:4]
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    _sign_in(page, live_server.url, book["teacher"], lang, narrow=size[0] < 992)
    # the navigation leads to the grade books, and from there to the grid
    page.goto(f"{live_server.url}/evaluation/grades/?semester=1")
    page.click(f'[data-testid=grade-books] a[href="{book["url"]}"]')
    page.wait_for_url(f"{live_server.url}{book['url']}")
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    assert page.locator("table[data-grid=open]").count() == 1

    # keyboard: type, Enter moves down, the arrow towards the next column moves across
    page.click(f"input[name=m{s0}_1]")
    page.keyboard.type("12,5")
    page.keyboard.press("Enter")
    assert _focused(page) == f"m{s1}_1"
    page.keyboard.type("14")
    page.keyboard.press("ArrowUp")
    assert _focused(page) == f"m{s0}_1"
    page.keyboard.press("ArrowLeft" if lang == "ar" else "ArrowRight")
    assert _focused(page) == f"m{s0}_2"
    page.keyboard.type("9.75")
    page.keyboard.press("ArrowRight" if lang == "ar" else "ArrowLeft")
    assert _focused(page) == f"m{s0}_1"

    # a block pasted from a spreadsheet fills two rows and two columns; "abs" is an absence
    _paste(page, f"input[name=m{s2}_1]", "10\t11,25\r\nabs\t8\r\n")
    assert page.input_value(f"input[name=m{s2}_1]") == "10"
    assert page.input_value(f"input[name=m{s2}_2]") == "11,25"
    assert page.is_checked(f"input[name=a{s3}_1]")
    assert page.input_value(f"input[name=m{s3}_2]") == "8"

    # live validation: 21 is marked at once with its message, and the save is held back
    cell = f"input[name=m{s1}_2]"
    page.fill(cell, "")
    page.click(cell)
    page.keyboard.type("21")
    assert "is-invalid" in page.get_attribute(cell, "class")
    feedback = page.locator(f"td:has({cell}) .invalid-feedback")
    assert "21" in feedback.inner_text()
    if lang == "fr":
        assert "21 is above 20" in feedback.inner_text() or "20" in feedback.inner_text()
    page.click("[data-testid=grid-save]")
    assert page.locator("#grid-live-error").is_visible()
    assert _line(book, s1) is None  # nothing was sent
    page.fill(cell, "20")
    assert "is-invalid" not in page.get_attribute(cell, "class")
    page.screenshot(path=str(SHOTS / f"grid-{lang}-typing.png"), full_page=True)

    # save: one request, then the page again with the stored values
    page.click("[data-testid=grid-save]")
    page.wait_for_url(f"{live_server.url}{book['url']}")
    page.wait_for_selector(".alert-success")
    page.reload()
    assert page.input_value(f"input[name=m{s0}_1]") == "12.50"
    assert page.input_value(f"input[name=m{s0}_2]") == "9.75"
    assert page.input_value(f"input[name=m{s1}_1]") == "14.00"
    assert page.input_value(f"input[name=m{s1}_2]") == "20.00"
    assert page.input_value(f"input[name=m{s2}_2]") == "11.25"
    assert page.is_checked(f"input[name=a{s3}_1]")
    line = _line(book, s0)
    assert (line.score1, line.score2, line.version) == (Decimal("12.50"), Decimal("9.75"), 1)
    assert _line(book, book["students"][5]) is None  # untouched rows were not sent
    # nothing wider than the screen: the grid scrolls inside its own box on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
    shot = SHOTS / f"grid-{lang}-{'phone' if size[0] < 992 else 'desktop'}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 5000
    page.close()
