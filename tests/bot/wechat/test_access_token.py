"""The access token: fetched once with `stable_token` for all bot workers (shared state), fetched again when
WeChat rejects it, and never written to the logs."""

from __future__ import annotations

import logging

import httpx
import pytest

from bot.wechat.api import STATE_SCOPE, TOKEN_KEY, QuotaExceeded, WeChatApi
from store.channel_state import SqlChannelState
from store.db import make_engine, migrate, session_factory
from tests.fakes.wechat_platform import APP_ID, APP_SECRET, FakeWeChat

pytestmark = pytest.mark.integration


@pytest.fixture
def state(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'token.db'}")
    migrate(engine)
    yield SqlChannelState(session_factory(engine))
    engine.dispose()


async def test_two_workers_share_one_token_and_a_rejected_token_is_fetched_again(state, caplog):
    caplog.set_level(logging.DEBUG)
    with FakeWeChat(quota=3) as wechat:
        wechat.farmer_wrote("o1")
        async with httpx.AsyncClient() as http:
            workers = [
                WeChatApi(http, base_url=wechat.base_url, app_id=APP_ID, app_secret=APP_SECRET, state=state)
                for _ in range(2)
            ]
            await workers[0].send_text("o1", "第一条")
            await workers[1].send_text("o1", "第二条")
            assert wechat.count("/cgi-bin/stable_token") == 1
            token = state.get(STATE_SCOPE, TOKEN_KEY)
            wechat.revoke_tokens()
            await workers[1].send_text("o1", "第三条")
            assert wechat.count("/cgi-bin/stable_token") == 2
            assert state.get(STATE_SCOPE, TOKEN_KEY) != token
            with pytest.raises(QuotaExceeded):
                await workers[0].send_text("o1", "第四条")
    assert wechat.sent("o1") == ["第一条", "第二条", "第三条"]
    assert token and token not in caplog.text
