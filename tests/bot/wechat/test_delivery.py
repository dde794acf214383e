"""Customer-service delivery of a turn's answer: within the quota, combined when little is left, and what cannot
go now is held in the outbox until the farmer writes again — never dropped."""

from __future__ import annotations

import pytest

from bot.wechat.api import QuotaExceeded, WeChatApiError
from bot.wechat.conversation import FarmerMemory
from bot.wechat.delivery import CustomerService, fit_to_quota
from store.channel_state import SqlChannelState
from store.db import make_engine, migrate, session_factory
from store.outbox import SqlOutbox


class RecordingApi:
    """Sends until `refuse_after` messages, then answers like WeChat with errcode 45047."""

    def __init__(self, refuse_after: int = 100, error: type[WeChatApiError] = QuotaExceeded) -> None:
        self.sent: list[str] = []
        self.refuse_after = refuse_after
        self.error = error

    async def send_text(self, openid: str, content: str) -> None:
        if len(self.sent) >= self.refuse_after:
            raise self.error(45047, "custom send")
        self.sent.append(content)


@pytest.fixture
def sessions(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'd.db'}")
    migrate(engine)
    yield session_factory(engine)
    engine.dispose()


def service(sessions, api, quota):
    memory = FarmerMemory(SqlChannelState(sessions), window_hours=48)
    memory.farmer_wrote("o1")
    outbox = SqlOutbox(sessions)
    return CustomerService(api, memory, outbox, quota=quota), outbox  # type: ignore[arg-type]


def test_fit_to_quota_combines_then_keeps_the_rest_for_later():
    assert fit_to_quota(["警告", "答案"], 1) == (["警告\n\n答案"], [])
    big = ["字" * 600, "字" * 600, "字" * 600]
    assert fit_to_quota(big, 2) == (big[:2], big[2:])
    assert fit_to_quota(big, 0) == ([], big)


async def test_with_one_message_left_the_replies_go_as_one(sessions):
    api = RecordingApi()
    cs, outbox = service(sessions, api, quota=1)
    assert await cs.deliver("o1", ["⚠️ 诈骗风险：高", "扶贫小额信贷不需要抵押。"], "zh") == 1
    assert api.sent == ["⚠️ 诈骗风险：高\n\n扶贫小额信贷不需要抵押。"]
    assert outbox.waiting_count("wechat", "o1") == 0


async def test_what_the_platform_refuses_is_held_until_the_farmer_writes(sessions):
    api = RecordingApi(refuse_after=1)
    cs, outbox = service(sessions, api, quota=20)
    big = ["甲" * 600, "乙" * 600]
    assert await cs.deliver("o1", big, "zh") == 1
    assert api.sent == [big[0]]
    assert outbox.waiting_count("wechat", "o1") == 1
    assert outbox.release_waiting("wechat", "o1") == 1
    (held,) = outbox.pending("wechat")
    assert held.text == big[1]


async def test_an_unreachable_api_queues_the_answer_for_retries(sessions):
    api = RecordingApi(refuse_after=0, error=WeChatApiError)
    cs, outbox = service(sessions, api, quota=20)
    assert await cs.deliver("o1", ["答案"], "zh") == 0
    (queued,) = outbox.pending("wechat")
    assert queued.text == "答案" and outbox.waiting_count("wechat", "o1") == 0
