from collections.abc import Sequence

import pytest

from bot.messages import BotReply, IntentInfo, SourceRef, TurnResult, UserTurn
from bot.transcript import TranscriptRecorder, records_for
from store.transcript import TurnRecord


class ListTranscript:
    def __init__(self, fail: bool = False) -> None:
        self.records: list[TurnRecord] = []
        self.fail = fail

    def record_turns(self, records: Sequence[TurnRecord]) -> None:
        if self.fail:
            raise RuntimeError("database is down")
        self.records.extend(records)


class Answering:
    def __init__(self, result: TurnResult) -> None:
        self.result = result

    async def handle(self, turn: UserTurn) -> TurnResult:
        return self.result


def _result(intent: str, *, sourced: bool) -> TurnResult:
    sources = [SourceRef(title="小额信贷政策", locator="第二节")] if sourced else []
    return TurnResult(
        replies=[BotReply(text="不需要抵押。", sources=sources), BotReply(text="")],
        intent=IntentInfo(name=intent, confidence=0.9),
        lang="zh",
    )


async def test_farmer_turn_and_replies_are_recorded_with_personal_data_masked():
    transcript = ListTranscript()
    engine = TranscriptRecorder(Answering(_result("ask_loan", sourced=True)), transcript)
    turn = UserTurn(sender_id="tg:42", text="我电话13812345678，代款要抵押吗", channel="telegram")
    result = await engine.handle(turn)
    assert result.replies[0].text == "不需要抵押。"
    inbound, outbound = transcript.records
    assert "13812345678" not in inbound.text and "<phone>" in inbound.text
    assert (inbound.channel, inbound.external_id, inbound.direction) == ("telegram", "42", "in")
    assert (inbound.intent, inbound.topic, inbound.answered) == ("ask_loan", "loan", True)
    assert outbound.direction == "out" and outbound.sources == ["小额信贷政策 第二节"]


def test_question_without_a_sourced_reply_counts_as_unanswered():
    turn = UserTurn(sender_id="web:abc", text="明天下雨吗", channel="web")
    (inbound, _) = records_for(turn, _result("nlu_fallback", sourced=False))
    assert inbound.answered is False


def test_non_question_turns_have_no_answered_flag():
    turn = UserTurn(sender_id="web:abc", text="你好", channel="web")
    inbound = records_for(turn, _result("greet", sourced=False))[0]
    assert inbound.answered is None and inbound.topic == "other"


async def test_storage_failure_still_answers_the_farmer(caplog: pytest.LogCaptureFixture):
    engine = TranscriptRecorder(Answering(_result("ask_loan", sourced=True)), ListTranscript(fail=True))
    result = await engine.handle(UserTurn(sender_id="web:x", text="代款", channel="web"))
    assert result.replies[0].text == "不需要抵押。"
    assert "could not record" in caplog.text


def test_sender_ids_split_into_channel_and_external_id():
    assert UserTurn(sender_id="tg:42", text="x", channel="telegram").external_id == "42"
    assert UserTurn(sender_id="web:a:b", text="x", channel="web").external_id == "a:b"
    assert UserTurn(sender_id="plain", text="x", channel="web").external_id == "plain"
