"""Everything the farmer reads about a hand-off, in Simplified Chinese and English."""

from __future__ import annotations

import json
from datetime import datetime

from bot.handoff.hours import OfficeHours, when_text
from bot.messages import BotReply, Button
from core.intents import Intent
from core.lang import Lang
from core.text import Bilingual, bi
from store.handoffs import HandoffView, StationInfo

CANCEL_PAYLOAD = "/handoff_cancel"
RATING_INTENT = "/handoff_rating"
REQUEST_PAYLOAD = Intent.HUMAN_HANDOFF.payload

DEFAULT_QUEUE_NAME = bi("农惠服务热线", "the Nonghui help desk")
BACK_TO_BOT = bi("回到机器人", "Back to the bot")
ALREADY_OPEN = bi(
    "您的请求已经转给工作人员了，请稍候，他们会在这里回复您。",
    "Your request is already with the staff; please wait, they will reply here.",
)
TOO_MANY_REQUESTS = bi(
    "您刚才已经多次请求人工服务了，请过 {minutes} 分钟再试。如遇诈骗等紧急情况，请直接拨打 96110 或 110。",
    "You have asked for a person several times just now; please try again in {minutes} minutes. "
    "In an emergency such as a scam, please call 96110 or 110 directly.",
)
TOO_MANY_FROM_HERE = bi(
    "您所在的网络刚才发出的人工服务请求太多了，请过 {minutes} 分钟再试。如遇诈骗等紧急情况，请直接拨打 96110 或 110。",
    "Too many requests for a person have come from your network just now; please try again in {minutes} minutes. "
    "In an emergency such as a scam, please call 96110 or 110 directly.",
)
KEEP_SENDING = bi(
    "您可以继续发文字、照片或语音，工作人员都能看到。",
    "You can keep sending text, photos or voice messages; the staff will see them.",
)
ASK_VILLAGE = bi(
    "告诉我们您是哪个乡镇哪个村的，可以转给您当地的服务站。",
    "Tell us your township and village so we can pass you to your local service station.",
)
CANCELLED = bi(
    "好的，已经回到机器人。有问题随时问我；想找人，再点“找工作人员”。",
    'OK, you are back with the bot. Ask me anything; tap "Talk to a person" to reach the staff again.',
)
ANSWERED_WHILE_WAITING = bi(
    "（上面是机器人的回答，仅供参考。您的请求仍然保留着，工作人员上班后会在这里回复您。）",
    "(That was the bot's answer, as a guide. Your request is still kept; the staff will follow up here "
    "when they are back.)",
)
QUEUED_ACK = bi(
    "收到，已经转给工作人员，请稍等，他们会在这里回复您。",
    "Got it: your message is with the staff; please wait, they will reply here.",
)
QUEUED_ACK_CLOSED = bi(
    "收到，已经转给工作人员。现在是下班时间，工作人员上班后会在这里回复您。",
    "Got it: your message is with the staff. It is outside office hours now; they will reply here when they are back.",
)
RATED = bi("谢谢您的评分！", "Thank you for your rating!")
NOTHING_TO_RATE = bi("没有需要评分的服务，谢谢！", "There is no conversation to rate, thank you!")


def _when_reply(station_name: Bilingual, hours: Bilingual, parsed: OfficeHours | None, now: datetime) -> Bilingual:
    if parsed is None or parsed.is_open(now):
        return bi(
            f"好的，已为您转给{station_name.zh}的工作人员（办公时间：{hours.zh}），他们会在这里回复您，请稍候。",
            f"OK, I have passed you to the staff of {station_name.en} (open {hours.en}). "
            "They will reply here; please wait a moment.",
        )
    opening = parsed.next_opening(now)
    return bi(
        f"现在是{station_name.zh}的下班时间（办公时间：{hours.zh}）。您的请求已经保留，"
        f"工作人员会在{when_text(opening, now, 'zh')}以后在这里回复您。",
        f"{station_name.en} is closed now (open {hours.en}). Your request is kept; "
        f"the staff will reply here after {when_text(opening, now, 'en')}.",
    )


def opened_reply(handoff: HandoffView, default_hours: Bilingual, now: datetime) -> BotReply:
    """Who will answer and when (office hours; outside them, when someone will reply), with a way back."""
    lang: Lang = "en" if handoff.lang == "en" else "zh"
    station = handoff.station
    if station is None:
        parts = [_when_reply(DEFAULT_QUEUE_NAME, default_hours, OfficeHours.parse(default_hours.en), now), ASK_VILLAGE]
    else:
        parts = [_when_reply(station.name, station.hours, OfficeHours.parse(station.hours.en), now), KEEP_SENDING]
    text = ("" if lang == "zh" else " ").join(p.get(lang) for p in parts)
    return BotReply(text=text, buttons=[Button(title=BACK_TO_BOT.get(lang), payload=CANCEL_PAYLOAD)])


def routed_reply(station: StationInfo, lang: Lang) -> BotReply:
    """The farmer named a village in the default queue: say which station now has the request."""
    message = bi(
        f"好的，已转给{station.name.zh}（电话 {station.phone}，办公时间：{station.hours.zh}）。",
        f"OK, your request is now with {station.name.en} (phone {station.phone}, open {station.hours.en}).",
    )
    return BotReply(text=message.get(lang))


def staff_reply_text(text: str, station: StationInfo | None, lang: str) -> str:
    """A staff message as the farmer sees it: marked as coming from a person at the station."""
    name = (station.name if station else DEFAULT_QUEUE_NAME).get("en" if lang == "en" else "zh")
    return f"[{name} staff] {text}" if lang == "en" else f"【{name}工作人员】{text}"


def closed_text(lang: str, *, idle: bool) -> str:
    """The bot takes over again and asks for a rating."""
    message = (
        bi(
            "很久没有新消息，这次人工服务先结束了，机器人继续为您服务。请给这次服务打个分（5 分最好）：",
            "No new messages for a while, so this conversation with the staff has ended and the bot is back. "
            "Please rate it (5 is best):",
        )
        if idle
        else bi(
            "工作人员已结束这次人工服务，机器人继续为您服务。请给这次服务打个分（5 分最好）：",
            "The staff member has ended this conversation and the bot is back. Please rate it (5 is best):",
        )
    )
    return message.get("en" if lang == "en" else "zh")


def rating_buttons(lang: str) -> list[tuple[str, str]]:
    """(title, payload) of the five rating buttons."""
    unit = "分" if lang != "en" else ""
    return [(f"{'⭐' * score} {score}{unit}", rating_payload(score)) for score in range(1, 6)]


def rating_payload(score: int) -> str:
    """`/handoff_rating{"rating":4}` (short enough for Telegram's callback data)."""
    return RATING_INTENT + json.dumps({"rating": score}, separators=(",", ":"))


def parse_rating(text: str) -> int | None:
    """The score of a rating payload, or None when `text` is not one."""
    if not text.startswith(RATING_INTENT):
        return None
    try:
        value = json.loads(text[len(RATING_INTENT) :] or "{}").get("rating")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) and 1 <= value <= 5 else None


def status_notice(reference: str, label: Bilingual, note: str | None, lang: str) -> str:
    """An application's new status, for the farmer."""
    message = bi(
        f"您的贷款预申请 {reference} 有新进展：{label.zh}。",
        f"News on your loan pre-application {reference}: {label.en}.",
    )
    text = message.get("en" if lang == "en" else "zh")
    if note:
        text += f"\n服务站留言：{note}" if lang != "en" else f"\nMessage from the station: {note}"
    return text


def staff_alert(handoff: HandoffView, console_url: str | None) -> str:
    """The message for a station's staff Telegram group about a new hand-off (both languages)."""
    where = handoff.station.code if handoff.station else "default"
    link = f"\n{console_url}/staff/handoffs/{handoff.id}" if console_url else ""
    return f"新的人工服务请求 #{handoff.id}（{where}），请到控制台处理。\nNew hand-off #{handoff.id} ({where}).{link}"
