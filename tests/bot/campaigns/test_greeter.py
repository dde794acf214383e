import logging

import pytest
from sqlalchemy import select

from bot.campaigns.greeter import REJECTED_FLAG, CampaignGreeter
from bot.campaigns.payloads import PayloadSigner
from bot.campaigns.topics import first_buttons, greeting
from bot.messages import UserTurn
from store.db import session_scope
from store.models import CampaignArrival
from tests.bot.fakes import RecordingEngine


def greet(payload, *, sender="tg:42", channel="telegram", lang=None, text="/greet", **extra):
    return UserTurn(
        sender_id=sender, text=text, channel=channel, lang=lang, metadata={"start_payload": payload, **extra}
    )


def outcomes(sessions):
    with session_scope(sessions) as session:
        return [a.outcome for a in session.scalars(select(CampaignArrival).order_by(CampaignArrival.id))]


@pytest.mark.parametrize(
    ("topic", "first_payload"),
    [("scam", "/check_message"), ("insurance", "农业保险受灾了怎么理赔？"), ("loan", "扶贫小额信贷申请条件是什么？")],
)
async def test_campaign_arrival_gets_topic_greeting_and_buttons(
    topic, first_payload, signer, campaign_store, placements
):
    inner = RecordingEngine(reply="普通问候")
    greeter = CampaignGreeter(inner, signer, campaign_store)
    result = await greeter.handle(greet(signer.sign(placements[topic].code)))
    assert len(result.replies) == 1
    assert result.replies[0].text == greeting(topic, "zh")
    assert result.replies[0].buttons[0].payload == first_payload
    assert inner.turns, "the dialogue still sees the greeting turn"


async def test_scam_poster_opens_with_checking_a_message_in_english(signer, campaign_store, placements):
    greeter = CampaignGreeter(RecordingEngine(reply="Hello", lang="en"), signer, campaign_store)
    result = await greeter.handle(greet(signer.sign(placements["scam"].code), lang="en"))
    assert result.replies[0].buttons[0].title == "Check a suspicious message"
    assert result.replies[0].buttons == first_buttons("scam", "en")
    assert "scam" in result.replies[0].text


@pytest.mark.parametrize("case", ["expired", "not_started", "forged", "other key"])
async def test_expired_not_started_and_unknown_campaigns_greet_normally(
    case, signer, campaign_store, placements, sessions
):
    payload = {
        "expired": signer.sign(placements["expired"].code),
        "not_started": signer.sign(placements["not_started"].code),
        "forged": placements["scam"].code + "-aaaaaaaaaa",
        "other key": PayloadSigner(b"another-key-0123456789").sign(placements["scam"].code),
    }[case]
    result = await CampaignGreeter(RecordingEngine(reply="普通问候"), signer, campaign_store).handle(greet(payload))
    assert [r.text for r in result.replies] == ["普通问候"]
    assert outcomes(sessions) == [case if case in ("expired", "not_started") else "unknown"]


async def test_general_campaign_welcomes_with_the_usual_topic_buttons(signer, campaign_store, placements):
    greeter = CampaignGreeter(RecordingEngine(reply="普通问候"), signer, campaign_store)
    result = await greeter.handle(greet(signer.sign(placements["general"].code)))
    assert [b.payload for b in result.replies[0].buttons] == [
        "/ask_loan",
        "/ask_insurance",
        "/ask_scam",
        "/human_handoff",
    ]


async def test_rejected_telegram_payload_counts_as_unknown(signer, campaign_store, sessions):
    turn = greet(None, **{REJECTED_FLAG: True})
    result = await CampaignGreeter(RecordingEngine(reply="普通问候"), signer, campaign_store).handle(turn)
    assert result.replies[0].text == "普通问候"
    assert outcomes(sessions) == ["unknown"]


async def test_web_payload_of_illegal_characters_and_length_is_unknown(signer, campaign_store, sessions):
    greeter = CampaignGreeter(RecordingEngine(), signer, campaign_store)
    await greeter.handle(greet("<script>" * 30, sender="web:abc", channel="web"))
    await greeter.handle(greet("😀", sender="web:abc", channel="web"))
    assert outcomes(sessions) == ["unknown", "unknown"]


async def test_turns_without_payload_are_not_counted(signer, campaign_store, sessions):
    inner = RecordingEngine()
    greeter = CampaignGreeter(inner, signer, campaign_store)
    await greeter.handle(UserTurn(sender_id="tg:1", text="贷款", channel="telegram"))
    await greeter.handle(greet(None))  # plain /start
    assert outcomes(sessions) == [] and len(inner.turns) == 2


async def test_question_carrying_a_payload_is_counted_but_answered_normally(signer, campaign_store, placements):
    result = await CampaignGreeter(RecordingEngine(reply="答案"), signer, campaign_store).handle(
        greet(signer.sign(placements["loan"].code), sender="web:x", channel="web", text="贷款利息多少")
    )
    assert result.replies[0].text == "答案"


class BrokenArrivals:
    def record_arrival(self, **_kwargs):
        raise RuntimeError("database is down 13812345678")


async def test_a_storage_failure_never_fails_the_greeting(signer, placements, caplog):
    caplog.set_level(logging.INFO)
    greeter = CampaignGreeter(RecordingEngine(reply="普通问候"), signer, BrokenArrivals())
    result = await greeter.handle(greet(signer.sign(placements["scam"].code)))
    assert result.replies[0].text == "普通问候"
    assert "RuntimeError" in caplog.text and "13812345678" not in caplog.text
