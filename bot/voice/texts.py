"""What the bot says about voice notes, in both languages (the farmer is addressed with 您)."""

from __future__ import annotations

from typing import Final

from core.text import Bilingual, bi

HEARD_ASK: Final = bi("我听到的是：「{text}」\n对吗？", "I heard: “{text}”\nIs that right?")
HEARD: Final = bi("我听到的是：「{text}」", "I heard: “{text}”")
UNCLEAR: Final = bi(
    "没听清，请您再说一遍，或者点下面的按钮。",
    "Sorry, I did not catch that. Please say it again, or tap one of the buttons below.",
)
TOO_LONG: Final = bi(
    "您的语音有点长（超过 {seconds} 秒），我听不完。请您每次只说一个问题，每段语音不超过 {seconds} 秒，或者直接打字。",
    "Your voice message is a bit long (over {seconds} seconds). Please ask one question at a time, in voice "
    "messages under {seconds} seconds, or type it.",
)
BUSY: Final = bi(
    "现在要听的语音比较多，请您过一会儿再发一次，或者直接打字。",
    "Many voice messages are waiting right now. Please send yours again in a little while, or type it.",
)
UNAVAILABLE: Final = bi(
    "抱歉，现在暂时听不了语音，请您打字提问。",
    "Sorry, I cannot listen to voice messages right now. Please type your question.",
)
SAY_AGAIN: Final = bi(
    "好的，请您再说一遍，说慢一点，离手机近一点。",
    "All right, please say it again, a little slower and closer to the phone.",
)
TYPE_IT: Final = bi("好的，请您直接打字发给我。", "All right, please type it and send it to me.")
EXPIRED: Final = bi(
    "这条语音已经过期了，请您再说一遍或者打字。",
    "That voice message has expired. Please say it again or type it.",
)
LISTENING: Final = bi("正在听…", "Listening…")
YES: Final = bi("对", "Yes")
NO_AGAIN: Final = bi("不对，重说", "No, say it again")
TYPE: Final = bi("打字", "Type it")

ALL: Final[tuple[Bilingual, ...]] = (
    HEARD_ASK,
    HEARD,
    UNCLEAR,
    TOO_LONG,
    BUSY,
    UNAVAILABLE,
    SAY_AGAIN,
    TYPE_IT,
    EXPIRED,
    LISTENING,
    YES,
    NO_AGAIN,
    TYPE,
)
