"""The staff console in real headless Chromium: login, queue, conversation, reply reaching the farmer on
Telegram (fake Bot API server) and on the web chat page, application status change, close and rating."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from store.db import session_scope
from store.models import Handoff
from tests.integration.staff_harness import PASSWORD, StaffStack

expect = pytest.importorskip("playwright.async_api").expect

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
FARMER_CHAT = 4242


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = os.environ.get("NONGHUI_HOME")
    base = Path(home) / "screenshots" / "staff-console" if home else tmp_path_factory.mktemp("screenshots")
    base.mkdir(parents=True, exist_ok=True)
    return base


@pytest.fixture
async def stack(tmp_path: Path):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    running = await StaffStack(home=tmp_path).start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def browser():
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            await launched.close()


async def log_in(page, stack: StaffStack, username: str) -> None:
    await page.goto(f"{stack.url}/staff/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("#login-button")
    await page.wait_for_url(f"{stack.url}/staff/")


async def test_telegram_farmer_is_served_by_station_staff_end_to_end(stack, browser, screenshots):
    fake = stack.telegram
    reference = stack.submit_application(str(FARMER_CHAT), "ZJ-QS")
    page = await browser.new_page(viewport={"width": 1280, "height": 860})
    await log_in(page, stack, "qs")
    assert await page.locator("#queue-count").inner_text() == "0"

    # A question first: its answer and source are shown to staff in the conversation view later.
    fake.push_text(FARMER_CHAT, "小额贷款能贷多少")
    await fake.wait_for_sent(lambda c: c.chat_id == FARMER_CHAT and "5 万元以内" in (c.text or ""))

    # The farmer asks for a person; the bot says who answers, and the open console shows it without a reload.
    fake.push_text(FARMER_CHAT, "我要找人，贷款的事")
    opened = await fake.wait_for_sent(lambda c: c.chat_id == FARMER_CHAT and "青山镇农村金融服务站" in (c.text or ""))
    assert "办公时间" in opened.text and opened.keyboard[0][0]["callback_data"] == "/handoff_cancel"
    await page.wait_for_selector("#queue-body tr", timeout=10_000)
    row = page.locator("#queue-body tr").first
    assert "贷款的事" in await row.inner_text()
    fake.push_photo(FARMER_CHAT)
    await expect(page.locator("#queue-body tr td:nth-child(5)").first).to_have_text("2", timeout=10_000)
    await page.screenshot(path=str(screenshots / "1-queue.png"), full_page=True)

    # Conversation view: the thread with the photo placeholder; a template-based reply reaches Telegram.
    await row.locator("a").click()
    await page.wait_for_selector("#thread")
    assert "我要找人，贷款的事" in await page.locator("#thread").inner_text()
    history = await page.locator(".thread.history").inner_text()
    assert "小额贷款能贷多少" in history and "5 万元以内" in history and "小额信贷政策问答 第2节" in history
    assert "照片" in await page.locator("#thread .media").first.inner_text()
    await page.select_option("#template-select", index=1)
    assert "服务站的工作人员" in await page.input_value("#reply-text")
    await page.fill("#reply-text", "您好，我是青山站小王。您想贷多少？")
    await page.click("#send-button")
    delivered = await fake.wait_for_sent(lambda c: c.chat_id == FARMER_CHAT and "您想贷多少" in (c.text or ""))
    assert delivered.text.startswith("【青山镇农村金融服务站（样例）工作人员】")
    await page.wait_for_selector("#thread .msg.staff")
    fake.push_text(FARMER_CHAT, "三万块，养牛")
    await expect(page.locator("#thread")).to_contain_text("三万块，养牛", timeout=10_000)
    assert not any("三万块" in (t.text or "") for t in stack.dialogue.turns)  # the bot stayed quiet
    transcript = stack.console.services.transcript
    turns = [t for ch in ("tg", "telegram") for t in transcript.transcript(channel=ch, external_id=str(FARMER_CHAT))]
    assert any(t.direction == "staff" and "您想贷多少" in t.text for t in turns)
    await page.screenshot(path=str(screenshots / "2-conversation.png"), full_page=True)

    # Application: masked ID, status change → the farmer is told in Chinese.
    await page.goto(f"{stack.url}/staff/applications")
    await page.click(f"text={reference}")
    assert "4408**********1236" in await page.locator("#resident-id").inner_text()
    await page.click("#reveal-button")
    assert await page.locator("#resident-id").inner_text() == "440882197403151236"
    await page.select_option("#status-select", "contacted")
    await page.fill("#status-form textarea[name=note]", "已电话联系，请带身份证")
    await page.check("#status-form input[name=tell_farmer]")
    await page.click("#status-button")
    notice = await fake.wait_for_sent(lambda c: c.chat_id == FARMER_CHAT and reference in (c.text or ""))
    assert "服务站已联系您" in notice.text and "请带身份证" in notice.text
    await page.screenshot(path=str(screenshots / "3-application.png"), full_page=True)

    # Close: the bot is back and asks for a rating with buttons; the farmer's tap is stored.
    await page.goto(f"{stack.url}/staff/")
    await page.click("#queue-body a")
    await page.click("#close-button")
    await page.wait_for_url(f"{stack.url}/staff/")
    rating = await fake.wait_for_sent(lambda c: c.chat_id == FARMER_CHAT and "打个分" in (c.text or ""))
    payloads = [row[0]["callback_data"] for row in rating.keyboard]
    assert payloads == [f'/handoff_rating{{"rating":{n}}}' for n in range(1, 6)]
    fake.push_callback(FARMER_CHAT, payloads[4])
    await fake.wait_for_sent(lambda c: c.chat_id == FARMER_CHAT and "谢谢您的评分" in (c.text or ""))
    with session_scope(stack.parts.handoffs._sessions) as session:
        assert session.scalar(select(Handoff.rating)) == 5
    fake.push_text(FARMER_CHAT, "利息多少")
    await fake.wait_for_sent(lambda c: c.chat_id == FARMER_CHAT and "5 万元以内" in (c.text or ""))

    # Another station's staff member sees none of it.
    other = await browser.new_page()
    await log_in(other, stack, "hx")
    assert await other.locator("#queue-count").inner_text() == "0"
    response = await other.goto(f"{stack.url}/staff/applications/{reference}")
    assert response.status == 404

    # The admin sees who revealed the ID and changed the status.
    admin = await browser.new_page(viewport={"width": 1280, "height": 860})
    await log_in(admin, stack, "admin")
    await admin.goto(f"{stack.url}/staff/admin/audit")
    audit = await admin.locator("table").inner_text()
    assert "reveal_personal_data" in audit and "application_status" in audit and "handoff_close" in audit
    await admin.screenshot(path=str(screenshots / "5-admin-audit.png"), full_page=True)
    await admin.goto(f"{stack.url}/staff/admin/users")
    await admin.screenshot(path=str(screenshots / "6-admin-users.png"), full_page=True)
    await admin.click("text=English")
    await expect(admin.locator("h1")).to_contain_text("Staff accounts")
    print(f"\nstaff console screenshots: {screenshots}")


async def test_web_chat_farmer_gets_the_staff_reply_on_the_page(stack, browser, screenshots):
    farmer = await browser.new_page(viewport={"width": 400, "height": 760})
    await farmer.goto(stack.url)
    await farmer.wait_for_selector(".msg.bot")
    await farmer.fill("#message", "我要找人，我是东岭村的")
    await farmer.press("#message", "Enter")
    await expect(farmer.locator("#log")).to_contain_text("青山镇农村金融服务站", timeout=10_000)

    staff = await browser.new_page(viewport={"width": 1280, "height": 860})
    await log_in(staff, stack, "qs")
    await staff.click("#queue-body a")
    await staff.fill("#reply-text", "您好，东岭村的乡亲，请问有什么事？")
    await staff.click("#send-button")
    await expect(farmer.locator("#log")).to_contain_text("东岭村的乡亲", timeout=15_000)
    await staff.click("#close-button")
    await farmer.wait_for_selector("text=⭐⭐⭐⭐⭐ 5分", timeout=15_000)
    await farmer.click("text=⭐⭐⭐⭐ 4分")
    await expect(farmer.locator("#log")).to_contain_text("谢谢您的评分", timeout=10_000)
    await farmer.screenshot(path=str(screenshots / "4-web-chat-farmer.png"), full_page=True)
    with session_scope(stack.parts.handoffs._sessions) as session:
        assert session.scalar(select(Handoff.rating)) == 4
