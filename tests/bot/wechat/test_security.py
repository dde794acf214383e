"""Push security: signatures in both modes, and safe mode's AES both ways (wechatpy)."""

from __future__ import annotations

import pytest

from bot.wechat.security import PushRejected, PushSecurity, wechat_signature
from tests.fakes.wechat_platform import APP_ID, TOKEN, FakeWeChat, new_aes_key

XML = "<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName></xml>"


def test_the_handshake_echoes_only_with_the_right_signature():
    security = PushSecurity(token=TOKEN, mode="plain", app_id=APP_ID)
    query = {"timestamp": "1", "nonce": "n", "echostr": "hello", "signature": wechat_signature(TOKEN, "1", "n")}
    assert security.handshake(query) == "hello"
    with pytest.raises(PushRejected):
        security.handshake({**query, "signature": wechat_signature("other", "1", "n")})
    with pytest.raises(PushRejected):
        security.handshake({"timestamp": "1", "nonce": "n", "echostr": "hello"})


def test_safe_mode_opens_what_the_platform_sealed_and_seals_replies_it_can_open():
    platform = FakeWeChat(mode="safe")
    security = PushSecurity(token=TOKEN, mode="safe", app_id=APP_ID, encoding_aes_key=platform.aes_key)
    query, body = platform.sign(XML)
    # The sender's id travels only inside the ciphertext (a base64 run may contain "o1" by chance: look for the field).
    assert "<FromUserName>" not in body and "CDATA[o1]" not in body
    assert security.open_push(query, body.encode()) == XML
    reply = security.seal(
        "<xml><Content><![CDATA[您好]]></Content><FromUserName><![CDATA[gh_nonghui_fake]]></FromUserName></xml>",
        nonce="n2",
        timestamp="5",
    )
    assert "您好" not in reply and "<MsgSignature>" in reply


def test_safe_mode_refuses_a_wrong_msg_signature_or_another_accounts_key():
    platform = FakeWeChat(mode="safe")
    query, body = platform.sign(XML)
    security = PushSecurity(token=TOKEN, mode="safe", app_id=APP_ID, encoding_aes_key=platform.aes_key)
    with pytest.raises(PushRejected):
        security.open_push({**query, "msg_signature": "0" * 40}, body.encode())
    stranger = PushSecurity(token=TOKEN, mode="safe", app_id=APP_ID, encoding_aes_key=new_aes_key())
    with pytest.raises(PushRejected):
        stranger.open_push(query, body.encode())


def test_a_push_with_a_document_type_is_refused_before_parsing():
    security = PushSecurity(token=TOKEN, mode="plain", app_id=APP_ID)
    query = {"timestamp": "1", "nonce": "n", "signature": wechat_signature(TOKEN, "1", "n")}
    with pytest.raises(PushRejected):
        security.open_push(query, b'<!DOCTYPE x [<!ENTITY a "aaaa">]><xml>&a;</xml>')


def test_an_aes_key_of_the_wrong_length_stops_the_channel():
    with pytest.raises(PushRejected):
        PushSecurity(token=TOKEN, mode="safe", app_id=APP_ID, encoding_aes_key="short")
