"""Issue 9, done when: headless Chromium drives the playground through a week of supervision.

Debian's chromium and chromium-driver, driven by Selenium; nothing downloads a browser. The app runs
for real on 127.0.0.1 with an ephemeral port, in a thread, on a copy of the demo council, with the
demo clock starting on Monday 23 November 2026 at 10:00. Every step saves a screenshot under
test-artifacts/playground/, and a failing step saves one named after it before failing the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web
from web_helpers import demo_clock, playground_settings

from bot.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "playground"
WAIT = 30.0  # seconds: a deadline, polled, never a sleep

if not CHROMIUM.exists():
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium chromium-driver)",
        allow_module_level=True,
    )

from selenium import webdriver  # noqa: E402  (only needed, and required, when Chromium is here)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

# The flags the machine notes give: no GPU, no sandbox as root, and no background connections,
# which a closed network refuses.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--window-size=1280,1000",
)


class LiveServer:
    """The aiohttp app on its own event loop in a thread, as `serve --demo` would run it."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.port = 0
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="playground", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        runner = web.AppRunner(self.app)
        try:
            self.loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, "127.0.0.1", 0)
            self.loop.run_until_complete(site.start())
            self.port = runner.addresses[0][1]
        except BaseException as exc:  # reported by start(), not lost in the thread
            self.failure = exc
            self.ready.set()
            return
        self.ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(runner.cleanup())
        self.loop.close()

    def start(self) -> str:
        self.thread.start()
        assert self.ready.wait(WAIT), "the playground did not start"
        if self.failure is not None:
            raise self.failure
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(WAIT)
        if not self.loop.is_closed():
            self.loop.close()


@pytest.fixture
def base_url(web_demo_file: Path) -> Iterator[str]:
    app = create_app(playground_settings(web_demo_file), clock=demo_clock(), run_scheduler=False)
    server = LiveServer(app)
    yield server.start()
    server.stop()


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebDriver]:
    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must never fetch a driver
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    with tempfile.TemporaryDirectory(prefix="playground-chromium-") as profile:
        options.add_argument(f"--user-data-dir={profile}")
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        try:
            yield driver
        finally:
            driver.quit()


class Playground:
    """What a person does on the page, each step photographed."""

    def __init__(self, driver: WebDriver, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url
        self.shots: list[Path] = []
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for old in ARTIFACTS.glob("*.png"):
            old.unlink()

    def wait(self, condition, message: str):  # type: ignore[no-untyped-def]
        return WebDriverWait(self.driver, WAIT, poll_frequency=0.1).until(
            lambda _driver: condition(), message
        )

    def shot(self, name: str) -> None:
        path = ARTIFACTS / f"{len(self.shots) + 1:02d}-{name}.png"
        assert self.driver.save_screenshot(str(path)), path
        self.shots.append(path)

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        try:
            yield
        except BaseException:
            with contextlib.suppress(Exception):
                self.shot(f"FAILED-{name}")
            raise
        self.shot(name)

    def idle(self) -> None:
        self.wait(
            lambda: self.driver.find_element(By.TAG_NAME, "html").get_attribute("data-busy") == "0",
            "the page is still waiting for the playground",
        )

    def open(self) -> None:
        self.driver.get(self.base_url + "/")
        self.wait(
            lambda: self.driver.find_element(By.TAG_NAME, "html").get_attribute("data-ready"),
            "the page did not load its people and channels",
        )
        self.idle()

    def act_as(self, name: str) -> None:
        picker = Select(self.driver.find_element(By.ID, "person"))
        label = next(o.text for o in picker.options if o.text.startswith(f"{name}:"))
        picker.select_by_visible_text(label)
        heading = self.driver.find_element(By.ID, "conversation-heading")
        self.wait(lambda: heading.text == f"Conversation as {name}", "the person did not change")
        self.idle()

    def answers(self) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, ".thread:not([hidden]) .entry.from-bot")

    def answer_after(self, before: int) -> WebElement:
        self.wait(lambda: len(self.answers()) > before, "the bot did not answer")
        self.idle()
        return self.answers()[-1]

    def type_message(self, text: str) -> WebElement:
        before = len(self.answers())
        box = self.driver.find_element(By.ID, "message")
        box.clear()
        box.send_keys(text, Keys.ENTER)  # the keyboard alone sends it
        return self.answer_after(before)

    def press(self, within: WebElement, label: str) -> WebElement:
        before = len(self.answers())
        buttons = within.find_elements(By.XPATH, f".//button[normalize-space()='{label}']")
        assert buttons, f"no button '{label}' in: {within.text}"
        buttons[-1].click()
        return self.answer_after(before)

    def submit(self, answer: WebElement, **values: str) -> WebElement:
        """Fill the answer's form (every required box left empty gets a line) and send it."""
        form = answer.find_elements(By.CSS_SELECTOR, "form.reply-form")[-1]
        for control in form.find_elements(By.CSS_SELECTOR, "[data-field]"):
            name = control.get_attribute("data-field") or ""
            kind = control.get_attribute("data-kind")
            wanted = values.get(name)
            if kind == "multiselect":
                chosen = {v.strip() for v in (wanted or "").split(",") if v.strip()}
                for box in control.find_elements(By.CSS_SELECTOR, "input[type=checkbox]"):
                    if (box.get_attribute("value") in chosen) != box.is_selected():
                        box.click()
            elif kind == "checkbox":
                if wanted is not None and (wanted == "true") != control.is_selected():
                    control.click()
            elif kind == "select":
                if wanted is not None:
                    Select(control).select_by_value(wanted)
            elif wanted is not None or (
                control.get_attribute("required") is not None and not control.get_attribute("value")
            ):
                control.clear()
                control.send_keys(wanted if wanted is not None else f"Noted: {name}")
        before = len(self.answers())
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        return self.answer_after(before)

    def forward(self, label: str, expected: str) -> str:
        status = self.driver.find_element(By.ID, "clock-status")
        self.driver.find_element(By.XPATH, f"//button[normalize-space()='{label}']").click()
        self.wait(lambda: status.text.startswith(f"Now {expected}"), "the clock did not move")
        self.idle()
        return status.text

    def active(self) -> WebElement:
        return self.driver.switch_to.active_element


def test_a_manager_and_a_worker_through_a_week(browser: WebDriver, base_url: str) -> None:
    page = Playground(browser, base_url)

    with page.step("start"):
        page.open()
        assert "Demo time:" in browser.find_element(By.ID, "channels-panel").text
        assert browser.find_element(By.ID, "clock").text == "Mon 23 Nov 2026, 10:00"
        groups = browser.find_elements(By.CSS_SELECTOR, "#person optgroup")
        personas = [o.text for o in groups[0].find_elements(By.TAG_NAME, "option")]
        assert [p.split(":")[0] for p in personas] == [
            "Sam Taylor",
            "Aled Rhys",
            "Priya Shah",
            "Morgan Price",
        ]

    with page.step("keyboard-skip-link"):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        assert page.active().get_attribute("class") == "skip-link"
        page.active().send_keys(Keys.ENTER)
        page.wait(lambda: page.active().get_attribute("id") == "conversation", "skip link")

    with page.step("manager-books-form-error"):
        page.act_as("Priya Shah")
        answer = page.type_message("book")
        assert answer.find_element(By.CSS_SELECTOR, "form h3").text == "Book supervision"
        # The person's own words never become markup.
        answer = page.submit(answer, person="<img src=x id=injected>", when="yesterday 9am")
        assert not browser.find_elements(By.ID, "injected")
        assert "<img src=x id=injected>" in answer.text
        when = answer.find_element(By.CSS_SELECTOR, "[data-field=when]")
        assert when.get_attribute("aria-invalid") == "true"
        # Focus moves to the first field in error, whose message is tied to it.
        first = answer.find_element(By.CSS_SELECTOR, "[aria-invalid=true]")
        assert page.active() == first
        described = (first.get_attribute("aria-describedby") or "").split()
        messages = [browser.find_element(By.ID, i).text for i in described]
        assert any("Nobody called '<img src=x id=injected>'" in m for m in messages), messages
        assert "There is a problem" in answer.text
        assert when.get_attribute("value") == "yesterday 9am"  # nothing typed is lost

    with page.step("manager-books-confirm"):
        answer = page.submit(answer, person="Sam Taylor", when="tomorrow 9am", venue="Room 2")
        card = answer.find_element(By.CSS_SELECTOR, "article.card")
        assert "Book supervision: Priya Shah and Sam Taylor" in card.text
        assert "Tue 24 Nov 2026, 09:00" in card.text
        answer = page.press(card, "Confirm")
        assert "Booked: supervision with Sam Taylor" in answer.text

    with page.step("worker-inbox-has-the-booking"):
        page.act_as("Sam Taylor")
        inbox = browser.find_element(By.ID, "inbox")
        page.wait(lambda: "Supervision booked" in inbox.text, "Sam was not told")
        page.act_as("Priya Shah")

    with page.step("clock-forward-a-day"):
        page.forward("Forward 1 day", "Tue 24 Nov 2026, 10:00")
        assert browser.find_element(By.ID, "clock").text == "Tue 24 Nov 2026, 10:00"

    with page.step("manager-records-sections"):
        answer = page.type_message("write up supervision")
        choice = answer.find_element(By.CSS_SELECTOR, ".choice")
        answer = page.press(choice, "Tue 24 Nov 2026, 09:00: one to one with Sam Taylor")
        assert "Step 1 of 8" in answer.text
        answer = page.submit(answer, previous_actions="Chronology updated.")
        assert "Step 2 of 8" in answer.text
        answer = page.submit(answer)
        cases = answer.find_elements(By.CSS_SELECTOR, "[data-kind=multiselect] input")
        first_case = cases[0].get_attribute("value") or ""
        answer = page.submit(answer, cases=first_case)
        assert f"Case 1 of 1: {first_case}" in answer.text
        answer = page.submit(answer)

    with page.step("manager-records-decision"):
        answer = page.press(answer, "Add a decision")
        answer = page.submit(
            answer, case=first_case, decision="Step down to CIN", rationale="Risks reduced"
        )
        assert "Decision added." in answer.text
        answer = page.press(answer, "No more decisions")

    with page.step("manager-records-action"):
        answer = page.press(answer, "Add an action")
        answer = page.submit(
            answer, description="Update the chronology", owner="Sam", due="in 2 weeks"
        )
        assert "Action added for Sam Taylor." in answer.text
        answer = page.press(answer, "No more actions")
        answer = page.submit(answer, next_at="21/12 10:00")
        if answer.find_elements(By.XPATH, ".//button[normalize-space()='Skip']"):
            answer = page.press(answer, "Skip")

    with page.step("manager-records-confirm"):
        review = answer.find_element(By.CSS_SELECTOR, "article.card")
        assert "Record of Supervision: Sam Taylor" in review.text
        assert "Step down to CIN" in review.text
        assert "Update the chronology" in review.text
        answer = page.press(review, "Confirm and sign")
        assert "Saved the Record of Supervision" in answer.text

    with page.step("worker-asks-caseload-score"):
        page.act_as("Sam Taylor")
        answer = page.type_message("what's my caseload score")
        title = answer.find_element(By.CSS_SELECTOR, "article.card h3").text
        assert re.search(r"\d+ points", title), title
        inbox = browser.find_element(By.ID, "inbox")
        page.wait(lambda: "Please confirm your supervision record" in inbox.text, "sign request")

    with page.step("clock-forward-a-week-digest"):
        page.forward("Forward 1 week", "Tue 1 Dec 2026, 10:00")
        Select(browser.find_element(By.ID, "channel-filter")).select_by_value("digest")
        digests = [
            item
            for item in browser.find_elements(By.CSS_SELECTOR, "#channels > li[data-kind=digest]")
            if item.is_displayed()
        ]
        this_week = [d for d in digests if "Mon 30 Nov 2026, 09:00" in d.text]
        assert this_week, [d.text[:80] for d in digests]
        assert any("Safeguarding North channel" in d.text for d in this_week)
        card = this_week[0].find_element(By.CSS_SELECTOR, "article.card")
        assert card.find_element(By.TAG_NAME, "h3").text
        browser.execute_script("arguments[0].scrollIntoView()", this_week[0])

    with page.step("zoom-200-percent"):
        # 200% zoom of a 1280px window lays the page out in 640 CSS pixels: nothing may overflow.
        browser.set_window_size(640, 1000)
        browser.execute_script("window.scrollTo(0, 0)")
        page.wait(
            lambda: browser.execute_script(
                "return document.documentElement.scrollWidth <= window.innerWidth"
            ),
            "the page scrolls sideways at 200% zoom",
        )

    assert [shot.name for shot in page.shots] == sorted(p.name for p in ARTIFACTS.glob("*.png"))
    assert all(shot.read_bytes().startswith(b"\x89PNG") for shot in page.shots)


def test_a_reload_shows_the_conversation_so_far(browser: WebDriver, base_url: str) -> None:
    """Issue 21 item 11: reloading the page cleared the visible conversation."""
    page = Playground(browser, base_url)
    with page.step("reload-before"):
        page.open()
        page.act_as("Priya Shah")
        page.type_message("what's my caseload score")
        form = page.type_message("book a supervision")
        assert form.find_elements(By.CSS_SELECTOR, "form.reply-form")
    with page.step("reload-after"):
        browser.refresh()  # the address keeps #person-N: the page comes back as Priya
        page.wait(
            lambda: browser.find_element(By.TAG_NAME, "html").get_attribute("data-ready"),
            "the page did not load again",
        )
        heading = browser.find_element(By.ID, "conversation-heading").text
        assert heading == "Conversation as Priya Shah"
        page.wait(lambda: len(page.answers()) == 2, "the conversation was not shown again")
        said = [
            e.text
            for e in browser.find_elements(
                By.CSS_SELECTOR, ".thread:not([hidden]) .entry.from-you .text"
            )
        ]
        assert said == ["what's my caseload score", "book a supervision"]
        assert "Your caseload" in page.answers()[0].text
        frame = page.answers()[-1].find_element(By.CSS_SELECTOR, "form.reply-form fieldset")
        assert frame.is_enabled()  # the booking still waits for its answers
        page.submit(page.answers()[-1], person="Sam Taylor", when="tomorrow 2pm")
        assert "Check the date" in page.answers()[-1].text


def test_the_page_speaks_the_language_of_the_person_it_acts_as(
    browser: WebDriver, base_url: str
) -> None:
    """Issue 28 item 3: "Cymraeg" typed turns the page's own words Welsh (its headings, buttons,
    the conversations to start); acting as someone who did not choose it turns them back."""
    page = Playground(browser, base_url)
    page.open()
    page.act_as("Sam Taylor")
    send = browser.find_element(By.ID, "send")
    assert send.text == "Send"
    with page.step("sam-chooses-welsh"):
        page.type_message("Cymraeg")
        page.wait(lambda: send.text == "Anfon", "the page did not switch to Welsh")
        page.idle()
    html = browser.find_element(By.TAG_NAME, "html")
    assert html.get_attribute("lang") == "cy-GB"
    assert browser.find_element(By.ID, "conversation-heading").text == "Sgwrs fel Sam Taylor"
    assert browser.find_element(By.ID, "inbox-refresh").text == "Adnewyddu'r mewnflwch"
    flows = [b.text for b in browser.find_elements(By.CSS_SELECTOR, "#flows button")]
    assert "Sgôr llwyth achosion" in flows, flows
    picker = Select(browser.find_element(By.ID, "person"))
    page.wait(
        lambda: "Sam Taylor: Gweithiwr cymdeithasol" in [o.text for o in picker.options],
        "the picker's roles stayed English",
    )
    with page.step("priya-in-english"):
        page.act_as("Priya Shah")  # waits for "Conversation as Priya Shah"
        page.wait(lambda: send.text == "Send", "the page stayed in Welsh for Priya")
    assert html.get_attribute("lang") == "en-GB"
