"""Farmer-facing campaign wording per topic, in Chinese and English: greetings, first buttons, poster lines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.messages import Button
from core.intents import CampaignTopic, Intent
from core.lang import Lang
from core.text import Bilingual, bi

_DISCLAIMER: Final[Bilingual] = bi(
    "我说的只作参考，办事以当地银行、保险公司和服务站为准。",
    "My answers are a guide only; your local bank, insurer or service station has the final word.",
)

_GREETINGS: Final[dict[CampaignTopic, Bilingual]] = {
    "loan": bi(
        (
            "您好！欢迎扫码来问贷款。我是农惠，能讲清扶贫小额信贷要什么条件、利息怎么算、怎么申请，"
            "也能帮您在这里先填一份预申请，转给附近的农村金融服务站。"
        ),
        (
            "Hello, and welcome! I'm Nonghui. I can explain who can get poverty-alleviation microcredit, how the "
            "interest works and how to apply, and I can help you fill in a pre-application for your nearby rural "
            "financial service station right here."
        ),
    ),
    "insurance": bi(
        ("您好！欢迎扫码来问农业保险。我是农惠：庄稼或牲畜受了灾怎么报案理赔、保险保什么、自己交多少钱，都可以问我。"),
        (
            "Hello, and welcome! I'm Nonghui. Ask me about farm insurance: how to report damage and claim after a "
            "disaster, what the policy covers and how much you pay yourself."
        ),
    ),
    "scam": bi(
        (
            "您好！欢迎扫码。我是农惠：收到可疑的短信、电话或链接，把内容发给我，我帮您看看是不是骗局。"
            "记住：放款前要交钱的、要验证码的，都是骗子。"
        ),
        (
            "Hello, and welcome! I'm Nonghui. Got a suspicious text, call or link? Send it to me and I'll check "
            "whether it is a scam. Remember: anyone asking for money before a loan, or for your codes, is a scammer."
        ),
    ),
    "general": bi(
        "您好！欢迎扫码。我是农惠，专门解答贷款、农业保险和防骗的问题。直接打字问我，或者点下面的按钮。",
        (
            "Hello, and welcome! I'm Nonghui. I answer questions about loans, farm insurance and scams. Type your "
            "question or tap a button below."
        ),
    ),
}

# (title by language, payload by language): payloads are Rasa intents, or a question sent as the farmer's text.
_BUTTONS: Final[dict[CampaignTopic, tuple[tuple[Bilingual, Bilingual], ...]]] = {
    "loan": (
        (
            bi("申请条件", "Who can apply"),
            bi("扶贫小额信贷申请条件是什么？", "Who can get poverty-alleviation microcredit?"),
        ),
        (
            bi("开始预申请", "Start a pre-application"),
            bi(Intent.APPLY_LOAN.payload, Intent.APPLY_LOAN.payload),
        ),
        (
            bi("找工作人员", "Talk to a person"),
            bi(Intent.HUMAN_HANDOFF.payload, Intent.HUMAN_HANDOFF.payload),
        ),
    ),
    "insurance": (
        (
            bi("受灾了怎么理赔", "How to claim"),
            bi("农业保险受灾了怎么理赔？", "How do I claim farm insurance after a disaster?"),
        ),
        (
            bi("农业保险保什么", "What it covers"),
            bi(Intent.ASK_INSURANCE.payload, Intent.ASK_INSURANCE.payload),
        ),
        (
            bi("找工作人员", "Talk to a person"),
            bi(Intent.HUMAN_HANDOFF.payload, Intent.HUMAN_HANDOFF.payload),
        ),
    ),
    "scam": (
        (
            bi("帮我查可疑消息", "Check a suspicious message"),
            bi(Intent.CHECK_MESSAGE.payload, Intent.CHECK_MESSAGE.payload),
        ),
        (bi("常见骗局", "Common scams"), bi(Intent.ASK_SCAM.payload, Intent.ASK_SCAM.payload)),
        (
            bi("找工作人员", "Talk to a person"),
            bi(Intent.HUMAN_HANDOFF.payload, Intent.HUMAN_HANDOFF.payload),
        ),
    ),
    "general": (
        (bi("贷款", "Loans"), bi(Intent.ASK_LOAN.payload, Intent.ASK_LOAN.payload)),
        (
            bi("农业保险", "Farm insurance"),
            bi(Intent.ASK_INSURANCE.payload, Intent.ASK_INSURANCE.payload),
        ),
        (bi("防骗", "Scams"), bi(Intent.ASK_SCAM.payload, Intent.ASK_SCAM.payload)),
        (
            bi("找工作人员", "Talk to a person"),
            bi(Intent.HUMAN_HANDOFF.payload, Intent.HUMAN_HANDOFF.payload),
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
    return f"{_GREETINGS[topic].get(lang)}{' ' if lang == 'en' else ''}{_DISCLAIMER.get(lang)}"


def first_buttons(topic: CampaignTopic, lang: Lang) -> list[Button]:
    """The first buttons for `topic`, the most fitting first (a scam poster opens with checking a message)."""
    return [Button(title=titles.get(lang), payload=payloads.get(lang)) for titles, payloads in _BUTTONS[topic]]


def poster_words(topic: CampaignTopic) -> PosterWords:
    """Headline, call to action and English line of a poster on `topic`."""
    return _POSTER[topic]
