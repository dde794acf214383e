"""Same-sound characters in a speech transcript chosen by context (a noisy-channel corrector).

A recogniser writes what it hears, and Chinese has many characters to a sound: 提钱还 for 提前还, 梅环青 for 没还清,
报显 for 保险. For each clause of the transcript (the recogniser's pauses end clauses), every character may stand for
any character the knowledge base's text uses at least twice that is read the same way (toneless pinyin; the heard
character read in context, a candidate in any of its readings, its rarer ones at a higher price), or, dearer, with one
of the accent merges (z/zh, c/ch, s/sh, n/l, f/h; in/ing, en/eng, an/ang). A beam search picks the clause maximising

    log P_lm(clause) − Σ price of each character changed

where P_lm is a character trigram model of the knowledge base's text mixed with a general model of jieba's dictionary
(`knowledge/char_lm.py`), and the prices (`ChannelPrices`) are higher for a function or particle character (是, 了,
俺, 嘛: changed or written in), for a character already inside an ordinary word as heard or in a pair the text uses
(牌照, 我叫). A change must then be backed, or it is undone and the search run again: the new character forms with a
neighbour a pair the text uses (赔不, 再贷; more often when the neighbour is a function character), or lies in a word
of the corrected clause (蔬菜, 保险). Clauses under three characters are left as heard. Digits and numbers in words
(一, 十, 万 …) never change, nor does anything become one, and no character is added or dropped: a number stays as
heard (a misheard one is still read back before use).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from knowledge.char_lm import BOUNDARY, DIGIT, CharLanguageModel, GeneralCharModel
from knowledge.spelling import FUNCTION_CHARS, fuzzy_syllable

_CLAUSE = re.compile(r"[\u4e00-\u9fff0-9]+")
_UNIT = re.compile(r"[0-9]+|[\u4e00-\u9fff]")
_PACKAGE = Path(__file__).resolve().parent
# Numbers said in words stay as heard, like digits (a misheard number is read back, never guessed at).
NUMERAL_CHARS = frozenset("零〇幺一二两三四五六七八九十百千万亿")
# Characters said on purpose whatever the knowledge base's text prefers: the speller's function characters and the
# farmer's own pronouns and particles (俺要 is not 按要).
# Dictionary words used less often than this are left out of the general model (it stays small).
GENERAL_MIN_COUNT = 5
KEPT_CHARS = FUNCTION_CHARS | frozenset("俺咱嘛呗哩噻哦嘞")


@dataclass(frozen=True)
class ChannelPrices:
    """What a change costs, in the language model's log units (natural log)."""

    exact_cost: float = 3.0
    merge_cost: float = 9.0
    function_cost: float = 3.0
    # A candidate read this way only in a rarer reading of it (提 as di, 王 as yu) costs this much more.
    rare_reading_cost: float = 3.0
    # The general-language model's share in every probability.
    background_weight: float = 0.2
    # A character inside an ordinary word of the clause as heard (牌照, 名字: jieba's dictionary, used at least
    # `word_frequency` times) costs this much more to change.
    word_cost: float = 4.0
    word_frequency: int = 100
    # A changed character must form a pair used this often in the knowledge base's text, or lie in a word.
    support_count: int = 3
    # How many times `support_count` a pair with a function character (的机, 赔吗) needs.
    function_support: int = 2
    # A character heard next to a neighbour it is seen with this often in the text counts as in a word.
    heard_support: int = 3
    # Clauses shorter than this are left as heard (嗨, 谢了: too little context to choose by).
    min_clause: int = 3
    min_char_count: int = 2
    beam: int = 32


@lru_cache(maxsize=16384)
def _readings(char: str) -> tuple[str, ...]:
    """Every toneless reading of a character, the usual one first (还: hai, huan)."""
    from pypinyin import Style, pinyin

    usual = pinyin(char, style=Style.NORMAL, errors="ignore")
    found = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
    readings = [r for group in (usual, found) if group for r in group[0] if r]
    return tuple(dict.fromkeys(readings))


def _heard_readings(clause: str) -> list[str]:
    """The reading of each Chinese character of a clause as heard, polyphones read in context (还 in 梅环青还能:
    hai); digits get an empty reading."""
    from pypinyin import Style, lazy_pinyin

    chars = [u for u in _UNIT.findall(clause) if not u[0].isdigit()]
    readings = lazy_pinyin("".join(chars), style=Style.NORMAL, errors="ignore")
    if len(readings) != len(chars):
        readings = [(_readings(ch) or ("",))[0] for ch in chars]
    return readings


class SoundCorrector:
    """Chooses, by context, among the characters that sound like each one heard (see the module docstring)."""

    def __init__(self, model: CharLanguageModel, prices: ChannelPrices | None = None) -> None:
        """`model`: the character language model; its characters used at least `min_char_count` times are the
        candidates."""
        self._lm = model
        self._prices = prices or ChannelPrices()
        # Reading → [(character, whether it is the character's usual reading)], and the same by merged reading.
        self._exact: dict[str, list[tuple[str, bool]]] = defaultdict(list)
        self._fuzzy: dict[str, list[tuple[str, bool]]] = defaultdict(list)
        chars = [c for c, n in model.char_counts.most_common() if n >= self._prices.min_char_count]
        for char in chars:
            if not "\u4e00" <= char <= "\u9fff" or char in NUMERAL_CHARS:
                continue
            for k, reading in enumerate(_readings(char)):
                self._exact[reading].append((char, k == 0))
                self._fuzzy[fuzzy_syllable(reading)].append((char, k == 0))

    @classmethod
    def from_texts(
        cls, texts: Iterable[str], prices: ChannelPrices | None = None, background: GeneralCharModel | None = None
    ) -> SoundCorrector:
        """A corrector whose language model is trained on the texts (mixed with `background` when given)."""
        weight = (prices or ChannelPrices()).background_weight
        return cls(CharLanguageModel(texts, background, weight), prices)

    @property
    def model(self) -> CharLanguageModel:
        """The character language model."""
        return self._lm

    def candidates(self, char: str, heard: str | None = None) -> list[tuple[str, float]]:
        """The characters `char` (heard as `heard`, by default its usual reading) may stand for, with the price of
        the change (itself first, free)."""
        prices = self._prices
        out: dict[str, float] = {char: 0.0}
        reading = heard or (_readings(char) or ("",))[0]
        if char in NUMERAL_CHARS or not reading:
            return list(out.items())
        extra = prices.function_cost if char in KEPT_CHARS else 0.0
        for table, cost in ((self._exact, prices.exact_cost), (self._fuzzy, prices.merge_cost)):
            key = reading if table is self._exact else fuzzy_syllable(reading)
            for other, usual in table.get(key, ()):
                price = cost + extra + (0.0 if usual else prices.rare_reading_cost)
                if not extra and other in KEPT_CHARS:
                    price += prices.function_cost
                if price < out.get(other, float("inf")):
                    out[other] = price
        return list(out.items())

    def correct(self, text: str) -> str:
        """The text with each clause's characters chosen by context; everything but Chinese characters unchanged."""
        return _CLAUSE.sub(lambda m: self._clause(m.group(0)), text)

    def _clause(self, clause: str) -> str:
        units = _UNIT.findall(clause)
        if sum(1 for u in units if not u[0].isdigit()) < self._prices.min_clause:
            return clause
        readings = iter(_heard_readings(clause))
        in_words = self._in_ordinary_words(units)
        options: list[list[tuple[str, float]]] = []
        for unit, in_word in zip(units, in_words, strict=True):
            found = [(unit, 0.0)] if unit[0].isdigit() else self.candidates(unit, next(readings))
            options.append([(o, p + self._prices.word_cost if p and in_word else p) for o, p in found])
        chosen = self._search(options)
        for _ in range(3):
            changed = [k for k, (u, c) in enumerate(zip(units, chosen, strict=True)) if u != c]
            unsupported = [k for k in changed if not self._supported(chosen, k)]
            if not unsupported:
                break
            for k in unsupported:
                options[k] = [(units[k], 0.0)]
            chosen = self._search(options)
        return "".join(chosen)

    def _search(self, options: list[list[tuple[str, float]]]) -> list[str]:
        """The units maximising the language model's score less the prices (a beam over two-character histories)."""
        beam: dict[tuple[str, str], tuple[float, tuple[str, ...]]] = {(BOUNDARY, BOUNDARY): (0.0, ())}
        for choices in options:
            grown: dict[tuple[str, str], tuple[float, tuple[str, ...]]] = {}
            for (a, b), (score, chosen) in beam.items():
                for option, price in choices:
                    symbol = DIGIT if option[0].isdigit() else option
                    total = score + self._lm.logprob(a, b, symbol) - price
                    key = (b, symbol)
                    if key not in grown or grown[key][0] < total:
                        grown[key] = (total, (*chosen, option))
            beam = dict(sorted(grown.items(), key=lambda item: -item[1][0])[: self._prices.beam])
        best = max(beam.items(), key=lambda item: item[1][0] + self._lm.logprob(item[0][0], item[0][1], BOUNDARY))
        return list(best[1][1])

    def _supported(self, chosen: list[str], k: int) -> bool:
        """Whether a changed character is backed by the knowledge base's text or the dictionary: it forms with a
        neighbour a pair the text uses at least `support_count` times (赔吗, 再贷), or lies in a word of the
        corrected clause (蔬菜, 没还清: jieba's segmentation, a dictionary or corpus word)."""
        from knowledge.tokenize import jieba_words, word_frequency

        need = self._prices.support_count
        left = chosen[k - 1] if k else ""
        right = chosen[k + 1] if k + 1 < len(chosen) else ""
        # A function character beside it (的机) says little about a character: such a pair needs more.
        need_left = need * self._prices.function_support if left in KEPT_CHARS else need
        need_right = need * self._prices.function_support if right in KEPT_CHARS else need
        if self._lm.pair_count(left, chosen[k]) >= need_left or self._lm.pair_count(chosen[k], right) >= need_right:
            return True
        start = 0
        for word in jieba_words("".join(chosen)):
            size = len(_UNIT.findall(word))
            if start <= k < start + size:
                if set(word) & KEPT_CHARS:
                    need *= self._prices.function_support
                return size >= 2 and (word_frequency(word) > 0 or self._lm.word_count(word) >= need)
            start += size
        return False

    def _in_ordinary_words(self, units: list[str]) -> list[bool]:
        """For each unit of a clause, whether it is already at home as heard: inside an ordinary word of the clause
        (jieba's segmentation, words used at least `word_frequency` times), or forming with a neighbour a pair the
        knowledge base's text uses at least `heard_support` times."""
        from knowledge.tokenize import jieba_words, word_frequency

        flags: list[bool] = []
        for word in jieba_words("".join(units)):
            inside = len(word) >= 2 and word_frequency(word) >= self._prices.word_frequency
            flags.extend([inside] * len(_UNIT.findall(word)))
        if len(flags) != len(units):
            flags = [False] * len(units)
        need = self._prices.heard_support
        for k, unit in enumerate(units):
            left = units[k - 1] if k else ""
            right = units[k + 1] if k + 1 < len(units) else ""
            if self._lm.pair_count(left, unit) >= need or self._lm.pair_count(unit, right) >= need:
                flags[k] = True
        return flags


def knowledge_texts(package: Path = _PACKAGE) -> list[str]:
    """The Chinese text the language model learns from: the corpus articles (with the ways farmers ask), the video
    subtitles and the scam scorer's example messages. Never the evaluation questions."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((package / "corpus").glob("*-zh.md"))]
    subtitles = package / "videos" / "subtitles"
    texts += [p.read_text(encoding="utf-8") for p in sorted(subtitles.glob("*-zh.*"))]
    messages = package / "scam" / "data" / "train_zh.tsv"
    if messages.exists():
        texts += [line.rsplit("\t", 1)[-1] for line in messages.read_text(encoding="utf-8").splitlines()]
    return texts


def general_model() -> GeneralCharModel:
    """The general-language character model from jieba's dictionary (loaded with the word segmenter)."""
    from knowledge.tokenize import jieba_dictionary

    return GeneralCharModel(jieba_dictionary(), min_count=GENERAL_MIN_COUNT)


def sound_corrector(prices: Mapping[str, float] | None = None) -> SoundCorrector:
    """A corrector trained on the knowledge base's text (`knowledge_texts`) over the general model; built once per
    process for each set of prices."""
    default = ChannelPrices()
    channel = ChannelPrices(**{k: type(getattr(default, k))(v) for k, v in prices.items()}) if prices else default
    return _built(channel)


@lru_cache(maxsize=4)
def _built(prices: ChannelPrices) -> SoundCorrector:
    background = general_model() if prices.background_weight else None
    return SoundCorrector.from_texts(knowledge_texts(), prices, background)
