"""Speech transcripts made readable for the rest of the bot: Simplified characters, no stray spaces, and the
domain's same-sound slips fixed (福贫 → 扶贫, 转仗 → 转账, 深庆 → 申请) by the knowledge base's own speller.

Pure text: the recogniser (bot/voice/) hands its raw output here; typed text gets the same speller in the search.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

# Words the recogniser is primed with (faster-whisper `hotwords`): the domain's terms, in the farmer's words.
VOICE_HOTWORDS = (
    "贷款 小额信贷 扶贫 脱贫户 申请 利息 贴息 还款 担保 抵押 农业保险 理赔 保费 诈骗 转账 冻结 验证码 反诈 身份证"
)
_SPACE_BETWEEN_CJK = re.compile(r"(?<=[\u4e00-\u9fff，。？！、])\s+(?=[\u4e00-\u9fff，。？！、])")
_TRAILING_PUNCT = re.compile(r"^[\s，。、,.]+|[\s，、,]+$")
_ASCII_PUNCT = str.maketrans({",": "，", "?": "？", "!": "！", ";": "；", ":": "："})
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Five or more digits read one by one (a phone or ID number said aloud) are written as digits.
_SPOKEN_DIGITS = re.compile(r"[零〇幺一二三四五六七八九0-9]{5,}[xX叉]?")
# The question particle 吗 heard as another "ma" at the end of a sentence (能赔骂 → 能赔吗); 买 and 码 stay (我想买,
# 验证码 end sentences too).
_FINAL_MA = re.compile(r"(?<=[\u4e00-\u9fff])[骂妈麻马](?=[？?。！!，,]?\s*$|[？?])")
_DIGIT_OF = str.maketrans("零〇幺一二三四五六七八九叉x", "001123456789XX")


class TranscriptCorrector:
    """Traditional → Simplified (OpenCC t2s), tidy spacing and punctuation, the domain speller, then same-sound
    characters chosen by context (knowledge/sound_correction.py: 提钱还 → 提前还, 梅环青 → 没还清)."""

    def __init__(
        self,
        correct_spelling: Callable[[str], str] | None = None,
        *,
        context: bool = True,
        context_prices: Mapping[str, float] | None = None,
    ) -> None:
        """`correct_spelling`: the knowledge base's speller (HybridRetriever.correct_spelling); None skips it.
        `context`: also choose same-sound characters by the knowledge base's language model (built on first use);
        `context_prices`: its channel prices (knowledge.sound_correction.ChannelPrices fields) when not the default."""
        self._spell = correct_spelling
        self._context = context
        self._context_prices = context_prices
        self._by_context: Callable[[str], str] | None = None
        self._converter: Any = None
        self._lock = threading.Lock()

    def _choose_by_context(self, text: str) -> str:
        """Same-sound characters chosen by the language model (the model is built once, on first use)."""
        if self._by_context is None:
            with self._lock:
                if self._by_context is None:
                    from knowledge.sound_correction import sound_corrector

                    self._by_context = sound_corrector(self._context_prices).correct
        return self._by_context(text)

    def simplified(self, text: str) -> str:
        """The text in Simplified characters with Chinese spacing and punctuation, not yet spell-corrected."""
        return self._tidy(self._converted(text))

    def _converted(self, text: str) -> str:
        """Simplified characters and Chinese punctuation; the recogniser's spaces (its pauses) still there."""
        if self._converter is None:
            with self._lock:
                if self._converter is None:
                    import opencc

                    self._converter = opencc.OpenCC("t2s")
        text = str(self._converter.convert(text.strip()))
        return text.translate(_ASCII_PUNCT) if _CJK.search(text) else text

    @staticmethod
    def _tidy(text: str) -> str:
        if _CJK.search(text):
            text = _SPACE_BETWEEN_CJK.sub("", text)
        return _TRAILING_PUNCT.sub("", text)

    def correct(self, text: str) -> str:
        """The transcript as the bot should read it (Simplified, tidy, digits said one by one written as digits, a
        final 吗 heard as 骂/妈/麻/马 restored, same-sound slips fixed). The speller sees the recogniser's pauses (its
        spaces), so a correction never joins the end of one phrase to the start of the next (青 还能 is not 青海能)."""
        converted = self._converted(text)
        if self._spell is not None and _CJK.search(converted):
            converted = self._spell(converted)
        if self._context and _CJK.search(converted):
            converted = self._choose_by_context(_FINAL_MA.sub("吗", converted))
        return _FINAL_MA.sub("吗", spoken_digits(self._tidy(converted)))


def spoken_digits(text: str) -> str:
    """Runs of five or more digits said one by one ("一三八…") written as digits ("138…"); shorter runs stay."""
    return _SPOKEN_DIGITS.sub(lambda m: m.group(0).translate(_DIGIT_OF), text)


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Edit distance between the two texts' characters (punctuation and spaces ignored) over the reference length."""
    ref = _comparable(reference)
    hyp = _comparable(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1] / len(ref)


def _comparable(text: str) -> str:
    """The normalisation of both sides of the CER: full-width forms folded to half-width (NFKC), punctuation and
    spaces dropped, Latin letters lower-cased, numbers written as they are read (3万, 三万, 30000 and 两千, 2000
    compare equal; a number of more than eight digits, or with a leading zero, digit by digit)."""
    read = _NUMBER.sub(lambda m: _read_number(m.group(0)), unicodedata.normalize("NFKC", text)).replace("两", "二")
    return "".join(ch.lower() for ch in read if ch.isalnum())


_NUMBER = re.compile(r"\d+")
_DIGITS = "零一二三四五六七八九"


def _read_number(number: str) -> str:
    """An Arabic number as it is read in Chinese (30000 → 三万; phone and ID numbers digit by digit)."""
    value = int(number)
    if len(number) > 8 or number.startswith("0"):
        return "".join(_DIGITS[int(d)] for d in number)
    if value == 0:
        return "零"
    out = ""
    if value >= 10_000:
        out += _below_10000(value // 10_000) + "万"
        value %= 10_000
        if 0 < value < 1000:
            out += "零"
    if value:
        out += _below_10000(value)
    return out


def _below_10000(value: int) -> str:
    out = ""
    for unit, name in ((1000, "千"), (100, "百"), (10, "十")):
        digit, value = divmod(value, unit)
        if digit:
            out += ("" if unit == 10 and digit == 1 and not out else _DIGITS[digit]) + name
        elif out and value:
            out += "" if out.endswith("零") else "零"
    if value:
        out += _DIGITS[value]
    return out
