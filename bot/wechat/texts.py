"""Farmer-facing texts of the WeChat channel itself, in Simplified Chinese and English."""

from __future__ import annotations

from enum import StrEnum

from core.lang import Lang
from core.text import Bilingual, bi


class WeChatText(StrEnum):
    """Keys of the channel's own messages (the dialogue engine writes every other reply)."""

    PLEASE_TYPE = "please_type"
    MEDIA_NOT_SUPPORTED = "media_not_supported"
    APOLOGY = "apology"
    CHOOSE_BY_NUMBER = "choose_by_number"
    STATION_FOR_PLACE = "station_for_place"
    NO_STATION_FOUND = "no_station_found"


_TEXTS: dict[WeChatText, Bilingual] = {
    WeChatText.PLEASE_TYPE: bi(
        "谢谢您的语音！我暂时还听不懂语音，请打字或点按钮告诉我您的问题。",
        "Thank you for your voice message! I cannot listen to voice yet: please type or tap a button.",
    ),
    WeChatText.MEDIA_NOT_SUPPORTED: bi(
        "谢谢您发来的内容！我目前只能看懂文字，请打字把您的问题告诉我，比如：“小额贷款怎么申请？”",
        "Thank you for sending this! For now I can only read text. Please type your question, for example: "
        '"How do I apply for a small loan?"',
    ),
    WeChatText.APOLOGY: bi(
        "抱歉，我这边出了点问题，没能回答您。请稍后再发一次。",
        "Sorry, something went wrong on my side and I could not answer. Please send it again in a moment.",
    ),
    WeChatText.CHOOSE_BY_NUMBER: bi("请点选或回复数字：", "Tap or reply with a number:"),
    WeChatText.STATION_FOR_PLACE: bi("负责您发来的位置的服务站：", "The service station for the place you sent:"),
    WeChatText.NO_STATION_FOUND: bi(
        "谢谢您发来的位置！我没能从中认出您的乡镇，请打字告诉我您住在哪个乡镇或村。",
        "Thank you for the location! I could not tell your township from it: please type your township or village.",
    ),
}


def wechat_text(key: WeChatText, lang: Lang | None) -> str:
    """The text in `lang`; when the farmer's language is unknown, both languages (Chinese first)."""
    texts = _TEXTS[key]
    if lang is None:
        return texts.both("\n\n")
    return texts.get(lang)
