"""Same-sound slips fixed against the knowledge base's own vocabulary (代款 → 贷款, 抵压 → 抵押, 深庆 → 申请).

Farmers type with pinyin input (and speech recognisers hear by sound), so a wrong word usually sounds like the
right one. The lexicon is the domain vocabulary: the words of the corpus's titles, headings and the ways farmers
ask. A run of two to four Chinese characters in a question is replaced by a lexicon word when

- it is not itself a lexicon word nor an ordinary word of the general dictionary (jieba's, above a frequency),
- its pinyin equals the word's pinyin, toneless, with the accent merges heard across China
  (z/zh, c/ch, s/sh, n/l, f/h initials; in/ing, en/eng, an/ang finals), at most one merge per character
  (行 hang is not 凡 fan); a run that is a word of the general dictionary at all (小猪) only for a word that sounds
  exactly like it (not 小组),
- it shares at least one character with the word, or the word is frequent in the corpus, the run is no word at
  all and sounds exactly like it (深庆 → 申请),
- function characters (不, 的, 了, 吗 …) stay where they are (能赔不 is not 能赔付),
- and it does not cut an ordinary word of the question in two (中不中 keeps its 不中), nor touch a lexicon word
  spelt right, unless the word is frequent in the corpus, sounds exactly like the run and leaves the characters
  it shares with that other word unchanged (交手序费 → 交手续费, 托贫户 → 脱贫户).

Longer words are tried first and replacements never overlap. Only text that is searched is corrected: a farmer's
name or village in a form is never passed through this.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache

from knowledge.tokenize import cjk_runs, jieba_words, word_frequency

_INITIAL_MERGES = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"), ("h", "f"))
_FINAL_MERGES = (("ing", "in"), ("eng", "en"), ("ang", "an"))
# A run that is an ordinary word this frequent in the general dictionary is left alone (保健 is not 保险).
COMMON_WORD_FREQUENCY = 50
# How often the corpus must use a word before a same-sound run sharing no character with it is corrected to it.
UNSHARED_COUNT = 10
FUNCTION_CHARS = frozenset("不没的了得地着过吗呢吧啊呀么嘛是有在和就都也这那个我你您他她它们啥咋")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_LATIN_WORD = re.compile(r"[a-z]+")
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]+")
MAX_WORD = 4
MIN_WORD = 2
_MAX_READINGS = 16


def fuzzy_syllable(syllable: str) -> str:
    """A toneless pinyin syllable with accent-merged initial and final (zhang → zan, ling → nin, hu → fu)."""
    for long, short in _INITIAL_MERGES:
        if syllable.startswith(long):
            syllable = short + syllable[len(long) :]
            break
    for long, short in _FINAL_MERGES:
        if syllable.endswith(long):
            syllable = syllable[: -len(long)] + short
            break
    return syllable


@lru_cache(maxsize=8192)
def char_readings(char: str) -> tuple[str, ...]:
    """Every fuzzy reading of one character (polyphones have several: 还 huan/hai)."""
    from pypinyin import Style, pinyin

    readings = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
    if not readings:
        return ()
    return tuple(dict.fromkeys(fuzzy_syllable(r) for r in readings[0] if r))


def _is_word(word: str, count: int) -> bool:
    """A real word: in the general dictionary, or used often enough in the corpus to be a domain term."""
    return word_frequency(word) > 0 or count >= 5


def word_key(word: str) -> tuple[str, ...] | None:
    """The fuzzy pinyin of a word in its usual reading (context-aware for polyphones), or None if unreadable."""
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(word, style=Style.NORMAL, errors="ignore")
    if len(syllables) != len(word):
        return None
    return tuple(fuzzy_syllable(s) for s in syllables)


class DomainSpeller:
    """Corrects same-sound slips in questions towards a domain vocabulary (see the module docstring)."""

    def __init__(
        self,
        vocabulary: Mapping[str, int],
        *,
        common_frequency: int = COMMON_WORD_FREQUENCY,
        unshared_count: int = UNSHARED_COUNT,
    ) -> None:
        """`vocabulary`: domain word → how often the corpus uses it. A slip sharing no character with the word
        (深庆 → 申请) is corrected only towards words used at least `unshared_count` times."""
        words = {
            w: n
            for w, n in vocabulary.items()
            if MIN_WORD <= len(w) <= MAX_WORD and _CJK_WORD.fullmatch(w) and _is_word(w, n)
        }
        self._counts = words
        self._common = common_frequency
        self._unshared = unshared_count
        self._by_key: dict[tuple[str, ...], list[str]] = {}
        self._by_pinyin: dict[str, str] = {}
        for word in sorted(words, key=lambda w: (-words[w], w)):
            self._by_pinyin.setdefault(_plain_pinyin(word), word)
            for key in itertools.islice(itertools.product(*(char_readings(ch) for ch in word)), _MAX_READINGS):
                self._by_key.setdefault(tuple(key), []).append(word)

    @classmethod
    def from_texts(cls, texts: Iterable[str], *, min_count: int = 2, known: Iterable[str] = ()) -> DomainSpeller:
        """A speller whose lexicon is the words used at least `min_count` times in the texts, plus `known` words."""
        counts: Counter[str] = Counter({word: min_count * 5 for word in known})
        for text in texts:
            for run in cjk_runs(text):
                counts.update(w for w in jieba_words(run) if MIN_WORD <= len(w) <= MAX_WORD)
        return cls({w: n for w, n in counts.items() if n >= min_count})

    def __len__(self) -> int:
        return len(self._counts)

    def correct(self, text: str) -> str:
        """The text with same-sound slips replaced by lexicon words; unchanged when nothing fits."""
        if not self._by_key:
            return text
        out: list[str] = []
        position = 0
        for match in _CJK_RUN.finditer(text):
            out.append(text[position : match.start()])
            out.append(self._correct_run(match.group(0)))
            position = match.end()
        out.append(text[position:])
        return "".join(out)

    def pinyin_terms(self, text: str) -> list[str]:
        """Domain words a question spells in pinyin ("xiaoe xindai" → 小额信贷, "nongye baoxian" → 农业保险).

        Runs of one to four Latin words are read as toneless pinyin, longest first; only Chinese words of two or
        more characters count, so short English words ("an", "he") are not mistaken for Chinese."""
        words = _LATIN_WORD.findall(text.lower())
        found: list[str] = []
        i = 0
        while i < len(words):
            for size in range(min(4, len(words) - i), 0, -1):
                term = self._by_pinyin.get("".join(words[i : i + size]))
                if term is not None and len(term) >= MIN_WORD and len(words[i]) > 2:
                    found.append(term)
                    i += size
                    break
            else:
                i += 1
        return found

    def _correct_run(self, run: str) -> str:
        protected = self._domain_spans(run)
        common = self._common_spans(run)
        pieces: list[str] = []
        i = 0
        while i < len(run):
            word = None
            for size in range(min(MAX_WORD, len(run) - i), MIN_WORD - 1, -1):
                window = run[i : i + size]
                if not _overlaps_changed(i, window, protected, common):
                    continue  # cheap check first: nothing a replacement may change lies in another word
                word = self._replacement(window)
                if word is not None and not _allowed(i, window, word, protected, common, strict=True):
                    sure = self._counts[word] >= self._unshared and _exact_sound(window, word)
                    if not sure or not _allowed(i, window, word, protected, common, strict=False):
                        word = None
                if word is not None:
                    pieces.append(word)
                    i += size
                    break
            else:
                pieces.append(run[i])
                i += 1
        return "".join(pieces)

    def _domain_spans(self, run: str) -> list[tuple[int, int]]:
        """Spans of lexicon words already spelt right (贷款 in 贷款利习): never rewritten."""
        return [
            (start, start + size)
            for size in range(MAX_WORD, MIN_WORD - 1, -1)
            for start in range(len(run) - size + 1)
            if run[start : start + size] in self._counts
        ]

    def _common_spans(self, run: str) -> list[tuple[int, int]]:
        """Spans of ordinary words in jieba's segmentation of the run (不中 in 中不中)."""
        spans, start = [], 0
        for word in jieba_words(run):
            end = start + len(word)
            if len(word) >= MIN_WORD and word_frequency(word) >= self._common:
                spans.append((start, end))
            start = end
        return spans

    def _replacement(self, window: str) -> str | None:
        if window in self._counts or word_frequency(window) >= self._common:
            return None
        readings = [char_readings(ch) for ch in window]
        if not all(readings):
            return None
        unknown = word_frequency(window) == 0
        for key in itertools.islice(itertools.product(*readings), _MAX_READINGS):
            for word in self._by_key.get(tuple(key), ()):
                if not _keeps_function_chars(window, word) or not _one_merge_apart(window, word):
                    continue
                if not unknown and not _exact_sound(window, word):
                    continue  # a word of the dictionary (小猪) is only a slip for a word sounding exactly like it
                if set(word) & set(window):
                    return word
                if unknown and self._counts[word] >= self._unshared and _exact_sound(window, word):
                    return word
        return None


def _keeps_function_chars(window: str, word: str) -> bool:
    """Function characters (不, 的, 了, 吗 …) are typed on purpose: a replacement keeps them where they are,
    unless every other character of a longer word is already there (新农和 → 新农合), and never writes one in
    (还能 is not 不能, though a rare reading of 还 sounds like one of 不)."""
    differing = [i for i, (w, c) in enumerate(zip(window, word, strict=True)) if w != c]
    if any(word[i] in FUNCTION_CHARS for i in differing):
        return False
    if len(window) >= 3 and len(differing) == 1:
        return True
    return all(window[i] not in FUNCTION_CHARS for i in differing)


def _exact_sound(window: str, word: str) -> bool:
    """Whether two words sound the same without the accent merges (深庆 and 申请: shen qing)."""
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(window, style=Style.NORMAL) == lazy_pinyin(word, style=Style.NORMAL)


def _plain_pinyin(word: str) -> str:
    """A word's toneless pinyin run together ("小额信贷" → "xiaoexindai")."""
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(word, style=Style.NORMAL))


def _changed(start: int, window: str, word: str | None) -> set[int]:
    """Positions in the run a replacement rewrites (all of the window's when `word` is not known yet)."""
    if word is None:
        return set(range(start, start + len(window)))
    return {start + k for k, (w, c) in enumerate(zip(window, word, strict=True)) if w != c}


def _overlaps_changed(start: int, window: str, protected: list[tuple[int, int]], common: list[tuple[int, int]]) -> bool:
    """Whether a window could be rewritten at all: some of its characters lie outside the domain words spelt right
    and the ordinary words it would cut (a replacement may still not touch those)."""
    blocked = {k for s, e in protected for k in range(s, e)}
    end = start + len(window)
    for s, e in common:
        if s < end and start < e and not (start <= s and e <= end and end - start > e - s):
            blocked.update(range(s, e))
    return bool(_changed(start, window, None) - blocked)


def _allowed(
    start: int,
    window: str,
    word: str,
    protected: list[tuple[int, int]],
    common: list[tuple[int, int]],
    *,
    strict: bool,
) -> bool:
    """A window may not touch a domain word spelt right (贷款 in 贷款利习), nor cut an ordinary word in two (不中 in
    中不中); it may swallow an ordinary word whole when it is longer than it (被动结 → 被冻结). Not `strict`: it
    may overlap them when the replacement leaves their characters unchanged (托贫户 → 脱贫户 beside 贫户,
    交手序费 → 交手续费; the caller asks this only of frequent domain words sounding exactly like the window)."""
    changed = _changed(start, window, None if strict else word)
    end = start + len(window)
    for s, e in protected:
        if changed & set(range(s, e)):
            return False
    for s, e in common:
        crosses = s < end and start < e
        swallows = start <= s and e <= end and end - start > e - s
        if crosses and not swallows and changed & set(range(s, e)):
            return False
    return True


def _one_merge_apart(window: str, word: str) -> bool:
    """Whether each differing character sounds like its replacement with at most one accent merge (行 hang is not
    凡 fan: that takes h/f and ang/an)."""
    from pypinyin import Style, pinyin

    for w, c in zip(window, word, strict=True):
        if w == c:
            continue
        ours = pinyin(w, style=Style.NORMAL, heteronym=True, errors="ignore")
        theirs = pinyin(c, style=Style.NORMAL, heteronym=True, errors="ignore")
        if not ours or not theirs:
            return False
        near = {v for r in ours[0] for v in _one_merge(r)}
        if not near & {v for r in theirs[0] for v in _one_merge(r)}:
            return False
    return True


def _one_merge(syllable: str) -> set[str]:
    """The syllable and its forms with one accent merge applied (zhang → zhang, zang, zhan)."""
    forms = {syllable}
    for long, short in _INITIAL_MERGES:
        if syllable.startswith(long):
            forms.add(short + syllable[len(long) :])
            break
    for long, short in _FINAL_MERGES:
        if syllable.endswith(long):
            forms.add(syllable[: -len(long)] + short)
            break
    return forms
