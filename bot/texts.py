"""Farmer-facing texts of the channel-agnostic bot layer (conversation, fallback, web API), in zh and en."""

from __future__ import annotations

from typing import Literal

from bot.messages import Button
from core.intents import Intent
from core.lang import Lang
from core.text import Bilingual, bi

TextKey = Literal[
    "empty_prompt",
    "truncated_note",
    "partly_unavailable_note",
    "unavailable",
    "text_too_long",
    "internal_error",
    "too_many_requests",
    "reload_page",
    "bad_api_key",
    "audio_too_large",
    "scam_button_learn",
    "scam_button_person",
    "scam_check_unavailable",
    "tracker_not_erased",
    "button_expired",
    "already_submitted",
    "form_kept_note",
    "message_in_progress",
]

_TEXTS: dict[TextKey, Bilingual] = {
    "tracker_not_erased": bi(
        "说明：您的聊天记录这次没能从对话系统里删掉（系统暂时出了问题）。我们已记下，会自动再删，不需要您再操作。",
        "Please note: your chat history could not be erased from the dialogue system just now (a temporary fault). "
        "It is noted and will be erased automatically; you do not need to do anything.",
    ),
    "empty_prompt": bi(
        "您好！我没有收到文字。您可以直接打字提问，或点下面的按钮选择想了解的内容：",
        "Hello! I did not get any text. Type your question, or tap a button below to pick a topic:",
    ),
    "truncated_note": bi(
        "（您的消息比较长，我只读了开头部分。如果还有问题，请分成几条短消息发给我。）",
        "(Your message was long, so I only read the beginning. Please send the rest as shorter messages.)",
    ),
    "partly_unavailable_note": bi(
        "（助手的部分功能暂时不可用，下面是从资料库中找到的内容，仅供参考。）",
        "(Part of the assistant is unavailable for now. Here is what I found in the library, for reference.)",
    ),
    "unavailable": bi(
        "抱歉，助手暂时无法回答，请过一分钟再试。如遇诈骗等紧急情况，请拨打 110 或反诈专线 96110。",
        (
            "Sorry, the assistant cannot answer right now. Please try again in a minute. "
            "If it is urgent, such as a scam, call 110 or the anti-fraud line 96110."
        ),
    ),
    "text_too_long": bi(
        "消息太长了，请缩短后再发送（最多 {max_chars} 个字）。",
        "The message is too long. Please shorten it and send again (at most {max_chars} characters).",
    ),
    "too_many_requests": bi(
        "您发得有点快，请休息 {seconds} 秒后再发送。如遇诈骗等紧急情况，请直接拨打 96110 或 110。",
        "You are sending messages a little fast. Please wait {seconds} seconds and send again. "
        "In an emergency such as a scam, please call 96110 or 110 directly.",
    ),
    "reload_page": bi(
        "请您刷新页面后再试一次。",
        "Please reload the page and try again.",
    ),
    "bad_api_key": bi(
        "接口密钥不正确。",
        "The API key is not valid.",
    ),
    "internal_error": bi(
        "抱歉，服务器出了点问题，请稍后再试。",
        "Sorry, something went wrong on our side. Please try again later.",
    ),
    "audio_too_large": bi(
        "语音文件太大了，请您录一段不超过 60 秒的语音再发，或者直接打字。",
        "The recording is too large. Please record a voice message under 60 seconds, or type your question.",
    ),
    "scam_button_learn": bi("怎么防骗", "How to avoid scams"),
    "scam_button_person": bi("找工作人员", "Talk to a person"),
    "scam_check_unavailable": bi(
        (
            "抱歉，我现在没法检查这条消息。记住：放款前要交钱的、要验证码的、让转到“安全账户”的，都是骗子。"
            "拿不准就打 96110 反诈专线；已经转了钱，马上打 110。"
        ),
        (
            "Sorry, I cannot check this message right now. Remember: anyone asking for money before a loan, for "
            'your codes, or to move money to a "safe account" is a scammer. If unsure, call the 96110 anti-fraud '
            "line; if you have sent money, call 110 at once."
        ),
    ),
    "button_expired": bi(
        "这个按钮已过期，请看最新的问题。", "This button has expired; please look at the latest question."
    ),
    "already_submitted": bi(
        "您的预申请已提交，编号 {reference}，没有重复提交。{station_zh}会给您打电话，也可以打 {phone}。",
        "Your pre-application was sent, reference {reference}; it was not sent twice. {station_en} will call "
        "you, or call them on {phone}.",
    ),
    "form_kept_note": bi(
        "（您填的预申请已经保存，恢复后会接着上次的问题继续，不用重填。）",
        "(Your pre-application answers are kept; once this is back, it goes on from the last question.)",
    ),
    "message_in_progress": bi(
        "这条消息已经收到，正在处理，请稍等。", "I have this message already and am working on it; one moment."
    ),
}

# Payloads are Rasa intents of nlu/domain.yml; titles match its utter_greet buttons.
_TOPICS: tuple[tuple[str, Bilingual], ...] = (
    (Intent.ASK_LOAN.payload, bi("贷款", "Loans")),
    (Intent.ASK_INSURANCE.payload, bi("农业保险", "Farm insurance")),
    (Intent.ASK_SCAM.payload, bi("防骗", "Scams")),
    (Intent.HUMAN_HANDOFF.payload, bi("找工作人员", "Talk to a person")),
)


def text(key: TextKey, lang: Lang, **values: object) -> str:
    """Return the text `key` in `lang`, with `{placeholders}` filled from `values`."""
    template = _TEXTS[key].get(lang)
    return template.format(**values) if values else template


def both_languages(key: TextKey, **values: object) -> str:
    """Return the text `key` in Chinese then English, for when the farmer's language is unknown."""
    return f"{text(key, 'zh', **values)}\n{text(key, 'en', **values)}"


def topic_buttons(lang: Lang) -> list[Button]:
    """Return the main topic buttons (loans, insurance, scams, a person) labelled in `lang`."""
    return [Button(title=titles.get(lang), payload=payload) for payload, titles in _TOPICS]
