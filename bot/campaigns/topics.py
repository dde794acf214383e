"""Farmer-facing campaign wording per topic, in Chinese and English: greetings, first buttons, poster lines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.messages import Button
from core.intents import CampaignTopic, Intent
from core.lang import Lang

_DISCLAIMER: Final[dict[Lang, str]] = {
    "zh": "我说的只作参考，办事以当地银行、保险公司和服务站为准。",
    "en": "My answers are a guide only; your local bank, insurer or service station has the final word.",
}

_GREETINGS: Final[dict[CampaignTopic, dict[Lang, str]]] = {
    "loan": {
        "zh": "您好！欢迎扫码来问贷款。我是农惠，能讲清扶贫小额信贷要什么条件、利息怎么算、怎么申请，"
        "也能帮您在这里先填一份预申请，转给附近的农村金融服务站。",
        "en": "Hello, and welcome! I'm Nonghui. I can explain who can get poverty-alleviation microcredit, how the "
        "interest works and how to apply, and I can help you fill in a pre-application for your nearby rural "
        "financial service station right here.",
    },
    "insurance": {
        "zh": "您好！欢迎扫码来问农业保险。我是农惠：庄稼或牲畜受了灾怎么报案理赔、"
        "保险保什么、自己交多少钱，都可以问我。",
        "en": "Hello, and welcome! I'm Nonghui. Ask me about farm insurance: how to report damage and claim after a "
        "disaster, what the policy covers and how much you pay yourself.",
    },
    "scam": {
        "zh": "您好！欢迎扫码。我是农惠：收到可疑的短信、电话或链接，把内容发给我，我帮您看看是不是骗局。"
        "记住：放款前要交钱的、要验证码的，都是骗子。",
        "en": "Hello, and welcome! I'm Nonghui. Got a suspicious text, call or link? Send it to me and I'll check "
        "whether it is a scam. Remember: anyone asking for money before a loan, or for your codes, is a scammer.",
    },
    "general": {
        "zh": "您好！欢迎扫码。我是农惠，专门解答贷款、农业保险和防骗的问题。直接打字问我，或者点下面的按钮。",
        "en": "Hello, and welcome! I'm Nonghui. I answer questions about loans, farm insurance and scams. Type your "
        "question or tap a button below.",
    },
}

# (title by language, payload by language): payloads are Rasa intents, or a question sent as the farmer's text.
_BUTTONS: Final[dict[CampaignTopic, tuple[tuple[dict[Lang, str], dict[Lang, str]], ...]]] = {
    "loan": (
        (
            {"zh": "申请条件", "en": "Who can apply"},
            {"zh": "扶贫小额信贷申请条件是什么？", "en": "Who can get poverty-alleviation microcredit?"},
        ),
        (
            {"zh": "开始预申请", "en": "Start a pre-application"},
            {"zh": Intent.APPLY_LOAN.payload, "en": Intent.APPLY_LOAN.payload},
        ),
        (
            {"zh": "找工作人员", "en": "Talk to a person"},
            {"zh": Intent.HUMAN_HANDOFF.payload, "en": Intent.HUMAN_HANDOFF.payload},
        ),
    ),
    "insurance": (
        (
            {"zh": "受灾了怎么理赔", "en": "How to claim"},
            {"zh": "农业保险受灾了怎么理赔？", "en": "How do I claim farm insurance after a disaster?"},
        ),
        (
            {"zh": "农业保险保什么", "en": "What it covers"},
            {"zh": Intent.ASK_INSURANCE.payload, "en": Intent.ASK_INSURANCE.payload},
        ),
        (
            {"zh": "找工作人员", "en": "Talk to a person"},
            {"zh": Intent.HUMAN_HANDOFF.payload, "en": Intent.HUMAN_HANDOFF.payload},
        ),
    ),
    "scam": (
        (
            {"zh": "帮我查可疑消息", "en": "Check a suspicious message"},
            {"zh": Intent.CHECK_MESSAGE.payload, "en": Intent.CHECK_MESSAGE.payload},
        ),
        ({"zh": "常见骗局", "en": "Common scams"}, {"zh": Intent.ASK_SCAM.payload, "en": Intent.ASK_SCAM.payload}),
        (
            {"zh": "找工作人员", "en": "Talk to a person"},
            {"zh": Intent.HUMAN_HANDOFF.payload, "en": Intent.HUMAN_HANDOFF.payload},
        ),
    ),
    "general": (
        ({"zh": "贷款", "en": "Loans"}, {"zh": Intent.ASK_LOAN.payload, "en": Intent.ASK_LOAN.payload}),
        (
            {"zh": "农业保险", "en": "Farm insurance"},
            {"zh": Intent.ASK_INSURANCE.payload, "en": Intent.ASK_INSURANCE.payload},
        ),
        ({"zh": "防骗", "en": "Scams"}, {"zh": Intent.ASK_SCAM.payload, "en": Intent.ASK_SCAM.payload}),
        (
            {"zh": "找工作人员", "en": "Talk to a person"},
            {"zh": Intent.HUMAN_HANDOFF.payload, "en": Intent.HUMAN_HANDOFF.payload},
        ),
    ),
}


@dataclass(frozen=True)
class PosterWords:
    """A poster's Chinese headline and call to action, with an English line underneath."""

    headline: str
    call_to_action: str
    english: str


_POSTER: Final[dict[CampaignTopic, PosterWords]] = {
    "loan": PosterWords(
        headline="扶贫小额信贷 手机上先问清",
        call_to_action="用手机扫一扫：问条件、算利息、在线预申请\n服务站会联系您",
        english="Scan to ask about microcredit and send a pre-application to your service station",
    ),
    "insurance": PosterWords(
        headline="农业保险 受灾了怎么赔？",
        call_to_action="用手机扫一扫：理赔步骤、保什么、交多少\n一问就清楚",
        english="Scan to ask how farm insurance claims work",
    ),
    "scam": PosterWords(
        headline="可疑短信电话 先问再转钱！",
        call_to_action="用手机扫一扫，把可疑消息发给农惠，帮您辨真假\n反诈专线 96110",
        english="Scan and send a suspicious message: we check it for scams. Anti-fraud line 96110",
    ),
    "general": PosterWords(
        headline="贷款 保险 防骗 有问题扫码问",
        call_to_action="用手机扫一扫，免费提问\n中文英文都可以",
        english="Scan to ask about loans, farm insurance and scams, free of charge",
    ),
}


def greeting(topic: CampaignTopic, lang: Lang) -> str:
    """The first message for a farmer who arrived through a campaign on `topic`."""
    return f"{_GREETINGS[topic][lang]}{' ' if lang == 'en' else ''}{_DISCLAIMER[lang]}"


def first_buttons(topic: CampaignTopic, lang: Lang) -> list[Button]:
    """The first buttons for `topic`, the most fitting first (a scam poster opens with checking a message)."""
    return [Button(title=titles[lang], payload=payloads[lang]) for titles, payloads in _BUTTONS[topic]]


def poster_words(topic: CampaignTopic) -> PosterWords:
    """Headline, call to action and English line of a poster on `topic`."""
    return _POSTER[topic]
