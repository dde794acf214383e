"""The pre-application through the real python-telegram-bot client and a fake Bot API: contact sharing, /delete."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.fakes.telegram_api import FakeTelegramServer, SentCall
from tests.integration.conftest import RASA_TOKEN, tracker_url
from tests.integration.preapplication_stack import FormStack, sync_sample_stations

pytestmark = pytest.mark.integration
CHAT = 515151


@pytest.fixture(scope="module")
def telegram_forms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FormStack, FakeTelegramServer]]:
    server = FakeTelegramServer().start()
    stack = FormStack(tmp_path_factory.mktemp("tg-forms"))
    sync_sample_stations(stack.database_url)
    stack.start_all()
    stack.start_bot("bot-telegram", {"TELEGRAM_BOT_TOKEN": server.token, "TELEGRAM_API_BASE_URL": server.base_url})
    yield stack, server
    stack.stop_all()
    server.stop()


def wait_for(server: FakeTelegramServer, count: int, contains: str, timeout: float = 90) -> SentCall:
    """The first message after the first `count` ones that contains `contains`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = [c for c in server.sent if c.method == "sendMessage" and c.chat_id == CHAT][count:]
        found = next((m for m in messages if contains in (m.text or "")), None)
        if found is not None:
            return found
        time.sleep(0.1)
    pytest.fail(f"no message containing {contains!r}: {[m.text for m in server.sent if m.chat_id == CHAT]}")


def sent_count(server: FakeTelegramServer) -> int:
    return len([c for c in server.sent if c.method == "sendMessage" and c.chat_id == CHAT])


def test_the_phone_question_offers_contact_sharing_and_a_shared_contact_fills_it(telegram_forms):
    stack, server = telegram_forms
    server.push_text(CHAT, "我想申请贷款")
    wait_for(server, 0, "第 1 步")
    before = sent_count(server)
    server.push_text(CHAT, "王秀英")
    ask_phone = wait_for(server, before, "第 2 步")
    markup = ask_phone.params["reply_markup"]
    assert markup["keyboard"][0][0]["request_contact"] is True

    before = sent_count(server)
    server.push_contact(CHAT, "+86 138 1234 5678")
    ask_id = wait_for(server, before, "第 3 步")

    assert ask_id.params["reply_markup"] == {"remove_keyboard": True}
    tracker = httpx.get(
        tracker_url(stack.rasa_url, f"tg:{CHAT}"), params={"include_events": "ALL", "token": RASA_TOKEN}
    )
    assert tracker.json()["slots"]["phone"].startswith("⟦phone:")  # Rasa holds a handle, never the number
    assert "1234" not in tracker.text

    before = sent_count(server)
    server.push_command(CHAT, "/delete")
    confirm = wait_for(server, before, "确定要删除")
    assert "/confirm_delete_data" in [b.get("callback_data") for row in confirm.keyboard for b in row]

    before = sent_count(server)
    server.push_callback(CHAT, "/confirm_delete_data")
    wait_for(server, before, "删除")
    events = httpx.get(
        tracker_url(stack.rasa_url, f"tg:{CHAT}"), params={"include_events": "ALL", "token": RASA_TOKEN}
    ).json()
    typed = " ".join(str(e.get("text") or "") for e in events["events"] if e.get("event") == "user")
    assert "13812345678" not in typed and "王秀英" not in typed
