"""The HandoffGate: opening hand-offs, keeping the bot quiet while a person answers, ratings, office hours."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.handoff.gate import HandoffGate, HandoffOptions, asks_for_person
from bot.handoff.hours import OfficeHours
from bot.handoff.texts import QUEUED_ACK, QUEUED_ACK_CLOSED, rating_payload
from bot.limits import MemoryRateLimiter
from bot.messages import BotReply, IntentInfo, TurnResult, UserTurn
from loans.stations import StationMatcher, load_stations
from store.db import session_scope
from store.models import HandoffMessage, OutboxMessage
from tests.bot.fakes import RecordingEngine
from tests.bot.staff.conftest import application_form
from tests.clock import Clock

TUESDAY_10 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in China
SUNDAY_10 = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)


def turn(text: str, sender: str = "tg:100", lang=None, **metadata) -> UserTurn:
    channel = "web" if sender.startswith("web:") else "telegram"
    return UserTurn(sender_id=sender, text=text, channel=channel, lang=lang, metadata=metadata)


def browser_turn(sender: str, address: str, lang) -> UserTurn:
    """A hand-off request from a browser at `address`."""
    return turn("/human_handoff", sender=sender, lang=lang).model_copy(update={"client_ip": address})


@pytest.fixture
def inner():
    return RecordingEngine(reply="机器人的回答")


@pytest.fixture
def gate_for(services, inner):
    def build(now=TUESDAY_10, **options):
        return HandoffGate(
            inner,
            services.handoffs,
            matcher=StationMatcher(load_stations()),
            options=HandoffOptions(**options),
            clock=Clock(now),
        )

    return build


def farmer_messages(services):
    with session_scope(services.handoffs._sessions) as session:
        return list(session.scalars(select(HandoffMessage).where(HandoffMessage.direction == "farmer")))


async def test_button_payload_opens_a_handoff_for_the_station_of_the_farmers_application(services, gate_for, inner):
    services.applications.submit_application(application_form("100", "ZJ-HX"))
    result = await gate_for().handle(turn("/human_handoff", lang="zh"))
    assert inner.turns == []
    handoff = services.handoffs.open_for("telegram", "100")
    assert handoff is not None and handoff.station.code == "ZJ-HX" and handoff.reason == "request"
    text = result.replies[0].text
    assert "河西镇农村金融服务站" in text and "周一至周六 8:00–12:00" in text and "请稍候" in text
    assert [b.payload for b in result.replies[0].buttons] == ["/handoff_cancel"]


async def test_handoff_intent_from_the_dialogue_replaces_its_answer_and_a_named_village_routes_it(
    services, gate_for, inner
):
    inner.intent = "human_handoff"
    inner.lang = "en"
    result = await gate_for().handle(turn("I want a person, I live in Dongling village", sender="web:abc"))
    handoff = services.handoffs.open_for("web", "abc")
    assert handoff is not None and handoff.station.code == "ZJ-QS" and handoff.lang == "en"
    assert result.lang == "en" and "Qingshan Rural Finance Service Station" in result.replies[0].text
    assert "机器人的回答" not in [r.text for r in result.replies]
    assert [m.text for m in farmer_messages(services)] == ["I want a person, I live in Dongling village"]


async def test_plain_words_ask_for_a_person_even_when_the_dialogue_misses_it(services, gate_for, inner):
    inner.intent = "ask_loan"
    result = await gate_for().handle(turn("我要找人"))
    assert services.handoffs.open_for("telegram", "100") is not None
    assert "农惠服务热线" in result.replies[0].text and "哪个村" in result.replies[0].text
    assert asks_for_person("can I talk to a real person?") and not asks_for_person("人工授精技术贷款")


async def test_while_open_the_bot_is_quiet_and_everything_is_kept_for_staff(services, gate_for, inner):
    gate = gate_for()
    await gate.handle(turn("/human_handoff", lang="zh"))
    quiet = await gate.handle(turn("贷款的事情"))
    photo = await gate.handle(turn("", media_type="photo", media_ref="photo-large"))
    contact = await gate.handle(turn("/share_contact", contact_phone="13812345678", contact_is_own=True))
    assert inner.turns == []
    # queued: every message is acknowledged (never "typing…" and nothing), none reaches the bot
    assert [len(r.replies) for r in (quiet, photo, contact)] == [1, 1, 1]
    assert "已经转给工作人员" in quiet.replies[0].text
    kept = [(m.text, m.media_type, m.media_ref) for m in farmer_messages(services)]
    assert kept == [("贷款的事情", None, None), ("", "photo", "photo-large"), ("📇 13812345678", "contact", None)]
    again = await gate.handle(turn("/human_handoff", lang="zh"))
    assert "已经转给工作人员" in again.replies[0].text


async def test_default_queue_handoff_moves_to_the_station_of_the_village_named_later(services, gate_for):
    gate = gate_for()
    await gate.handle(turn("/human_handoff", lang="zh"))
    result = await gate.handle(turn("我是石桥村的"))
    handoff = services.handoffs.open_for("telegram", "100")
    assert handoff.station is not None and handoff.station.code == "ZJ-QS"
    assert "青山镇农村金融服务站" in result.replies[0].text


async def test_outside_office_hours_the_farmer_hears_when_someone_will_reply(services, gate_for):
    result = await gate_for(now=SUNDAY_10).handle(turn("/human_handoff", lang="en", sender="web:x"))
    assert "closed now" in result.replies[0].text and "after tomorrow at 9:00" in result.replies[0].text
    assert services.handoffs.open_for("web", "x") is not None  # the request is kept


async def test_farmer_can_go_back_to_the_bot_and_then_the_bot_answers_again(services, gate_for, inner):
    gate = gate_for()
    await gate.handle(turn("/human_handoff", lang="zh"))
    back = await gate.handle(turn("/handoff_cancel"))
    assert "回到机器人" in back.replies[0].text and services.handoffs.open_for("telegram", "100") is None
    answer = await gate.handle(turn("小额贷款利息多少"))
    assert answer.replies[0].text == "机器人的回答"
    with session_scope(services.handoffs._sessions) as session:
        assert session.scalars(select(OutboxMessage)).all() == []  # nobody answered: no rating request


async def test_rating_after_close_is_stored_once(services, gate_for, accounts):
    gate = gate_for()
    await gate.handle(turn("/human_handoff", lang="en"))
    handoff = services.handoffs.open_for("telegram", "100")
    services.handoffs.close(handoff.id, actor="qs", reason="staff")
    thanks = await gate.handle(turn(rating_payload(5), lang="en"))
    repeat = await gate.handle(turn(rating_payload(1), lang="en"))
    assert thanks.replies[0].text == "Thank you for your rating!"
    assert repeat.replies[0].text.startswith("There is no conversation to rate")
    assert services.handoffs.recent_closed(_admin(services, accounts))[0].rating == 5


async def test_a_new_handoff_alerts_the_station_staff_group_through_the_outbox(services, gate_for):
    services.applications.submit_application(application_form("100", "ZJ-QS"))
    await gate_for(staff_groups={"ZJ-QS": "-1001234"}).handle(turn("/human_handoff", lang="zh"))
    with session_scope(services.handoffs._sessions) as session:
        alerts = [(o.channel, o.external_id, o.kind) for o in session.scalars(select(OutboxMessage))]
    assert alerts == [("telegram", "-1001234", "staff_alert")]


def test_office_hours_are_read_from_the_registry_text():
    hours = OfficeHours.parse("Mon–Fri 8:30–12:00, 14:30–17:30")
    assert hours is not None
    assert hours.is_open(datetime(2026, 12, 1, 1, 0, tzinfo=UTC))  # Tue 9:00
    assert not hours.is_open(datetime(2026, 12, 1, 5, 0, tzinfo=UTC))  # Tue 13:00 lunch break
    assert hours.next_opening(datetime(2026, 12, 1, 5, 0, tzinfo=UTC)).hour == 14
    assert hours.next_opening(datetime(2026, 12, 4, 10, 0, tzinfo=UTC)).weekday() == 0  # Fri 18:00 → Monday
    assert OfficeHours.parse("Tue–Sat 8:30–16:30").periods.keys() == {1, 2, 3, 4, 5}
    assert OfficeHours.parse("随时") is None


def _admin(services, accounts):
    token = services.staff.login("admin", "a long staff password").token
    return services.staff.session(token)[0]


def understands_as(name: str):
    async def understand(t: UserTurn) -> IntentInfo | None:
        return IntentInfo(name=name, confidence=0.9)

    return understand


def waiting_gate(services, inner, intent: str, now=SUNDAY_10):
    return HandoffGate(
        inner,
        services.handoffs,
        matcher=StationMatcher(load_stations()),
        options=HandoffOptions(),
        clock=Clock(now),
        understand=understands_as(intent),
    )


async def test_a_question_during_a_handoff_waiting_outside_office_hours_is_answered_with_a_note(services, inner):
    gate = waiting_gate(services, inner, "ask_loan")
    await gate.handle(turn("/human_handoff", lang="zh"))

    result = await gate.handle(turn("小额贷款要抵押吗"))

    assert [t.text for t in inner.turns] == ["小额贷款要抵押吗"]
    assert result.replies[0].text == "机器人的回答"
    assert "工作人员上班后会在这里回复您" in result.replies[-1].text
    assert [m.text for m in farmer_messages(services)] == ["小额贷款要抵押吗"]  # staff still see it


async def test_the_waiting_note_follows_the_language_of_the_answer(services, inner):
    inner.lang = "en"
    gate = waiting_gate(services, inner, "ask_scam")
    await gate.handle(turn("/human_handoff", lang="en", sender="web:w"))

    result = await gate.handle(turn("is 96110 the real anti-fraud line?", sender="web:w"))

    assert "the staff will follow up here" in result.replies[-1].text


async def test_a_message_that_is_not_a_question_during_a_waiting_handoff_only_goes_to_staff(services, inner):
    gate = waiting_gate(services, inner, "inform")
    await gate.handle(turn("/human_handoff", lang="zh"))

    result = await gate.handle(turn("我叫王秀英"))

    assert inner.turns == [] and [r.text for r in result.replies] == [QUEUED_ACK_CLOSED.zh]
    assert [m.text for m in farmer_messages(services)] == ["我叫王秀英"]


async def test_during_office_hours_the_bot_stays_quiet_even_for_questions(services, inner):
    gate = waiting_gate(services, inner, "ask_loan", now=TUESDAY_10)
    await gate.handle(turn("/human_handoff", lang="zh"))

    result = await gate.handle(turn("小额贷款要抵押吗"))

    assert inner.turns == [] and [r.text for r in result.replies] == [QUEUED_ACK.zh]


async def test_once_staff_have_replied_the_bot_stays_quiet_outside_office_hours_too(services, inner, accounts):
    gate = waiting_gate(services, inner, "ask_loan")
    await gate.handle(turn("/human_handoff", lang="zh"))
    handoff = services.handoffs.open_for("telegram", "100")
    assert services.handoffs.staff_reply(
        _admin(services, accounts), handoff.id, "您好，我是工作人员", lambda _view: None
    )

    result = await gate.handle(turn("小额贷款要抵押吗"))

    assert inner.turns == [] and result.replies == []


async def test_when_nlu_cannot_be_asked_a_waiting_handoff_only_keeps_the_message_for_staff(services, inner):
    async def broken(t: UserTurn) -> IntentInfo | None:
        raise RuntimeError("rasa went away")

    gate = HandoffGate(inner, services.handoffs, options=HandoffOptions(), clock=Clock(SUNDAY_10), understand=broken)
    await gate.handle(turn("/human_handoff", lang="zh"))

    result = await gate.handle(turn("小额贷款要抵押吗"))

    assert inner.turns == [] and [r.text for r in result.replies] == [QUEUED_ACK_CLOSED.zh]
    assert [m.text for m in farmer_messages(services)] == ["小额贷款要抵押吗"]


async def test_delete_during_a_handoff_runs_the_deletion_and_erases_a_shared_contact(services, gate_for):
    class Deleting:
        """The dialogue as far as deletion goes: it asks, then erases (as action_delete_farmer_data does)."""

        def __init__(self) -> None:
            self.turns: list[str] = []

        async def handle(self, turn: UserTurn) -> TurnResult:
            self.turns.append(turn.text)
            if turn.text == "/confirm_delete_data":
                services.applications.delete_farmer_data(channel="telegram", external_id="100")
                return TurnResult(
                    replies=[BotReply(text="已删除")], intent=IntentInfo(name="x", confidence=1), lang="zh"
                )
            return TurnResult(replies=[BotReply(text="确定要删除吗？")], lang="zh")

    inner = Deleting()
    gate = HandoffGate(inner, services.handoffs, options=HandoffOptions(), clock=Clock(TUESDAY_10))
    await gate.handle(turn("/human_handoff", lang="zh"))
    await gate.handle(turn("/share_contact", contact_phone="+86 138 1234 5678", contact_is_own=True))

    asked = await gate.handle(turn("/delete_data"))
    done = await gate.handle(turn("/confirm_delete_data"))

    assert inner.turns == ["/delete_data", "/confirm_delete_data"]
    assert asked.replies[0].text == "确定要删除吗？" and done.replies[0].text == "已删除"
    assert services.handoffs.open_for("telegram", "100") is None
    texts = [m.text for m in farmer_messages(services)]
    assert texts and not any("1234" in text for text in texts)


async def test_reading_the_intent_during_a_handoff_never_sends_a_personal_number(services, inner):
    understood: list[str] = []

    async def understand(t: UserTurn) -> IntentInfo | None:
        understood.append(t.text)
        return IntentInfo(name="ask_loan", confidence=0.9)

    gate = HandoffGate(
        inner, services.handoffs, options=HandoffOptions(), clock=Clock(SUNDAY_10), understand=understand
    )
    await gate.handle(turn("/human_handoff", lang="zh"))

    await gate.handle(turn("我的电话 138 1234 5678，贷款要抵押吗"))

    assert understood and not any("1234" in text for text in understood)
    assert [m.text for m in farmer_messages(services)][-1] == "我的电话 138 1234 5678，贷款要抵押吗"  # staff see it


async def test_repeated_handoff_requests_are_limited_per_conversation_with_a_polite_text(services, gate_for, inner):
    gate = gate_for(requests_per_hour=2)
    for _ in range(2):
        await gate.handle(turn("/human_handoff", lang="zh"))
        await gate.handle(turn("/handoff_cancel"))

    third = await gate.handle(turn("/human_handoff", lang="zh"))
    other_farmer = await gate.handle(turn("/human_handoff", lang="en", sender="tg:200"))

    assert "请过" in third.replies[0].text and "您" in third.replies[0].text and "96110" in third.replies[0].text
    assert services.handoffs.open_for("telegram", "100") is None  # no third alert for the staff
    assert services.handoffs.open_for("telegram", "200") is not None
    assert "minutes" not in other_farmer.replies[0].text


async def test_handoff_requests_are_limited_per_browser_address_across_conversations(services, gate_for, inner):
    gate = gate_for(requests_per_hour=5, requests_per_ip_hour=2)
    for sender in ("web:a1", "web:a2"):
        await gate.handle(
            turn("/human_handoff", lang="zh", sender=sender).model_copy(update={"client_ip": "203.0.113.7"})
        )

    third = await gate.handle(browser_turn("web:a3", "203.0.113.7", lang="zh"))
    english = await gate.handle(browser_turn("web:a4", "203.0.113.7", lang="en"))
    elsewhere = await gate.handle(browser_turn("web:b1", "198.51.100.9", lang="zh"))

    refused = third.replies[0].text
    assert "您所在的网络" in refused and "分钟" in refused and "96110" in refused
    assert "from your network" in english.replies[0].text and "minutes" in english.replies[0].text
    assert services.handoffs.open_for("web", "a3") is None and services.handoffs.open_for("web", "a4") is None
    assert services.handoffs.open_for("web", "b1") is not None and "分钟" not in elsewhere.replies[0].text


async def test_the_per_address_limit_keeps_no_address_in_clear_and_spares_turns_without_one(services, inner):
    limiter = MemoryRateLimiter()
    gate = HandoffGate(inner, services.handoffs, options=HandoffOptions(requests_per_ip_hour=1), limiter=limiter)

    await gate.handle(browser_turn("web:a1", "203.0.113.7", lang="zh"))
    for sender in ("tg:301", "tg:302"):  # a channel that knows no farmer's address is limited per conversation only
        await gate.handle(turn("/human_handoff", lang="zh", sender=sender))

    assert services.handoffs.open_for("telegram", "302") is not None
    assert limiter._events and not any("203.0.113.7" in key for key in limiter._events)


def test_the_client_address_of_a_turn_is_never_dumped_or_shown() -> None:
    sent = browser_turn("web:a1", "203.0.113.7", lang="zh")

    assert "203.0.113.7" not in repr(sent) and "203.0.113.7" not in sent.model_dump_json()
    assert "client_ip" not in sent.metadata


async def test_control_characters_never_reach_the_staff_when_the_pipeline_cleans_first(services, gate_for, inner):
    from bot.conversation import InputHygiene

    engine = InputHygiene(gate_for())
    await engine.handle(turn("/human_handoff", lang="zh"))

    await engine.handle(turn("你好\x00\x1b[31m，我\x07想问\u0000贷款\r\n第二行"))

    [message] = farmer_messages(services)
    assert message.text == "你好[31m，我想问贷款\n第二行"


def test_the_pipeline_cleans_input_before_the_handoff_gate():
    from bot.conversation import InputHygiene
    from bot.pipeline import PipelineParts, build_pipeline

    seen: list[object] = []

    def gate(inner):
        seen.append(inner)
        return inner

    pipeline = build_pipeline(
        PipelineParts(
            rasa=RecordingEngine(),
            knowledge=None,
            scam_detector=None,  # type: ignore[arg-type]
            eraser=None,  # type: ignore[arg-type]
            numbers=None,  # type: ignore[arg-type]
            erasure_requests=None,  # type: ignore[arg-type]
            handoff_gate=gate,
            campaign_greeter=lambda inner: inner,
            transcript=None,  # type: ignore[arg-type]
            contacts=None,  # type: ignore[arg-type]
        )
    )

    assert isinstance(pipeline.engine, InputHygiene) and seen


async def test_are_you_there_at_night_while_queued_gets_an_answer(services, inner):
    gate = waiting_gate(services, inner, "greet")
    await gate.handle(turn("/human_handoff", lang="zh"))

    result = await gate.handle(turn("有人吗"))

    assert [r.text for r in result.replies] == [QUEUED_ACK_CLOSED.zh]
