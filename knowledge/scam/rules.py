"""Explainable scam rules: regex/keyword patterns from a data file, with negation and legitimate-context checks."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from core.errors import NonghuiError
from knowledge.scam.types import ScamSignal

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_RULES_PATH = DATA_DIR / "rules.yaml"

_LANG_KEYS = ("zh", "en", "any")
_CLAUSE_BREAK = re.compile(r"[。！？!?；;\n]")
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060\ufeff]")
_SPACE_BETWEEN_CJK = re.compile(r"(?<=[\u4e00-\u9fff])[ \t\u3000]+(?=[\u4e00-\u9fff])")
_EVIDENCE_MAX = 40
# NFKC turns Chinese full-width punctuation into ASCII; quotes shown to the farmer get it back next to Chinese.
_FULL_WIDTH = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？"}
_ASCII_BY_CJK = re.compile(r"(?<=[\u4e00-\u9fff])[,:;!?]|[,:;!?](?=[\u4e00-\u9fff])")


class ScamRulesError(NonghuiError):
    """The scam rule file is missing or malformed."""


def normalise(text: str) -> str:
    """Return NFKC text without zero-width characters or spaces wedged between Chinese characters."""
    cleaned = unicodedata.normalize("NFKC", text)
    cleaned = _ZERO_WIDTH.sub("", cleaned)
    return _SPACE_BETWEEN_CJK.sub("", cleaned)


def for_display(text: str) -> str:
    """Normalised text as a farmer would write it: full-width punctuation restored next to Chinese characters."""
    return _ASCII_BY_CJK.sub(lambda found: _FULL_WIDTH[found.group(0)], text)


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ScamRulesError(f"bad pattern in {where}: {exc}") from exc


def _patterns_of(node: Any, where: str) -> list[re.Pattern[str]]:
    """Compile a {zh|en|any: str | [str]} node into a flat list of patterns."""
    if node is None:
        return []
    if not isinstance(node, dict):
        raise ScamRulesError(f"{where} must map languages to patterns")
    compiled: list[re.Pattern[str]] = []
    for key, value in node.items():
        if key not in _LANG_KEYS:
            raise ScamRulesError(f"{where}: unknown language key {key!r}")
        items = value if isinstance(value, list) else [value]
        compiled.extend(_compile(str(item), f"{where}.{key}") for item in items)
    return compiled


@dataclass(frozen=True)
class Rule:
    """One signal's patterns, required context, suppressing context and wording."""

    code: str
    weight: float
    explanation_zh: str
    explanation_en: str
    patterns: tuple[re.Pattern[str], ...]
    requires: tuple[tuple[re.Pattern[str], ...], ...] = ()
    unless: tuple[re.Pattern[str], ...] = ()
    negatable: bool = True


@dataclass(frozen=True)
class ComputedWording:
    """Weight and explanation templates for a signal computed in code (e.g. the interest-rate cap)."""

    code: str
    weight: float
    explanation_zh: str
    explanation_en: str


@dataclass(frozen=True)
class RuleHit:
    """A signal found by the rules together with its weight."""

    signal: ScamSignal
    weight: float


def _evidence(text: str) -> str:
    snippet = for_display(" ".join(text.split()))
    return snippet if len(snippet) <= _EVIDENCE_MAX else snippet[: _EVIDENCE_MAX - 1] + "…"


class RuleSet:
    """A compiled set of scam rules; `match` returns the signals a text shows."""

    def __init__(
        self,
        rules: list[Rule],
        computed: dict[str, ComputedWording],
        negation_zh: re.Pattern[str],
        negation_en: re.Pattern[str],
        window_zh: int = 10,
        window_en: int = 40,
    ) -> None:
        self.rules = rules
        self.computed = computed
        self._negation_zh = negation_zh
        self._negation_en = negation_en
        self._window_zh = window_zh
        self._window_en = window_en

    @classmethod
    def from_yaml(cls, path: Path = DEFAULT_RULES_PATH) -> RuleSet:
        """Load and compile a rule file."""
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ScamRulesError(f"cannot read scam rules {path.name}: {exc}") from exc
        if not isinstance(raw, dict) or not isinstance(raw.get("signals"), list):
            raise ScamRulesError(f"{path.name} needs a `signals` list")
        negation = raw.get("negation") or {}
        rules = [cls._rule_from(entry) for entry in raw["signals"]]
        computed = {
            str(entry["code"]): ComputedWording(
                code=str(entry["code"]),
                weight=float(entry["weight"]),
                explanation_zh=str(entry["explanation_zh"]),
                explanation_en=str(entry["explanation_en"]),
            )
            for entry in raw.get("computed") or []
        }
        return cls(
            rules,
            computed,
            negation_zh=_compile(str(negation.get("zh", "(?!)")), "negation.zh"),
            negation_en=_compile(str(negation.get("en", "(?!)")), "negation.en"),
            window_zh=int(negation.get("window_zh", 10)),
            window_en=int(negation.get("window_en", 40)),
        )

    @staticmethod
    def _rule_from(entry: dict[str, Any]) -> Rule:
        try:
            code = str(entry["code"])
            weight = float(entry["weight"])
            explanation_zh = str(entry["explanation_zh"])
            explanation_en = str(entry["explanation_en"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ScamRulesError(f"signal entry incomplete: {exc}") from exc
        if not 0.0 < weight < 1.0:
            raise ScamRulesError(f"{code}: weight must be between 0 and 1")
        patterns = _patterns_of(entry.get("patterns"), f"{code}.patterns")
        if not patterns:
            raise ScamRulesError(f"{code}: no patterns")
        requires = tuple(tuple(_patterns_of(group, f"{code}.requires")) for group in entry.get("requires") or [])
        unless: list[re.Pattern[str]] = []
        for group in entry.get("unless") or []:
            unless.extend(_patterns_of(group, f"{code}.unless"))
        return Rule(
            code=code,
            weight=weight,
            explanation_zh=explanation_zh,
            explanation_en=explanation_en,
            patterns=tuple(patterns),
            requires=requires,
            unless=tuple(unless),
            negatable=bool(entry.get("negatable", True)),
        )

    def is_negated(self, text: str, start: int) -> bool:
        """True when a negation or warning cue stands shortly before `start` in the same clause."""
        window = max(self._window_zh, self._window_en)
        before = text[max(0, start - window) : start]
        breaks = list(_CLAUSE_BREAK.finditer(before))
        if breaks:
            before = before[breaks[-1].end() :]
        zh_part = before[-self._window_zh :]
        return bool(self._negation_zh.search(zh_part) or self._negation_en.search(before[-self._window_en :]))

    def _first_match(self, rule: Rule, text: str) -> re.Match[str] | None:
        for pattern in rule.patterns:
            for found in pattern.finditer(text):
                if rule.negatable and self.is_negated(text, found.start()):
                    continue
                return found
        return None

    def match(self, text: str, quote: Callable[[int, str], str] | None = None) -> list[RuleHit]:
        """Return every rule signal the (already normalised) text shows, in rule-file order.

        `quote(start, matched)` words the evidence shown to the farmer (for a chat: the line it came from);
        without it the evidence is the matched words themselves."""
        hits: list[RuleHit] = []
        for rule in self.rules:
            # A signal may have several entries (the same story told in wordings that need different context);
            # the first entry that fires gives it, so its weight counts once.
            if any(hit.signal.code == rule.code for hit in hits):
                continue
            if any(pattern.search(text) for pattern in rule.unless):
                continue
            if not all(any(pattern.search(text) for pattern in group) for group in rule.requires):
                continue
            found = self._first_match(rule, text)
            if found is None:
                continue
            evidence = quote(found.start(), found.group(0)) if quote else _evidence(found.group(0))
            signal = ScamSignal(
                code=rule.code,
                explanation_zh=rule.explanation_zh.format(evidence=evidence),
                explanation_en=rule.explanation_en.format(evidence=evidence),
                evidence=evidence,
            )
            hits.append(RuleHit(signal=signal, weight=rule.weight))
        return hits
