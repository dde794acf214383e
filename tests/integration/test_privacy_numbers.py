"""Personal numbers never reach Rasa: whole pre-applications over the web API and Telegram, then a byte search.

Real bot, Rasa server, action server and databases. Farmers type their resident ID and mobile number in several
formats (spaces, dashes, +86 / 0086, full-width digits, lower-case x); afterwards no run of either number is in
either database (every byte, WAL files included), in any log file, or in Rasa's tracker API. The form still
validates, shows masked values and stores each application once, with the numbers readable by the station.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fakes.telegram_api import FakeTelegramServer, SentCall
from tests.integration.conftest import HOME, RASA_TOKEN, chat
from tests.integration.preapplication_stack import FormStack, sync_sample_stations

pytestmark = pytest.mark.integration
CHAT = 626262
REFERENCE = re.compile(r"ZJ-\d{4}-\d{6}")
RUN = 7  # a run of this many digits of a number is a leak (the masked forms show at most 4 in a row)
_FULL_WIDTH = str.maketrans("0123456789Xx+-", "０１２３４５６７８９Ｘｘ＋－")

# (sender, how the phone is typed, its digits, how the ID is typed, the ID)
WEB_FARMERS = [
    ("privacy-a", "+86 138-1234-5678", "13812345678", "440882 19740315 1236", "440882197403151236"),
    ("privacy-b", "0086 139 8765 4321", "13987654321", "33010619850620071x", "33010619850620071X"),
    (
        "privacy-c",
        "１３７-１１１１-２２２２",
        "13711112222",
        "３３０１０６-１９８５０６２０-０７１Ｘ",
        "33010619850620071X",
    ),
]
TG_PHONE, TG_ID = ("186 0000 1111", "18600001111"), ("4408-8219-7403-1512-36", "440882197403151236")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FormStack, FakeTelegramServer]]:
    server = FakeTelegramServer().start()
    forms = FormStack(tmp_path_factory.mktemp("privacy"))
    sync_sample_stations(forms.database_url)
    forms.start_all()
    forms.start_bot("bot-telegram", {"TELEGRAM_BOT_TOKEN": server.token, "TELEGRAM_API_BASE_URL": server.base_url})
    yield forms, server
    forms.stop_all()
    server.stop()


def leaks(data: bytes, numbers: list[str], typed: list[str]) -> list[str]:
    """Each number run (ASCII, full-width, JSON-escaped) and each typed form found in `data`.

    A run is not counted inside a longer decimal (Rasa's confidences and timestamps have 16 digits or more, so
    some 7-digit run of a number turns up in them by chance); the whole number and each typed form always count.
    """
    found = []
    for number in numbers:
        for i in range(len(number) - RUN + 1):
            run = number[i : i + RUN]
            forms = {run, run.lower(), run.translate(_FULL_WIDTH), json.dumps(run.translate(_FULL_WIDTH))[1:-1]}
            pattern = re.compile(b"|".join(re.escape(form.encode()) for form in forms))
            for match in pattern.finditer(data):
                inside_decimal = re.search(rb"[0-9]\.?[0-9]*$", data[max(0, match.start() - 24) : match.start()])
                if not inside_decimal or i == 0:
                    found.append(f"{number}[{i}:]")
                    break
    found += [text for text in typed if text.encode() in data or json.dumps(text)[1:-1].encode() in data]
    return found


def scan(forms: FormStack, senders: list[str]) -> dict[str, list[str]]:
    """Every database file, every log file and the tracker API of each sender, searched for the numbers."""
    numbers = sorted({n for *_, phone, _, rid in WEB_FARMERS for n in (phone, rid)} | {TG_PHONE[1], TG_ID[1]})
    typed = [t for _, t, _, t2, _ in WEB_FARMERS for t in (t, t2)] + [TG_PHONE[0], TG_ID[0]]
    files = [p for p in forms.work.rglob("*") if p.is_file() and (".db" in p.name or p.suffix == ".log")]
    files += [p for p in (HOME / "logs").rglob("*") if p.is_file()] if (HOME / "logs").exists() else []
    hits = {str(p): leaks(p.read_bytes(), numbers, typed) for p in files}
    for sender in senders:
        response = httpx.get(
            f"{forms.rasa_url}/conversations/{sender}/tracker", params={"include_events": "ALL", "token": RASA_TOKEN}
        )
        assert response.status_code == 200  # the scan reads the real tracker, not a refusal
        hits[f"tracker API {sender}"] = leaks(response.content, numbers, typed)
    assert any(".db" in name for name in hits) and any(name.endswith(".log") for name in hits)
    return {name: found for name, found in hits.items() if found}


class WebFarmer:
    def __init__(self, forms: FormStack, sender: str) -> None:
        self.forms, self.sender = forms, sender
        self.replies: list[dict] = []

    def say(self, text: str) -> str:
        self.replies = chat(self.forms.web_url, self.sender, text)["replies"]
        return "\n".join(r["text"] for r in self.replies)

    def tap(self, title: str) -> str:
        return self.say(next(b["payload"] for r in self.replies for b in r["buttons"] if title in b["title"]))


def fill_until_summary(say, phone: str, resident_id: str) -> str:  # type: ignore[no-untyped-def]
    """The ten answers of a whole pre-application; returns the summary."""
    assert "第 1 步" in say("我想申请贷款")
    assert "第 2 步" in say("王秀英")
    assert "第 3 步" in say(phone)
    assert "第 4 步" in say(resident_id)
    assert "第 5 步" in say("青山镇东岭村")
    assert "第 6 步" in say("脱贫户")
    assert "想借多少钱" in say("养牛")
    assert "想借多久" in say("3万")
    assert "第 9 步" in say("两年")
    assert "您同意吗" in say("没有")
    return str(say("同意"))


def test_web_farmers_typing_numbers_in_every_format_leave_no_number_anywhere(stack) -> None:
    forms, _ = stack
    for sender, phone, phone_digits, typed_id, resident_id in WEB_FARMERS:
        farmer = WebFarmer(forms, sender)
        summary = fill_until_summary(farmer.say, phone, typed_id)
        assert f"{phone_digits[:3]}****{phone_digits[-4:]}" in summary
        assert f"{resident_id[:4]}**********{resident_id[-4:]}" in summary and "⟦" not in summary
        slots = forms.slots(sender)  # mid-form, Rasa holds handles only
        assert str(slots["phone"]).startswith("⟦phone:") and str(slots["resident_id"]).startswith("⟦id:")
        assert scan(forms, [f"web:{sender}"]) == {}
        done = farmer.tap("确认提交")
        assert REFERENCE.search(done) and f"{phone_digits[:3]}****{phone_digits[-4:]}" in done

    stored = forms.applications()
    assert len(stored) == len(WEB_FARMERS)
    assert _contacts(forms, [ref for ref, *_ in stored]) == [(p, r) for _, _, p, _, r in WEB_FARMERS]
    assert scan(forms, [f"web:{sender}" for sender, *_ in WEB_FARMERS]) == {}
    # The sent form's conversation is erased from Rasa's tracker store after the submit.
    events = httpx.get(
        f"{forms.rasa_url}/conversations/web:privacy-a/tracker", params={"include_events": "ALL", "token": RASA_TOKEN}
    )
    assert not [e for e in events.json()["events"] if e.get("event") == "user"]


def test_a_telegram_farmer_typing_and_sharing_numbers_leaves_no_number_anywhere(stack) -> None:
    forms, server = stack

    def say(text: str) -> str:
        before = _sent(server)
        if text.startswith("/"):
            server.push_callback(CHAT, text)
        else:
            server.push_text(CHAT, text)
        return _reply_after(server, before).text or ""

    summary = fill_until_summary(say, TG_PHONE[0], TG_ID[0])
    assert "186****1111" in summary and "4408**********1236" in summary
    assert scan(forms, [f"tg:{CHAT}"]) == {}

    assert "第 2 步" in say("电话填错了")
    before = _sent(server)
    server.push_contact(CHAT, "+86 186 0000 1111")
    summary = _reply_after(server, before, "请核对").text or ""
    assert "186****1111" in summary
    confirm = next(b["callback_data"] for row in _last(server).keyboard for b in row if "确认提交" in b["text"])
    done = say(confirm)
    reference = REFERENCE.search(done)
    assert reference is not None
    assert _contacts(forms, [reference.group(0)]) == [(TG_PHONE[1], TG_ID[1])]
    assert scan(forms, [f"tg:{CHAT}"] + [f"web:{sender}" for sender, *_ in WEB_FARMERS]) == {}


def _contacts(forms: FormStack, references: list[str]) -> list[tuple[str, str]]:
    """(phone, resident ID) of each stored application, decrypted as the station sees them (the console's cipher of
    the data key); the action server, which holds no data key, sealed them to its public key (format 3)."""
    from sqlalchemy import select

    from store.applications import ApplicationStore
    from store.crypto import FieldCipher, require_key
    from store.db import make_engine, session_factory, session_scope
    from store.models import PreApplication

    engine = make_engine(forms.database_url)
    sessions = session_factory(engine)
    store = ApplicationStore(sessions, FieldCipher(require_key("development", value=None, home=HOME)))
    try:
        with session_scope(sessions) as session:
            rows = session.scalars(select(PreApplication).where(PreApplication.reference.in_(references))).all()
            assert rows and all(row.phone_enc[:1] == row.resident_id_enc[:1] == b"\x03" for row in rows)
        return [store.reveal_contact(ref) or ("", "") for ref in references]
    finally:
        engine.dispose()


def _sent(server: FakeTelegramServer) -> int:
    return len([c for c in server.sent if c.method == "sendMessage" and c.chat_id == CHAT])


def _last(server: FakeTelegramServer) -> SentCall:
    return [c for c in server.sent if c.method == "sendMessage" and c.chat_id == CHAT][-1]


def _reply_after(server: FakeTelegramServer, count: int, contains: str = "", timeout: float = 90) -> SentCall:
    """The first message after the first `count` (containing `contains`), once the bot stopped sending."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = [c for c in server.sent if c.method == "sendMessage" and c.chat_id == CHAT][count:]
        found = [m for m in messages if contains in (m.text or "")]
        if found:
            time.sleep(0.5)  # a turn may send several messages: let them all arrive
            messages = [c for c in server.sent if c.method == "sendMessage" and c.chat_id == CHAT][count:]
            joined = "\n".join(m.text or "" for m in messages)
            return SentCall(method="sendMessage", params={**found[-1].params, "text": joined})
        time.sleep(0.1)
    pytest.fail(f"no reply containing {contains!r}: {[m.text for m in server.sent if m.chat_id == CHAT][-3:]}")


def test_log_and_database_files_were_found_to_scan(stack) -> None:
    forms, _ = stack
    assert (forms.work / "nonghui.db").exists() and forms.tracker_db.exists()
    assert list(Path(forms.work).rglob("*.log"))
