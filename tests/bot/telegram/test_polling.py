"""The real PTB Application in polling mode against the fake Bot API server."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from bot.messages import BotReply, Button, SourceRef, TurnResult, UserTurn
from bot.telegram.texts import ChannelText, channel_text
from tests.bot.telegram.doubles import ScriptedDialogue
from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.telegram_ports import InMemorySeenUpdates, RecordingContacts, StartRecord

CHAT = 4242


def is_message_to(chat_id: int) -> Any:
    return lambda call: call.method == "sendMessage" and call.chat_id == chat_id


def has_text(text: str) -> Any:
    return lambda call: call.method == "sendMessage" and call.text == text


async def test_start_with_deep_link_records_payload_and_greets_through_dialogue(
    polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue, contacts: RecordingContacts
) -> None:
    fake_api.push_command(CHAT, "/start", "camp_X")

    await fake_api.wait_for_sent(has_text("echo: /greet"))

    assert contacts.records == [StartRecord("telegram", str(CHAT), "camp_X", "zh")]
    assert len(dialogue.turns) == 1
    turn = dialogue.turns[0]
    assert turn.text == "/greet"
    assert turn.sender_id == f"tg:{CHAT}"
    assert turn.channel == "telegram"
    assert turn.lang == "zh"  # the app's language (zh-hans) until the farmer chooses
    assert turn.metadata["start_payload"] == "camp_X"


async def test_start_without_payload_records_none_and_english_client_language(
    polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue, contacts: RecordingContacts
) -> None:
    fake_api.push_raw(fake_api.command_update(CHAT, "/start", language_code="en"))

    await fake_api.wait_for_sent(has_text("echo: /greet"))

    assert contacts.records == [StartRecord("telegram", str(CHAT), None, "en")]
    assert dialogue.turns[0].metadata["start_payload"] is None
    assert dialogue.turns[0].lang == "en"  # the first greeting follows the app's language


async def test_start_with_malformed_payload_is_recorded_as_none(
    polling_bot: Any, fake_api: FakeTelegramServer, contacts: RecordingContacts
) -> None:
    fake_api.push_command(CHAT, "/start", "bad payload!<script>")

    await fake_api.wait_for_sent(has_text("echo: /greet"))

    assert contacts.records[0].payload is None


async def test_text_question_is_answered_with_source_line_and_inline_keyboard(
    polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue
) -> None:
    dialogue.set_script(
        lambda turn: TurnResult(
            replies=[
                BotReply(
                    text="小额信贷一般需要身份证和户口本，到村镇银行或信用社申请。",
                    buttons=[
                        Button(title="申请条件", payload="/ask_conditions"),
                        Button(title="附近服务站", payload='/find_station{"region":"sichuan"}'),
                    ],
                    sources=[SourceRef(title="农户小额信用贷款指引", locator="第三条", url="https://example.org/a")],
                )
            ],
            lang="zh",
        )
    )

    fake_api.push_text(CHAT, "小额贷款怎么申请？")
    call = await fake_api.wait_for_sent(is_message_to(CHAT))

    assert dialogue.turns[0].text == "小额贷款怎么申请？"
    assert call.text == (
        "小额信贷一般需要身份证和户口本，到村镇银行或信用社申请。\n\n"
        "📖 来源：《农户小额信用贷款指引》 第三条 https://example.org/a"
    )
    assert call.keyboard == [
        [{"text": "申请条件", "callback_data": "/ask_conditions"}],
        [{"text": "附近服务站", "callback_data": '/find_station{"region":"sichuan"}'}],
    ]


async def test_english_answer_gets_english_source_line(
    polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue
) -> None:
    dialogue.set_script(
        lambda turn: TurnResult(
            replies=[BotReply(text="Bring your ID card.", sources=[SourceRef(title="Loan guide", locator="§2")])],
            lang="en",
        )
    )

    fake_api.push_text(CHAT, "What do I need for a loan?")
    call = await fake_api.wait_for_sent(is_message_to(CHAT))

    assert call.text == "Bring your ID card.\n\n📖 Source: Loan guide, §2"
    assert "reply_markup" not in call.params


async def test_every_reply_of_a_turn_is_sent_in_order(
    polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue
) -> None:
    dialogue.set_script(lambda turn: TurnResult(replies=[BotReply(text="第一条"), BotReply(text="第二条")], lang="zh"))

    fake_api.push_text(CHAT, "你好")
    await fake_api.wait_for_sent(has_text("第二条"))

    assert [call.text for call in fake_api.messages(CHAT)] == ["第一条", "第二条"]


async def test_typing_indicator_is_sent_before_the_answer(polling_bot: Any, fake_api: FakeTelegramServer) -> None:
    fake_api.push_text(CHAT, "保险怎么买")
    await fake_api.wait_for_sent(is_message_to(CHAT))

    methods = [call.method for call in fake_api.sent if call.chat_id == CHAT]
    assert methods == ["sendChatAction", "sendMessage"]
    assert fake_api.calls("sendChatAction")[0].params["action"] == "typing"


@pytest.mark.parametrize("app_options", [{"typing_interval": 0.01}])
async def test_typing_indicator_is_refreshed_while_the_dialogue_is_slow(
    polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue
) -> None:
    async def slow(turn: UserTurn) -> TurnResult:
        # Answer only once the channel has refreshed the typing bubble twice.
        for _ in range(500):
            if len(fake_api.calls("sendChatAction")) >= 3:
                break
            await asyncio.sleep(0.01)
        return TurnResult(replies=[BotReply(text="好了")], lang="zh")

    dialogue.set_script(slow)
    fake_api.push_text(CHAT, "慢慢来")
    await fake_api.wait_for_sent(has_text("好了"))

    assert len(fake_api.calls("sendChatAction")) >= 3


async def test_button_press_answers_callback_and_sends_payload_as_next_turn(
    polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue
) -> None:
    update = fake_api.push_callback(CHAT, "/ask_conditions")

    await fake_api.wait_for_sent(has_text("echo: /ask_conditions"))

    answered = fake_api.calls("answerCallbackQuery")
    assert [call.params["callback_query_id"] for call in answered] == [update["callback_query"]["id"]]
    assert dialogue.turns[0].text == "/ask_conditions"
    assert dialogue.turns[0].sender_id == f"tg:{CHAT}"
    assert dialogue.turns[0].metadata == {"from_button": True}


async def test_same_update_delivered_twice_reaches_the_dialogue_once(
    polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue, seen: InMemorySeenUpdates
) -> None:
    update = fake_api.text_update(CHAT, "重复的消息")
    fake_api.push_many([update, update])
    await fake_api.wait_for_sent(has_text("echo: 重复的消息"))
    # A later message of the same chat is processed after the repeat, so the repeat has been handled.
    fake_api.push_text(CHAT, "下一条")
    await fake_api.wait_for_sent(has_text("echo: 下一条"))

    assert [turn.text for turn in dialogue.turns] == ["重复的消息", "下一条"]
    assert ("telegram", update["update_id"]) in seen
    assert [call.text for call in fake_api.messages(CHAT)] == ["echo: 重复的消息", "echo: 下一条"]


async def test_photo_without_caption_gets_polite_bilingual_reply_and_skips_dialogue(
    polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue
) -> None:
    fake_api.push_photo(CHAT)

    call = await fake_api.wait_for_sent(is_message_to(CHAT))

    assert call.text == channel_text(ChannelText.MEDIA_NOT_SUPPORTED, None)
    assert "文字" in call.text and "text" in call.text
    assert dialogue.turns == []


async def test_photo_caption_is_used_as_the_question(
    polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue
) -> None:
    fake_api.push_photo(CHAT, caption="这个短信是诈骗吗？")

    await fake_api.wait_for_sent(has_text("echo: 这个短信是诈骗吗？"))

    assert dialogue.turns[0].text == "这个短信是诈骗吗？"
    assert dialogue.turns[0].metadata == {"with_photo": True}


@pytest.mark.parametrize("kind", ["sticker_update", "voice_update", "document_update", "location_update"])
async def test_unsupported_media_gets_polite_reply_in_the_chats_language(
    kind: str, polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue
) -> None:
    fake_api.push_text(CHAT, "How can I get a loan?")
    await fake_api.wait_for_sent(has_text("echo: How can I get a loan?"))

    fake_api.push_raw(getattr(fake_api, kind)(CHAT))
    call = await fake_api.wait_for_sent(has_text(channel_text(ChannelText.MEDIA_NOT_SUPPORTED, "en")))

    assert call.chat_id == CHAT
    assert len(dialogue.turns) == 1


async def test_shared_contact_goes_to_dialogue_as_metadata_and_never_into_logs(
    polling_bot: Any,
    fake_api: FakeTelegramServer,
    dialogue: ScriptedDialogue,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_api.push_contact(CHAT, "+8613800138000")

    await fake_api.wait_for_sent(has_text("echo: /share_contact"))

    turn = dialogue.turns[0]
    assert turn.text == "/share_contact"
    assert turn.metadata == {"contact_phone": "+8613800138000", "contact_is_own": True}
    assert "13800138000" not in caplog.text


async def test_reply_longer_than_4096_characters_is_split_on_paragraphs_with_buttons_last(
    polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue
) -> None:
    paragraphs = [f"第{i}段：" + "农业保险保障农户的收入。" * 150 for i in range(4)]
    long_text = "\n\n".join(paragraphs)
    assert len(long_text) > 4096
    dialogue.set_script(
        lambda turn: TurnResult(
            replies=[BotReply(text=long_text, buttons=[Button(title="更多", payload="/more")])], lang="zh"
        )
    )

    fake_api.push_text(CHAT, "讲讲农业保险")
    await fake_api.wait_for_sent(lambda c: c.method == "sendMessage" and bool(c.keyboard))

    parts = fake_api.messages(CHAT)
    assert len(parts) >= 2
    assert all(len(part.text or "") <= 4096 for part in parts)
    assert "\n\n".join(part.text or "" for part in parts) == long_text
    assert [bool(part.keyboard) for part in parts] == [False] * (len(parts) - 1) + [True]


async def test_payload_over_64_bytes_round_trips_through_the_cb_mapping(
    polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue
) -> None:
    long_payload = '/apply_loan{"purpose":"购买化肥和玉米种子","amount":"30000","term":"12个月"}'
    assert len(long_payload.encode("utf-8")) > 64
    dialogue.set_script(
        lambda turn: (
            TurnResult(
                replies=[BotReply(text="请确认：", buttons=[Button(title="确认申请", payload=long_payload)])],
                lang="zh",
            )
            if turn.text == "我要贷款"
            else TurnResult(replies=[BotReply(text=f"收到：{turn.text}")], lang="zh")
        )
    )

    fake_api.push_text(CHAT, "我要贷款")
    offer = await fake_api.wait_for_sent(has_text("请确认："))
    data = offer.keyboard[0][0]["callback_data"]
    assert data.startswith("cb:")
    assert len(data.encode("utf-8")) <= 64

    fake_api.push_callback(CHAT, data)
    await fake_api.wait_for_sent(has_text(f"收到：{long_payload}"))

    assert dialogue.turns[-1].text == long_payload


async def test_unknown_cb_key_gets_polite_expired_reply(
    polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue
) -> None:
    fake_api.push_callback(CHAT, "cb:0123456789abcdef0123")

    call = await fake_api.wait_for_sent(is_message_to(CHAT))

    assert call.text == channel_text(ChannelText.BUTTON_EXPIRED, None)
    assert len(fake_api.calls("answerCallbackQuery")) == 1
    assert dialogue.turns == []


async def test_dialogue_failure_sends_apology_and_logs_no_farmer_text(
    polling_bot: Any,
    fake_api: FakeTelegramServer,
    dialogue: ScriptedDialogue,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(turn: UserTurn) -> TurnResult:
        raise RuntimeError(f"engine down while handling {turn.text}")

    dialogue.set_script(broken)
    caplog.set_level(logging.INFO)

    fake_api.push_text(CHAT, "我的身份证号是110101199003071234")
    call = await fake_api.wait_for_sent(is_message_to(CHAT))

    assert call.text == channel_text(ChannelText.APOLOGY, "zh")
    assert "RuntimeError" in caplog.text
    assert "110101199003071234" not in caplog.text


async def test_bot_keeps_answering_after_a_dialogue_failure(
    polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue
) -> None:
    def broken(turn: UserTurn) -> TurnResult:
        raise RuntimeError("engine down")

    dialogue.set_script(broken)
    fake_api.push_text(CHAT, "hello there")
    await fake_api.wait_for_sent(has_text(channel_text(ChannelText.APOLOGY, "en")))

    dialogue.set_script(lambda turn: TurnResult(replies=[BotReply(text="back")], lang="en"))
    fake_api.push_text(CHAT, "hello again")

    await fake_api.wait_for_sent(has_text("back"))


async def test_lang_command_switches_language_and_later_turns_carry_it(
    polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue
) -> None:
    fake_api.push_command(CHAT, "/lang", "en")
    await fake_api.wait_for_sent(has_text(channel_text(ChannelText.LANG_SWITCHED, "en")))

    fake_api.push_text(CHAT, "贷款")
    await fake_api.wait_for_sent(has_text("echo: 贷款"))

    assert dialogue.turns[0].lang == "en"


async def test_lang_without_argument_offers_buttons_and_a_tap_switches(
    polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue
) -> None:
    fake_api.push_command(CHAT, "/lang")
    offer = await fake_api.wait_for_sent(is_message_to(CHAT))
    assert offer.text == channel_text(ChannelText.LANG_CHOOSE, None)
    titles = {row[0]["text"]: row[0]["callback_data"] for row in offer.keyboard}
    assert set(titles) == {"中文", "English"}

    fake_api.push_callback(CHAT, titles["中文"])
    await fake_api.wait_for_sent(has_text(channel_text(ChannelText.LANG_SWITCHED, "zh")))
    fake_api.push_text(CHAT, "insurance")
    await fake_api.wait_for_sent(has_text("echo: insurance"))

    assert dialogue.turns[0].lang == "zh"
    assert len(fake_api.calls("answerCallbackQuery")) == 1


async def test_lang_with_unknown_language_explains_and_keeps_no_choice(
    polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue
) -> None:
    fake_api.push_command(CHAT, "/lang", "fr")
    call = await fake_api.wait_for_sent(is_message_to(CHAT))
    assert call.text == channel_text(ChannelText.LANG_UNKNOWN, None)

    fake_api.push_text(CHAT, "贷款")
    await fake_api.wait_for_sent(has_text("echo: 贷款"))
    assert dialogue.turns[0].lang is None


async def test_help_command_replies_in_the_chats_language(
    polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue
) -> None:
    fake_api.push_text(CHAT, "你好")
    await fake_api.wait_for_sent(has_text("echo: 你好"))

    fake_api.push_command(CHAT, "/help")

    await fake_api.wait_for_sent(has_text(channel_text(ChannelText.HELP, "zh")))
    assert len(dialogue.turns) == 1


async def test_unknown_command_gets_help_instead_of_reaching_the_dialogue(
    polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue
) -> None:
    fake_api.push_command(CHAT, "/restart_everything")

    await fake_api.wait_for_sent(has_text(channel_text(ChannelText.HELP, None)))
    assert dialogue.turns == []


async def test_chats_are_kept_apart(polling_bot: Any, fake_api: FakeTelegramServer, dialogue: ScriptedDialogue) -> None:
    fake_api.push_command(1, "/lang", "en")
    await fake_api.wait_for_sent(has_text(channel_text(ChannelText.LANG_SWITCHED, "en")))

    fake_api.push_text(2, "贷款")
    await fake_api.wait_for_sent(has_text("echo: 贷款"))

    assert dialogue.turns[0].sender_id == "tg:2"
    assert dialogue.turns[0].lang is None


async def test_startup_registers_the_command_menu_in_both_languages(
    polling_bot: Any, fake_api: FakeTelegramServer
) -> None:
    menus = fake_api.calls("setMyCommands")

    assert sorted(str(call.params.get("language_code")) for call in menus) == ["None", "en"]
    for call in menus:
        assert {command["command"] for command in call.params["commands"]} == {"start", "help", "lang"}
