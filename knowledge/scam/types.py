"""Typed values the scam-risk detector hands to the rest of the bot."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from core.lang import Lang
from core.text import Bilingual, bi

Level = Literal["none", "low", "medium", "high"]

# Lower bounds of each level on the 0–1 risk scale; "medium" is the warning operating point.
LEVEL_THRESHOLDS: dict[Level, float] = {"low": 0.25, "medium": 0.5, "high": 0.8}


def level_for(risk: float, thresholds: dict[Level, float] | None = None) -> Level:
    """Map a 0–1 risk to none/low/medium/high with the given (or default) lower bounds."""
    bounds = thresholds or LEVEL_THRESHOLDS
    if risk >= bounds["high"]:
        return "high"
    if risk >= bounds["medium"]:
        return "medium"
    if risk >= bounds["low"]:
        return "low"
    return "none"


@dataclass(frozen=True)
class ScamSignal:
    """One concrete warning sign found in a message, explained plainly in both languages."""

    code: str
    explanation_zh: str
    explanation_en: str
    evidence: str

    def explanation(self, lang: Lang) -> str:
        """Return the explanation in the farmer's language."""
        return self.explanation_zh if lang == "zh" else self.explanation_en


_LEVEL_NAMES: dict[Level, Bilingual] = {
    "none": bi("未发现", "none found"),
    "low": bi("低", "low"),
    "medium": bi("中", "medium"),
    "high": bi("高", "high"),
}

_ADVICE: tuple[Bilingual, ...] = (
    bi(
        "先停下：不要再回复、不要按对方说的操作。",
        "Stop: do not reply or do what the sender says.",
    ),
    bi(
        "不要转账、不要交任何“手续费”“保证金”“解冻费”。",
        'Do not transfer money or pay any "fee", "deposit" or "unfreezing charge".',
    ),
    bi(
        "不要把验证码、密码、银行卡号告诉任何人，不要共享屏幕、不要装对方给的APP。",
        "Never share verification codes, passwords or card numbers; do not share your screen or install their app.",
    ),
    bi(
        "保留证据：截图聊天记录、短信、对方电话和收款账号。",
        "Keep evidence: screenshots of the chat or text, the sender's number and any account they gave.",
    ),
    bi(
        "拿不准就拨打96110反诈专线咨询；如果已经转了钱，立刻拨打110报警，并联系银行冻结银行卡。",
        "If unsure, call the 96110 anti-fraud line; if you have already sent money, call 110 at once "
        "and ask your bank to freeze the card.",
    ),
)


@dataclass(frozen=True)
class ScamAssessment:
    """The detector's verdict on one message or pasted chat: risk 0–1, level and the signals behind it.

    `chat` is True when the text was a pasted chat judged on the other side's lines only."""

    risk: float
    level: Level
    signals: list[ScamSignal] = field(default_factory=list)
    model_risk: float | None = None
    chat: bool = False

    @property
    def should_warn(self) -> bool:
        """True when the bot must warn before answering (medium or high)."""
        return self.level in ("medium", "high")

    def signal_codes(self) -> list[str]:
        """Return the codes of the signals found, in order."""
        return [signal.code for signal in self.signals]

    def to_api(self, lang: Lang | None = None) -> dict[str, Any]:
        """Return the web API's `scam` object; signals are codes, or explanations when a lang is given."""
        signals = self.signal_codes() if lang is None else [signal.explanation(lang) for signal in self.signals]
        return {"risk": round(float(self.risk), 4), "level": self.level, "signals": signals}

    def advice(self, lang: Lang) -> str:
        """Return what to do now, as a short numbered list in the farmer's language."""
        steps = tuple(step.get(lang) for step in _ADVICE)
        return "\n".join(f"{number}. {step}" for number, step in enumerate(steps, start=1))

    def warning(self, lang: Lang) -> str:
        """Return the full farmer-facing warning: level, signals explained, and advice."""
        level_name = _LEVEL_NAMES[self.level].get(lang)
        if lang == "zh":
            head = f"⚠️ 诈骗风险：{level_name}"
            if self.chat:
                found = (
                    "这段聊天里对方的话有这些可疑情况（您自己说的话不算在内）："
                    if self.signals
                    else ("这段聊天里对方的说法和常见骗局很像。")
                )
            else:
                found = "发现的可疑情况：" if self.signals else "这条消息的写法和常见骗局很像。"
            todo = "现在请这样做："
        else:
            head = f"⚠️ Scam risk: {level_name}"
            if self.chat:
                found = (
                    "Warning signs in what the other side wrote (your own lines are not counted):"
                    if self.signals
                    else "What the other side wrote in this chat reads like common scams."
                )
            else:
                found = "Warning signs found:" if self.signals else "This message reads like common scams."
            todo = "What to do now:"
        lines = [head, found]
        lines.extend(f"• {signal.explanation(lang)}" for signal in self.signals)
        lines.extend([todo, self.advice(lang)])
        return "\n".join(lines)
