"""The WeChat channel driven through a fake WeChat platform over real loopback HTTP: pushes signed (and in safe
mode encrypted) by the platform, its 5-second deadline and retries, and its API (token, customer-service
messages with quota and window, media, QR codes, menu)."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import select

from bot.campaigns.keys import decode_campaign_key
from bot.campaigns.payloads import PayloadSigner
from bot.campaigns.topics import greeting
from bot.voice.listener import VoiceNotes
from bot.wechat.conversation import FarmerMemory
from bot.wechat.security import wechat_signature
from core.intents import Intent
from store.campaign_report import CampaignReports
from store.campaigns import CampaignSpec, PlacementSpec
from store.channel_state import SqlChannelState
from store.db import session_scope
from store.models import HandoffMessage
from store.staff import SqlStaff
from tests.bot.staff.conftest import PASSWORD, application_form
from tests.bot.wechat.stack import (
    LOAN_ANSWER,
    LONG_WORD,
    SLOW_WORD,
    ScriptedRasa,
    new_campaign_key,
    running_worker,
    shared_database,
    worker_settings,
)
from tests.fakes.wechat_platform import TOKEN, FakeWeChat

pytestmark = pytest.mark.integration

FARMER = "oFarmer0000000000000000001"


@pytest.fixture
def sessions(tmp_path):
    return shared_database(tmp_path)


@pytest.fixture
def key():
    return new_campaign_key()


async def wait_until(check, timeout: float = 15.0):
    """Poll `check` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await asyncio.to_thread(check)
        if value:
            return value
        await asyncio.sleep(0.05)
    pytest.fail("condition not met in time")


async def staff_login(client: httpx.AsyncClient, username: str) -> None:
    page = await client.get("/staff/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    await client.post("/staff/login", data={"username": username, "password": PASSWORD, "csrf_token": token})


async def staff_post(client: httpx.AsyncClient, path: str, data: dict[str, str]) -> httpx.Response:
    page = await client.get("/staff/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return await client.post(path, data={**data, "csrf_token": token})


async def test_handshake_echoes_and_a_forged_signature_is_refused(sessions, tmp_path, key):
    with FakeWeChat() as wechat:
        async with running_worker(sessions, worker_settings(tmp_path, wechat, key), ScriptedRasa()) as worker:
            async with httpx.AsyncClient() as http:
                stamp, nonce = "1733300000", "abc"
                good = {"timestamp": stamp, "nonce": nonce, "echostr": "4711", "signature": ""}
                good["signature"] = wechat_signature(TOKEN, stamp, nonce)
                ok = await http.get(worker.url, params=good)
                bad = await http.get(worker.url, params={**good, "signature": "0" * 40})
            forged = await wechat.send_text(worker.url, FARMER, "贷款要抵押吗", forged=True)
    assert ok.status_code == 200 and ok.text == "4711"
    assert bad.status_code == 403
    assert forged.passive is None and set(forged.statuses) == {403}
    assert worker.rasa.turns == []  # nothing a forger sent reached the dialogue


async def test_a_question_is_answered_passively_with_its_source(sessions, tmp_path, key):
    with FakeWeChat() as wechat:
        async with running_worker(sessions, worker_settings(tmp_path, wechat, key), ScriptedRasa()) as worker:
            push = await wechat.send_text(worker.url, FARMER, "扶贫小额信贷要抵押吗？")
    assert push.attempts == 1
    assert push.passive is not None and LOAN_ANSWER in push.passive
    assert "📖 来源：《小额信贷指南》 第二节" in push.passive
    assert wechat.sent() == []  # no customer-service message needed


async def test_a_long_answer_starts_passively_and_the_rest_follows_once_by_customer_service(sessions, tmp_path, key):
    with FakeWeChat() as wechat:
        async with running_worker(sessions, worker_settings(tmp_path, wechat, key), ScriptedRasa()) as worker:
            push = await wechat.send_text(worker.url, FARMER, f"{LONG_WORD}贷款条件")
            await wait_until(lambda: len(wechat.sent(FARMER)) >= 2)
            await asyncio.sleep(0.5)
    assert push.passive is not None and push.passive.startswith("第1段")
    assert [text[:3] for text in wechat.sent(FARMER)] == ["第2段", "第3段"]
    assert all(len(text.encode()) <= 2048 for text in [push.passive, *wechat.sent(FARMER)])


async def test_a_slow_answer_goes_out_once_by_customer_service_across_three_retries(sessions, tmp_path, key):
    # Every attempt times out at the platform (its deadline is shorter than the bot's wait), as on a slow link.
    with FakeWeChat(deadline=0.3) as wechat:
        settings = worker_settings(tmp_path, wechat, key, wechat_passive_seconds=1.0)
        async with running_worker(sessions, settings, ScriptedRasa(slow_seconds=2.0)) as worker:
            push = await wechat.send_text(worker.url, FARMER, f"让我{SLOW_WORD}：贷款利息多少？")
            await wait_until(lambda: wechat.sent(FARMER))
            await asyncio.sleep(1.0)  # time for any duplicate to show up
    assert push.statuses == ("timeout", "timeout", "timeout") and push.passive is None
    assert len(wechat.sent(FARMER)) == 1 and LOAN_ANSWER in wechat.sent(FARMER)[0]
    assert [t.text for t in worker.rasa.turns].count(f"让我{SLOW_WORD}：贷款利息多少？") == 1


async def test_a_scam_paste_gets_the_warning_then_the_answer(sessions, tmp_path, key):
    scam = "【公安局】您的银行账户涉嫌洗钱，请立即把资金转到安全账户，并提供验证码，否则冻结。"
    with FakeWeChat() as wechat:
        async with running_worker(sessions, worker_settings(tmp_path, wechat, key), ScriptedRasa()) as worker:
            push = await wechat.send_text(worker.url, FARMER, scam)
            await asyncio.sleep(0.3)
    seen = "\n".join([push.passive or "", *wechat.sent(FARMER)])
    assert "96110" in seen and LOAN_ANSWER in seen
    assert seen.index("96110") < seen.index(LOAN_ANSWER)  # the warning first


async def test_numbered_reply_link_tap_and_menu_click_send_the_button_payloads(sessions, tmp_path, key):
    with FakeWeChat() as wechat:
        async with running_worker(sessions, worker_settings(tmp_path, wechat, key), ScriptedRasa()) as worker:
            hello = await wechat.event(worker.url, FARMER, "subscribe")
            by_number = await wechat.send_text(worker.url, FARMER, "1")
            again = await wechat.event(worker.url, FARMER, "subscribe", create_time=int(time.time()) + 1)
            link_id = re.search(r'msgmenucontent=核实可疑短信&msgmenuid=(\w+)"', again.passive or "").group(1)
            by_link = await wechat.tap_link(worker.url, FARMER, "核实可疑短信", link_id)
            by_typed_number_without_buttons = await wechat.send_text(worker.url, FARMER, "2")
            by_menu = await wechat.event(
                worker.url, FARMER, "CLICK", Intent.APPLY_LOAN.payload, create_time=int(time.time()) + 2
            )
    assert hello.passive is not None
    assert re.search(
        r'1\. <a href="weixin://bizmsgmenu\?msgmenucontent=我要申请贷款&msgmenuid=\w+_1">我要申请贷款</a>',
        hello.passive,
    )
    assert by_number.passive and "预申请" in by_number.passive
    assert by_link.passive and "可疑短信" in by_link.passive
    assert by_menu.passive and "预申请" in by_menu.passive
    texts = [t.text for t in worker.rasa.turns]
    assert texts == [
        Intent.GREET.payload,
        Intent.APPLY_LOAN.payload,
        Intent.GREET.payload,
        Intent.CHECK_MESSAGE.payload,
        "2",  # the last answer offered no buttons: a typed number is just text
        Intent.APPLY_LOAN.payload,
    ]
    assert by_typed_number_without_buttons.passive


async def test_a_qr_scan_arrival_ending_in_a_pre_application_is_counted(sessions, tmp_path, key):
    with FakeWeChat() as wechat:
        async with running_worker(sessions, worker_settings(tmp_path, wechat, key), ScriptedRasa()) as worker:
            store = worker.campaigns.store
            today = date.today()
            store.add_campaign(
                CampaignSpec(
                    slug="qs-loan",
                    name="春耕贷款",
                    organiser="县农业农村局",
                    topic="loan",
                    starts_on=today - timedelta(days=1),
                    ends_on=today + timedelta(days=30),
                )
            )
            placement = store.add_placement("qs-loan", PlacementSpec(kind="poster", location="东岭村村委会"))
            payload = PayloadSigner(decode_campaign_key(key)).sign(placement.code)
            arrival = await wechat.event(worker.url, FARMER, "subscribe", f"qrscene_{payload}")
            question = await wechat.send_text(worker.url, FARMER, "贷款要抵押吗")
            # A tap on the greeting's "apply" link, after an answer without buttons: older links still work.
            link = re.search(r'msgmenucontent=([^&]*预申请)&msgmenuid=(\w+)"', arrival.passive or "")
            applying = await wechat.tap_link(worker.url, FARMER, link.group(1), link.group(2))
            # The form's last step, as the action server stores it for this WeChat farmer.
            worker.console.services.applications.submit_application(application_form(FARMER, "ZJ-QS", channel="wechat"))
            rescan = await wechat.event(worker.url, FARMER, "SCAN", payload)
            await wechat.event(worker.url, FARMER, "unsubscribe")
            memory = FarmerMemory(SqlChannelState(sessions), window_hours=48)
            unsubscribed = memory.unsubscribed_at(FARMER)
    assert arrival.passive is not None and greeting("loan", "zh") in arrival.passive
    assert question.passive and LOAN_ANSWER in question.passive
    assert applying.passive and "预申请" in applying.passive
    assert rescan.passive and greeting("loan", "zh") in rescan.passive
    (funnel,) = CampaignReports(sessions).funnel(campaign="qs-loan").placements
    assert (funnel.arrivals, funnel.asked, funnel.started, funnel.submitted) == (1, 1, 1, 1)
    assert unsubscribed is not None


async def test_hand_off_photo_staff_reply_and_status_notice_reach_the_farmer(sessions, tmp_path, key):
    SqlStaff(sessions).create_user(username="qs", password=PASSWORD, display_name="青山小王", station_code="ZJ-QS")
    with FakeWeChat() as wechat:
        async with running_worker(sessions, worker_settings(tmp_path, wechat, key), ScriptedRasa()) as worker:
            opened = await wechat.event(worker.url, FARMER, "CLICK", Intent.HUMAN_HANDOFF.payload)
            await wechat.send_image(worker.url, FARMER, "photo-1")
            handoff = worker.handoff.handoffs.open_for("wechat", FARMER)
            reference = worker.console.services.applications.submit_application(
                application_form(FARMER, "ZJ-QS", channel="wechat")
            ).application.reference
            async with httpx.AsyncClient(base_url=worker.base, follow_redirects=False) as client:
                await staff_login(client, "qs")
                replied = await staff_post(
                    client,
                    f"/staff/handoffs/{handoff.id}/reply",
                    {"text": "您好，我是服务站小王，请问您需要什么帮助？"},
                )
                changed = await staff_post(
                    client, f"/staff/applications/{reference}/status", {"status": "contacted", "tell_farmer": "1"}
                )
            await wait_until(lambda: len(wechat.sent(FARMER)) >= 2)
    with session_scope(sessions) as session:
        media = list(session.scalars(select(HandoffMessage.media_type).where(HandoffMessage.handoff_id == handoff.id)))
    assert opened.passive is not None
    assert replied.status_code == 303 and changed.status_code == 303
    sent = wechat.sent(FARMER)
    assert sent[0].endswith("您好，我是服务站小王，请问您需要什么帮助？")
    assert reference in sent[1]
    assert "photo" in media  # the photo reached the staff's thread


async def test_with_the_quota_used_up_staff_see_it_waits_and_it_arrives_when_the_farmer_writes(sessions, tmp_path, key):
    SqlStaff(sessions).create_user(username="qs", password=PASSWORD, display_name="青山小王", station_code="ZJ-QS")
    with FakeWeChat(quota=2) as wechat:
        async with running_worker(sessions, worker_settings(tmp_path, wechat, key), ScriptedRasa()) as worker:
            await wechat.event(worker.url, FARMER, "CLICK", Intent.HUMAN_HANDOFF.payload)
            handoff = worker.handoff.handoffs.open_for("wechat", FARMER)
            async with httpx.AsyncClient(base_url=worker.base, follow_redirects=False) as client:
                await staff_login(client, "qs")
                for number in (1, 2, 3):
                    await staff_post(client, f"/staff/handoffs/{handoff.id}/reply", {"text": f"第{number}条回复"})
                await wait_until(lambda: len(wechat.sent(FARMER)) >= 2)
                await wait_until(lambda: worker.handoff.outbox.waiting_count("wechat", FARMER) == 1)
                page = (await client.get(f"/staff/handoffs/{handoff.id}")).text
                assert len(wechat.sent(FARMER)) == 2
                # The farmer writes again: the window and quota open, and the held reply goes out.
                await wechat.send_text(worker.url, FARMER, "好的，谢谢")
                await wait_until(lambda: len(wechat.sent(FARMER)) >= 3)
                # The window closes (48 hours pass): the next reply waits for the farmer's next message.
                wechat.close_window(FARMER)
                await staff_post(client, f"/staff/handoffs/{handoff.id}/reply", {"text": "第4条回复"})
                await wait_until(lambda: worker.handoff.outbox.waiting_count("wechat", FARMER) == 1)
                closed_page = (await client.get(f"/staff/handoffs/{handoff.id}")).text
                await wechat.send_text(worker.url, FARMER, "在吗")
                await wait_until(lambda: any("第4条回复" in t for t in wechat.sent(FARMER)))
    assert 'id="waiting-for-farmer"' in page and 'id="waiting-for-farmer"' in closed_page
    texts = wechat.sent(FARMER)
    assert [n for n in (1, 2, 3, 4) if any(f"第{n}条回复" in t for t in texts)] == [1, 2, 3, 4]
    assert sum("第3条回复" in t for t in texts) == 1


async def test_a_voice_note_is_downloaded_and_answered_please_type(sessions, tmp_path, key):
    with FakeWeChat() as wechat:
        audio = wechat.add_voice("voice-media-1", seconds=2.0)
        async with running_worker(sessions, worker_settings(tmp_path, wechat, key), ScriptedRasa()) as worker:
            push = await wechat.send_voice(worker.url, FARMER, "voice-media-1")
    assert push.passive is not None and "请打字或点按钮" in push.passive
    assert "please type or tap a button" in push.passive  # language unknown yet: both
    assert wechat.count("/cgi-bin/media/get") == 1 and len(audio) > 100
    assert worker.rasa.turns == []


async def test_a_voice_note_is_heard_and_read_back_before_anything_is_done(sessions, tmp_path, key):
    from knowledge.transcripts import TranscriptCorrector
    from tests.bot.voice.clips import ScriptedRecogniser

    voice = VoiceNotes(ScriptedRecogniser("扶貧貸款要抵押嗎"), TranscriptCorrector())
    with FakeWeChat() as wechat:
        wechat.add_voice("voice-media-2", seconds=2.0)
        settings = worker_settings(tmp_path, wechat, key)
        async with running_worker(sessions, settings, ScriptedRasa(), voice=voice) as worker:
            push = await wechat.send_voice(worker.url, FARMER, "voice-media-2")
    heard = push.passive or "".join(wechat.sent(FARMER))
    assert "我听到的是：「扶贫贷款要抵押吗」" in heard
    assert "请打字或点按钮" not in heard


async def test_a_voice_note_in_a_hand_off_reaches_staff_as_audio_plus_transcript(sessions, tmp_path, key):
    from knowledge.transcripts import TranscriptCorrector
    from tests.bot.voice.clips import ScriptedRecogniser

    voice = VoiceNotes(ScriptedRecogniser("我家的豬病了"), TranscriptCorrector())
    with FakeWeChat() as wechat:
        wechat.add_voice("voice-media-3", seconds=2.0)
        settings = worker_settings(tmp_path, wechat, key)
        async with running_worker(sessions, settings, ScriptedRasa(), voice=voice) as worker:
            await wechat.event(worker.url, FARMER, "CLICK", Intent.HUMAN_HANDOFF.payload)
            push = await wechat.send_voice(worker.url, FARMER, "voice-media-3")
            handoff = worker.handoff.handoffs.open_for("wechat", FARMER)
    with session_scope(sessions) as session:
        kept = session.execute(
            select(HandoffMessage.text, HandoffMessage.media_type, HandoffMessage.media_ref).where(
                HandoffMessage.handoff_id == handoff.id, HandoffMessage.direction == "farmer"
            )
        ).all()
    assert [tuple(row) for row in kept] == [("我家的猪病了", "voice", "voice-media-3")]
    assert "我听到的是" not in (push.passive or "") + "".join(wechat.sent(FARMER))  # no read-back in a hand-off


async def test_safe_mode_throughout_a_conversation(sessions, tmp_path, key):
    with FakeWeChat(mode="safe") as wechat:
        async with running_worker(sessions, worker_settings(tmp_path, wechat, key), ScriptedRasa()) as worker:
            query, body = wechat.sign("<xml><Content>明文</Content></xml>")
            hello = await wechat.event(worker.url, FARMER, "subscribe")
            button = await wechat.send_text(worker.url, FARMER, "1")
            answer = await wechat.send_text(worker.url, FARMER, "扶贫小额信贷要抵押吗？")
            location = await wechat.send_location(worker.url, FARMER, "样例县青山镇东岭村")
            async with httpx.AsyncClient() as http:
                tampered = await http.post(
                    worker.url, params={**query, "msg_signature": "0" * 40}, content=body.encode()
                )
    assert "明文" not in body and "<Encrypt>" in body  # the push itself is encrypted
    assert hello.passive and "我是农惠" in hello.passive
    assert answer.passive and LOAN_ANSWER in answer.passive
    assert button.passive and "预申请" in button.passive
    assert location.passive and "青山镇农村金融服务站" in location.passive
    assert tampered.status_code == 403


async def test_two_workers_receiving_the_same_retried_push_answer_it_once(sessions, tmp_path, key):
    # The first attempt reaches worker A and times out at the platform; the retry reaches worker B.
    with FakeWeChat(deadline=0.4) as wechat:
        settings = worker_settings(tmp_path, wechat, key, wechat_passive_seconds=3.0)
        rasa_a, rasa_b = ScriptedRasa(think_seconds=0.6), ScriptedRasa(think_seconds=0.6)
        async with (
            running_worker(sessions, settings, rasa_a) as worker_a,
            running_worker(sessions, settings, rasa_b) as worker_b,
        ):
            push = await wechat.send_text([worker_a.url, worker_b.url], FARMER, "扶贫小额信贷要抵押吗？")
            await asyncio.sleep(1.0)
    assert push.statuses[0] == "timeout" and push.attempts >= 2
    assert push.passive is not None and LOAN_ANSWER in push.passive  # the retry carried the passive reply
    assert len(rasa_a.turns) + len(rasa_b.turns) == 1
    assert wechat.sent() == []
