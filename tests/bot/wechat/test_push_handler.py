"""The push handler on its own: a farmer still gets the passive answer when the shared state fails, and a push
the handler cannot read is acknowledged without an answer."""

from __future__ import annotations

import pytest

from bot.wechat.conversation import FarmerMemory
from bot.wechat.delivery import CustomerService
from bot.wechat.push import PushHandler, push_key
from bot.wechat.security import PushSecurity, wechat_signature
from store.outbox import SqlOutbox
from tests.bot.wechat.stack import LOAN_ANSWER, ScriptedRasa
from tests.fakes.wechat_platform import APP_ID, TOKEN, FakeWeChat


class BrokenState:
    """A shared state whose database is down."""

    def get(self, scope, key):
        raise ConnectionError("down")

    put = add = swap = discard = get


class MemorySeen:
    def __init__(self):
        self.seen = set()

    def mark_seen(self, *, source, update_id):
        first = (source, update_id) not in self.seen
        self.seen.add((source, update_id))
        return first


class NoHandoffs:
    def open_for(self, channel, external_id):
        return None


def handler(state, outbox) -> PushHandler:
    memory = FarmerMemory(state, window_hours=48)
    return PushHandler(
        security=PushSecurity(token=TOKEN, mode="plain", app_id=APP_ID),
        dialogue=ScriptedRasa(),
        seen=MemorySeen(),
        state=state,
        handoffs=NoHandoffs(),
        outbox=outbox,
        memory=memory,
        customer_service=CustomerService(None, memory, outbox, quota=20),
        api=None,
        passive_seconds=2.0,
    )


@pytest.fixture
def outbox(tmp_path):
    from store.db import make_engine, migrate, session_factory

    engine = make_engine(f"sqlite:///{tmp_path / 'h.db'}")
    migrate(engine)
    yield SqlOutbox(session_factory(engine))
    engine.dispose()


async def test_the_answer_is_still_passive_when_the_shared_state_is_down(outbox):
    platform = FakeWeChat()
    xml = platform._xml("o1", "text", {"Content": "贷款要抵押吗", "MsgId": 42}, create_time=None)
    query, body = platform.sign(xml)
    reply = await handler(BrokenState(), outbox).receive(query, body.encode())
    assert reply.status == 200 and LOAN_ANSWER in (platform.open_reply(query, reply.body) or "")


async def test_a_signed_push_that_is_not_xml_is_acknowledged_without_an_answer(outbox):
    query = {"timestamp": "1", "nonce": "n", "signature": wechat_signature(TOKEN, "1", "n")}
    reply = await handler(BrokenState(), outbox).receive(query, b"not xml at all")
    assert (reply.status, reply.body) == (200, "success")


def test_events_are_told_apart_by_sender_time_and_kind():
    from wechatpy import parse_message

    def event(name: str, when: int):
        return parse_message(
            f"<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>{when}</CreateTime>"
            f"<MsgType>event</MsgType><Event>{name}</Event></xml>"
        )

    assert push_key(event("subscribe", 1)) == push_key(event("subscribe", 1))
    assert push_key(event("subscribe", 1)) != push_key(event("subscribe", 2))
    assert push_key(event("subscribe", 1)) != push_key(event("unsubscribe", 1))
    assert push_key(event("subscribe", 1))[0] == "wechat-event"
