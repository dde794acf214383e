from datetime import UTC, datetime, timedelta

import pytest

from bot.erasure import ConversationErasure, TrackerSweeper
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

    def erase_older_than(self, cutoff: datetime) -> int:
        return 0


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


class Requests:
    def __init__(self, requested: set[str] | None = None) -> None:
        self.requested = set(requested or ())
        self.forgotten: list[str] = []
        self.kept: list[tuple[str, str]] = []

    def purge_requested(self, conversation: str) -> bool:
        return conversation in self.requested

    def request_purge(self, conversation: str, reason: str) -> None:
        self.requested.add(conversation)
        self.kept.append((conversation, reason))

    def pending_purges(self, requested_before=None, limit: int = 500) -> list[str]:
        return sorted(self.requested)

    def purge_done(self, conversation: str) -> None:
        self.requested.discard(conversation)

    def forget(self, conversation: str) -> int:
        self.forgotten.append(conversation)
        return 1

    def expire(self) -> int:
        return 0


async def test_a_form_sent_or_cancelled_has_the_conversation_erased_after_the_turn():
    eraser, requests = Eraser(), Requests({"tg:42"})
    await ConversationErasure(Answering("inform"), eraser, requests).handle(
        UserTurn(sender_id="tg:42", text="确认提交", channel="telegram")
    )
    assert eraser.erased == ["tg:42"] and requests.forgotten == ["tg:42"] and not requests.requested


async def test_a_deletion_whose_erasure_failed_says_so_and_is_retried_later():
    requests = Requests()
    result = await ConversationErasure(Answering("confirm_delete_data"), Eraser(fail=True), requests).handle(
        UserTurn(sender_id="web:a", text="/confirm_delete_data", channel="web")
    )
    assert result.replies[0].text == "已删除"
    assert "没能从对话系统里删掉" in result.replies[-1].text
    assert requests.requested == {"web:a"}

    eraser = Eraser()
    report = TrackerSweeper(eraser, requests, max_age=timedelta(days=30)).sweep()
    assert eraser.erased == ["web:a"] and report.conversations == 1 and not requests.requested


async def test_the_sweep_erases_events_older_than_the_configured_age():
    class AgeEraser(Eraser):
        def erase_older_than(self, cutoff: datetime) -> int:
            self.cutoff = cutoff
            return 7

    eraser = AgeEraser()
    now = datetime(2026, 12, 4, tzinfo=UTC)
    report = TrackerSweeper(eraser, Requests(), max_age=timedelta(days=30), clock=lambda: now).sweep()
    assert report.old_events == 7 and eraser.cutoff == now - timedelta(days=30)
