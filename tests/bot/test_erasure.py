import pytest

from bot.erasure import ConversationErasure
from bot.messages import BotReply, IntentInfo, TurnResult, UserTurn


class Eraser:
    def __init__(self, fail: bool = False) -> None:
        self.erased: list[str] = []
        self.fail = fail

    def erase(self, sender_id: str) -> int:
        if self.fail:
            raise RuntimeError("tracker store is down")
        self.erased.append(sender_id)
        return 3


class Answering:
    def __init__(self, intent: str) -> None:
        self.intent = intent

    async def handle(self, turn: UserTurn) -> TurnResult:
        return TurnResult(
            replies=[BotReply(text="已删除")], intent=IntentInfo(name=self.intent, confidence=1.0), lang="zh"
        )


async def test_confirmed_deletion_erases_the_conversation_after_answering():
    eraser = Eraser()
    result = await ConversationErasure(Answering("confirm_delete_data"), eraser).handle(
        UserTurn(sender_id="tg:42", text="/confirm_delete_data", channel="telegram")
    )
    assert result.replies[0].text == "已删除"
    assert eraser.erased == ["tg:42"]


async def test_other_turns_leave_the_conversation_alone():
    eraser = Eraser()
    await ConversationErasure(Answering("delete_data"), eraser).handle(
        UserTurn(sender_id="tg:42", text="删除我的信息", channel="telegram")
    )
    assert eraser.erased == []


async def test_a_failing_eraser_still_answers_the_farmer(caplog: pytest.LogCaptureFixture):
    result = await ConversationErasure(Answering("confirm_delete_data"), Eraser(fail=True)).handle(
        UserTurn(sender_id="web:a", text="/confirm_delete_data", channel="web")
    )
    assert result.replies[0].text == "已删除"
    assert "could not erase" in caplog.text
