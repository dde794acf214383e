"""The scam-risk detector: text in, risk 0–1 with a level and explained signals out."""

from __future__ import annotations

import logging
import math
import re
from typing import Protocol

from knowledge.scam.chat import PastedText, quote_line, split_pasted
from knowledge.scam.model import ALONE_RISK, ScamModel, ScamModelError
from knowledge.scam.rate import LprConfig, find_annual_rate, format_percent
from knowledge.scam.rules import RuleSet, normalise
from knowledge.scam.types import LEVEL_THRESHOLDS, Level, ScamAssessment, ScamSignal, level_for

log = logging.getLogger(__name__)

_MAX_CHARS = 5000
RATE_SIGNAL = "rate_above_cap"
LINE_SIGNAL = "scam_like_line"
# A warning (medium or above) needs a rule signal at least this strong (something concrete to show the farmer),
# or a learned score of at least MODEL_ALONE. The model's calibration puts MODEL_ALONE where only 0.5 % of the
# legitimate training messages score (out of fold), so the gate is chosen by cross-validation on the shipped
# training text, not on any evaluation set. Weak hints (urgency, a link, "add my WeChat") add to the risk but
# never tip a message into a warning on their own.
CORROBORATING_WEIGHT = 0.3
MODEL_ALONE = ALONE_RISK
# The learned model speaks alone only on text as long as a received message: more than 20 Chinese characters or
# 12 English words, the longest turns farmers type to the bot in our own NLU training text (nlu/data). Short chat
# ("你好", "我想申请贷款") is the farmer talking to us, and warning on it from the model alone scared farmers off.
# Shorter text still counts as received when it carries what senders put in and farmers do not type to us: a web
# link, a price, a premium-rate or freephone number, a short code to text ("to 81234"). It must still be a
# sentence (MARKED_MIN_CJK / MARKED_MIN_WORDS), so a bare phone or ID number typed into the form never counts.
MESSAGE_MIN_CJK = 21
MESSAGE_MIN_WORDS = 13
MARKED_MIN_CJK = 8
MARKED_MIN_WORDS = 4
_CJK = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"[A-Za-z0-9]+")
_SENDER_MARKS = re.compile(
    r"(https?://|\bwww\.|\b0(8|9)\d{2}[\s-]?\d{3}[\s-]?\d{3,4}\b|\b(to|2)\s+\d{5}\b|[£$€]\s?\d|"
    r"\b\d+(\.\d+)?\s?p\s?(/|per)\s?(min|msg|wk|week)\b|回复\s?[A-Za-z0-9]{1,6}\s?(到|至)\s?\d{5,})",
    re.IGNORECASE,
)


# A legitimate-sender counter-signal: Chinese commercial SMS must print an opt-out line ("回T退订", "拒收请回复R"),
# which scam texts rarely carry. Marketing reads "salesy" to the learned model (offers, 赶快, 限量), so on such a
# message the model alone does not warn; rule signals still do.
_OPT_OUT = re.compile(r"(退订|拒收|不再接收|回复?TD\b|回T\b)", re.IGNORECASE)


def has_opt_out_line(text: str) -> bool:
    """Whether the text carries a registered marketing sender's opt-out line."""
    return _OPT_OUT.search(text) is not None


def looks_like_received_message(text: str) -> bool:
    """Whether `text` looks like a message the farmer received rather than a chat turn they typed to us."""
    cjk, words = len(_CJK.findall(text)), len(_WORD.findall(text))
    if cjk >= MESSAGE_MIN_CJK or words >= MESSAGE_MIN_WORDS:
        return True
    return (cjk >= MARKED_MIN_CJK or words >= MARKED_MIN_WORDS) and _SENDER_MARKS.search(text) is not None


class RiskModel(Protocol):
    """A learned scorer: `predict` returns a 0–1 risk on the detector's scale; `warm_up` loads it."""

    def warm_up(self) -> None:
        """Load or train the model."""

    def predict(self, text: str) -> float:
        """Return the risk that the text is a scam."""
        ...


class ScamDetector:
    """Scores a message for scam risk by combining explainable rules with an optional learned model."""

    def __init__(
        self,
        rules: RuleSet,
        model: RiskModel | None = None,
        lpr: LprConfig | None = None,
        thresholds: dict[Level, float] | None = None,
        model_weight: float = 1.0,
        model_alone: float = MODEL_ALONE,
    ) -> None:
        self._rules = rules
        self._model = model
        self._lpr = lpr
        self._thresholds = thresholds or dict(LEVEL_THRESHOLDS)
        self._model_weight = model_weight
        self._model_alone = model_alone
        self._model_failed = False

    @classmethod
    def default(cls, with_model: bool = True) -> ScamDetector:
        """Build a detector from the shipped rule, LPR and training files (the model still loads lazily)."""
        return cls(RuleSet.from_yaml(), ScamModel() if with_model else None, LprConfig.from_yaml())

    def warm_up(self) -> None:
        """Train or load the learned model now instead of on the first message."""
        if self._model is None or self._model_failed:
            return
        try:
            self._model.warm_up()
        except ScamModelError as exc:
            self._model_failed = True
            log.warning("scam model unavailable, rules only: %s", exc)

    def _rate_signal(self, text: str, pasted: PastedText | None = None) -> tuple[ScamSignal, float] | None:
        wording = self._rules.computed.get(RATE_SIGNAL)
        if self._lpr is None or wording is None:
            return None
        finding = find_annual_rate(text)
        if finding is None or finding.annual_rate <= self._lpr.cap:
            return None
        values = {
            "rate": format_percent(finding.annual_rate),
            "cap": format_percent(self._lpr.cap),
            "lpr": f"{self._lpr.one_year_lpr_percent:g}%",
            "date": self._lpr.date,
            "evidence": finding.evidence,
        }
        if pasted is not None:
            position = text.find(finding.evidence)
            if position >= 0:
                values["evidence"] = pasted.quote(position, finding.evidence)
        signal = ScamSignal(
            code=RATE_SIGNAL,
            explanation_zh=wording.explanation_zh.format(**values),
            explanation_en=wording.explanation_en.format(**values),
            evidence=values["evidence"],
        )
        return signal, wording.weight

    def _most_scam_like_line(self, pasted: PastedText) -> ScamSignal | None:
        """The judged line the model finds most scam-like, quoted, when a multi-line text warns on the model alone."""
        wording = self._rules.computed.get(LINE_SIGNAL)
        if wording is None:
            return None
        scored = [(self._model_risk(line.text) or 0.0, line) for line in pasted.judged if len(line.text.strip()) >= 4]
        if not scored:
            return None
        _, line = max(scored, key=lambda pair: pair[0])
        evidence = quote_line(line, 0)
        return ScamSignal(
            code=LINE_SIGNAL,
            explanation_zh=wording.explanation_zh.format(evidence=evidence),
            explanation_en=wording.explanation_en.format(evidence=evidence),
            evidence=evidence,
        )

    def _model_risk(self, text: str) -> float | None:
        if self._model is None or self._model_failed:
            return None
        try:
            return self._model.predict(text)
        except ScamModelError as exc:
            self._model_failed = True
            log.warning("scam model unavailable, rules only: %s", exc)
            return None

    def assess(self, text: str) -> ScamAssessment:
        """Assess one incoming message or pasted chat (any language, any length) and explain what was found.

        A pasted chat is judged as a whole on the other side's lines only (the farmer's own "我：…" lines neither
        trigger nor dilute it), and each signal quotes the line that gave it away."""
        if not isinstance(text, str) or not text.strip():
            return ScamAssessment(risk=0.0, level="none", signals=[])
        pasted = split_pasted(normalise(text[:_MAX_CHARS]))
        normalised = pasted.their_text
        if not normalised.strip():
            return ScamAssessment(risk=0.0, level="none", signals=[], chat=pasted.is_chat)
        lines = pasted if pasted.multi_line else None
        hits = [
            (hit.signal, hit.weight)
            for hit in self._rules.match(normalised, lines.quote if lines is not None else None)
        ]
        rate = self._rate_signal(normalised, lines)
        if rate is not None:
            hits.append(rate)
        keep = 1.0
        for _, weight in hits:
            keep *= 1.0 - weight
        model_risk = self._model_risk(normalised)
        if model_risk is not None:
            keep *= 1.0 - self._model_weight * model_risk
        risk = min(1.0, max(0.0, 1.0 - keep))
        if math.isnan(risk):
            risk = 0.0
        by_rules = any(weight >= CORROBORATING_WEIGHT for _, weight in hits)
        by_model = (
            model_risk is not None
            and model_risk >= self._model_alone
            and looks_like_received_message(normalised)
            and not has_opt_out_line(normalised)
        )
        if not (by_rules or by_model):
            # Only weak hints: cap the risk just under the warning point so level and risk stay consistent.
            risk = min(risk, self._thresholds["medium"] - 0.01)
        signals = [signal for signal, _ in hits]
        level = level_for(risk, self._thresholds)
        if lines is not None and not by_rules and level in ("medium", "high"):
            line_signal = self._most_scam_like_line(lines)
            if line_signal is not None:
                signals.append(line_signal)
        return ScamAssessment(risk=risk, level=level, signals=signals, model_risk=model_risk, chat=pasted.is_chat)
