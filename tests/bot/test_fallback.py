import pytest

from bot.errors import DialogueUnavailable
from bot.fallback import ResilientDialogue
from bot.messages import SourceRef, UserTurn
from bot.texts import text
from knowledge.answer_types import Answer, SourceInfo
from tests.bot.fakes import DownEngine, FakeKnowledge, RecordingEngine

LOAN_ANSWER = Answer(
    text="脱贫户可以申请5万元以下、3年以内的小额信贷。",
    lang="zh",
    confident=True,
    sources=[SourceInfo(title="小额信贷政策", locator="第1节", url="https://example.org/loan")],
)


def turn(text: str, lang: str | None = None) -> UserTurn:
    return UserTurn(sender_id="web:1", text=text, channel="web", lang=lang)  # type: ignore[arg-type]


async def test_primary_result_is_returned_when_it_answers() -> None:
    knowledge = FakeKnowledge(LOAN_ANSWER)
    engine = ResilientDialogue(RecordingEngine(reply="来自Rasa"), knowledge)

    result = await engine.handle(turn("贷款"))

    assert [r.text for r in result.replies] == ["来自Rasa"]
    assert result.intent is not None
    assert knowledge.questions == []


async def test_primary_down_answers_from_knowledge_with_note_and_sources() -> None:
    knowledge = FakeKnowledge(LOAN_ANSWER)
    engine = ResilientDialogue(DownEngine(), knowledge)

    result = await engine.handle(turn("脱贫户能贷多少钱？"))

    assert knowledge.questions == [("脱贫户能贷多少钱？", "zh", None)]
    assert len(result.replies) == 1
    reply = result.replies[0]
    assert LOAN_ANSWER.text in reply.text
    assert text("partly_unavailable_note", "zh") in reply.text
    assert reply.sources == [SourceRef(title="小额信贷政策", locator="第1节", url="https://example.org/loan")]
    assert result.intent is None
    assert result.lang == "zh"


async def test_knowledge_answer_follows_the_turn_language() -> None:
    answer = Answer(text="Ask your county credit cooperative.", lang="en", confident=False)
    knowledge = FakeKnowledge(answer)
    engine = ResilientDialogue(DownEngine(), knowledge)

    result = await engine.handle(turn("贷款", lang="en"))

    assert knowledge.questions[0][1] == "en"
    assert result.lang == "en"
    assert text("partly_unavailable_note", "en") in result.replies[0].text


async def test_knowledge_failing_too_gives_the_polite_unavailable_reply() -> None:
    engine = ResilientDialogue(DownEngine(), FakeKnowledge(error=RuntimeError("index missing")))

    result = await engine.handle(turn("how do I insure my pigs"))

    assert [r.text for r in result.replies] == [text("unavailable", "en")]
    assert "96110" in result.replies[0].text
    assert result.intent is None
    assert result.lang == "en"


async def test_without_knowledge_the_polite_reply_is_given() -> None:
    result = await ResilientDialogue(DownEngine(), None).handle(turn("保险怎么买"))

    assert [r.text for r in result.replies] == [text("unavailable", "zh")]


async def test_button_payload_is_not_sent_to_knowledge() -> None:
    knowledge = FakeKnowledge(LOAN_ANSWER)
    engine = ResilientDialogue(DownEngine(), knowledge)

    result = await engine.handle(turn("/ask_loan", lang="zh"))

    assert knowledge.questions == []
    assert [r.text for r in result.replies] == [text("unavailable", "zh")]


async def test_unknown_language_gets_the_reply_in_both_languages() -> None:
    result = await ResilientDialogue(DownEngine(), FakeKnowledge(LOAN_ANSWER)).handle(turn("👍👍"))

    assert text("unavailable", "zh") in result.replies[0].text
    assert text("unavailable", "en") in result.replies[0].text


async def test_empty_knowledge_answer_gives_the_polite_reply() -> None:
    empty = Answer(text="  ", lang="zh", confident=False)

    result = await ResilientDialogue(DownEngine(), FakeKnowledge(empty)).handle(turn("贷款"))

    assert [r.text for r in result.replies] == [text("unavailable", "zh")]


@pytest.mark.parametrize("error", [DialogueUnavailable("down"), RuntimeError("bug in adapter")])
async def test_never_raises_whatever_the_primary_raises(error: Exception) -> None:
    result = await ResilientDialogue(DownEngine(error), None).handle(turn("贷款"))

    assert result.replies
