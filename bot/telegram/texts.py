"""Farmer-facing texts of the Telegram channel itself, in Simplified Chinese and English."""

from __future__ import annotations

from enum import StrEnum

from core.lang import Lang
from core.text import Bilingual, bi


class ChannelText(StrEnum):
    """Keys of the channel's own messages (the dialogue engine writes every other reply)."""

    MEDIA_NOT_SUPPORTED = "media_not_supported"
    APOLOGY = "apology"
    BUTTON_EXPIRED = "button_expired"
    LANG_SWITCHED = "lang_switched"
    LANG_CHOOSE = "lang_choose"
    LANG_UNKNOWN = "lang_unknown"
    HELP = "help"
    PRIVATE_ONLY = "private_only"


_TEXTS: dict[ChannelText, Bilingual] = {
    ChannelText.MEDIA_NOT_SUPPORTED: bi(
        "谢谢您发来的内容！我目前只能看懂文字消息，请用文字把您的问题告诉我，比如：“小额贷款怎么申请？”",
        (
            "Thank you for sending this! For now I can only read text messages. Please type your question, "
            'for example: "How do I apply for a small loan?"'
        ),
    ),
    ChannelText.APOLOGY: bi(
        "抱歉，我这边出了点问题，没能回答您。请稍后再试一次。",
        "Sorry, something went wrong on my side and I could not answer. Please try again in a moment.",
    ),
    ChannelText.BUTTON_EXPIRED: bi(
        "这个按钮已经过期了。请重新发送您的问题，或输入 /start 重新开始。",
        "This button has expired. Please send your question again, or type /start to begin again.",
    ),
    ChannelText.LANG_SWITCHED: bi("好的，之后我会用中文和您交流。", "OK, I will talk with you in English from now on."),
    ChannelText.LANG_CHOOSE: bi("请选择您想用的语言：", "Please choose your language:"),
    ChannelText.LANG_UNKNOWN: bi(
        "我只会中文和英文。请输入 /lang zh 或 /lang en，或点下面的按钮。",
        "I speak Chinese and English. Please type /lang zh or /lang en, or tap a button below.",
    ),
    ChannelText.PRIVATE_ONLY: bi(
        "您好！为了保护您的个人信息，我只在私聊里回答问题、办理申请。请点我的名字，再点“发消息”，直接私聊我。",
        "Hello! To keep your personal details private, I only answer and take applications in a private chat. "
        'Please tap my name, then "Send message", and message me directly.',
    ),
    ChannelText.HELP: bi(
        (
            "我是农惠，可以回答关于农业贷款、农业保险和防范诈骗的问题，并帮您联系附近的金融服务站。\n"
            "直接用文字提问就行。\n"
            "/start 重新开始\n/lang 切换语言（中文 / English）\n/delete 删除我的个人信息\n/help 查看本说明"
        ),
        (
            "I am Nonghui. I answer questions about farm loans, agricultural insurance and scams, "
            "and can help you reach a nearby financial service station.\n"
            "Just type your question.\n"
            "/start start again\n/lang switch language (中文 / English)\n/delete delete my personal data\n"
            "/help show this message"
        ),
    ),
}

LANG_BUTTON_TITLES: dict[Lang, str] = {"zh": "中文", "en": "English"}


def channel_text(key: ChannelText, lang: Lang | None) -> str:
    """Return the text in `lang`; when the farmer's language is unknown, both languages (Chinese first)."""
    texts = _TEXTS[key]
    if lang is None:
        return texts.both("\n\n")
    return texts.get(lang)
