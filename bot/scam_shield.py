"""Scores every farmer text for scam risk before normal handling and warns first when the risk is medium or high."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import Protocol

from bot.conversation import LanguageMemory
from bot.dialogue import DialogueEngine
from bot.messages import BotReply, Button, ScamInfo, TurnResult, UserTurn
from bot.texts import text as bot_text
from core.intents import NLU_FALLBACK, Intent
from core.lang import Lang, detect_lang
from knowledge.scam.check import check_reply, extract_checked_message, is_check_request
from knowledge.scam.types import ScamAssessment

logger = logging.getLogger(__name__)

CHECK_INTENT = Intent.CHECK_MESSAGE
FORWARDED = "forwarded"
LEARN_PAYLOAD = Intent.ASK_SCAM.payload
PERSON_PAYLOAD = Intent.HUMAN_HANDOFF.payload
# A follow-up shorter than this after "帮我看看这条短信" is a new question, not the message to check.
MIN_FOLLOW_UP_CHARS = 8
# Intents whose unsourced reply means "I cannot answer that": after a warning it only confuses. check_message gets
# here only without a "check this" request, when its action answers from the knowledge base like a question.
# (Question intents stay: their unsourced replies include worked answers such as repayment figures.)
ABSTAINING_INTENTS = frozenset({NLU_FALLBACK, Intent.OUT_OF_SCOPE, CHECK_INTENT})


class AssessesScams(Protocol):
    """What the shield needs from a scam detector (knowledge.scam.ScamDetector in production)."""

    def warm_up(self) -> None:
        """Load the detector's model now rather than on the first message."""

    def assess(self, text: str) -> ScamAssessment:
        """Return the scam risk of one message."""
        ...


def is_scorable(turn: UserTurn) -> bool:
    """True for text the farmer typed, pasted or forwarded; False for empty text and button payloads."""
    stripped = turn.text.strip()
    return bool(stripped) and not stripped.startswith("/") and not turn.metadata.get("from_button")


def scam_info(assessment: ScamAssessment) -> ScamInfo:
    """The API's `scam` object (signal codes, not explanations) for an assessment."""
    api = assessment.to_api()
    return ScamInfo(risk=api["risk"], level=api["level"], signals=api["signals"])


def has_nothing_to_add(result: TurnResult) -> bool:
    """Whether the dialogue only said it could not answer (a fallback or out-of-scope turn, no sourced reply)."""
    return (
        result.intent is not None
        and result.intent.name in ABSTAINING_INTENTS
        and not any(reply.sources for reply in result.replies)
    )


def scam_buttons(lang: Lang) -> list[Button]:
    """The two choices under a scam verdict: the knowledge answer on scams and a person."""
    return [
        Button(title=bot_text("scam_button_learn", lang), payload=LEARN_PAYLOAD),
        Button(title=bot_text("scam_button_person", lang), payload=PERSON_PAYLOAD),
    ]


class PendingChecks:
    """Senders who asked "check this message" without giving it; forgets the oldest beyond `max_senders`."""

    def __init__(self, max_senders: int) -> None:
        self._max = max_senders
        self._senders: OrderedDict[str, None] = OrderedDict()

    def add(self, sender_id: str) -> None:
        """Remember that the sender's next message is the one to check."""
        self._senders[sender_id] = None
        self._senders.move_to_end(sender_id)
        while len(self._senders) > self._max:
            self._senders.popitem(last=False)

    def pop(self, sender_id: str) -> bool:
        """Forget the sender's pending check; True when there was one."""
        if sender_id not in self._senders:
            return False
        del self._senders[sender_id]
        return True


class ScamShield:
    """A DialogueEngine decorator: scam verdict first (warning, or the check the farmer asked for), then the answer.

    - medium/high risk: a warning reply (level, signals explained, what to do, two buttons) before the answer
      (alone when the answer would only say that the documents do not cover the pasted text);
    - forwarded messages, and the message after a bare "帮我看看这条短信", get only the verdict;
    - explicit "check this message" requests get the dialogue's own verdict, so no second warning is added;
    - a detector failure or timeout never stops the turn: it is answered without a score;
    - while `warm_up` is loading the detector (a freshly started bot), turns are answered without a score rather
      than waiting for the load.
    """

    def __init__(
        self,
        inner: DialogueEngine,
        detector: AssessesScams,
        *,
        timeout_seconds: float = 10.0,
        max_senders: int = 10_000,
    ) -> None:
        if timeout_seconds <= 0 or max_senders < 1:
            raise ValueError("timeout_seconds and max_senders must be positive")
        self._inner = inner
        self._detector = detector
        self._timeout = timeout_seconds
        self._langs = LanguageMemory(max_senders)
        self._pending = PendingChecks(max_senders)
        self._warming = False
        self._warmed = False

    @property
    def warmed(self) -> bool:
        """Whether `warm_up` has finished (successfully or not): the bot's `/readyz` waits for it."""
        return self._warmed

    def warm_up(self) -> None:
        """Load the detector now (run it in a background thread at start-up); failures are only logged."""
        self._warming = True
        try:
            self._detector.warm_up()
            logger.info("scam detector is warm")
        except Exception:
            logger.exception("scam detector warm-up failed; messages are scored once it loads")
        finally:
            self._warming = False
            self._warmed = True

    async def handle(self, turn: UserTurn) -> TurnResult:
        """Answer `turn`, with the scam verdict first when one is due; never raises because of the detector."""
        if not is_scorable(turn):
            return await self._answer(turn, None)
        assessment = await self._assess(turn.text)
        pending = self._pending.pop(turn.sender_id)
        if turn.metadata.get(FORWARDED) or (pending and len(turn.text.strip()) >= MIN_FOLLOW_UP_CHARS):
            return self._verdict(turn, assessment)
        return await self._answer(turn, assessment)

    async def _answer(self, turn: UserTurn, assessment: ScamAssessment | None) -> TurnResult:
        """The inner engine's answer, with the warning put first when the risk calls for one."""
        result = await self._inner.handle(turn)
        self._langs.remember(turn.sender_id, result.lang)
        if assessment is None:
            return result
        replies = list(result.replies)
        if result.intent is not None and result.intent.name == CHECK_INTENT and is_check_request(turn.text):
            if extract_checked_message(turn.text) is None:
                self._pending.add(turn.sender_id)
        elif assessment.should_warn:
            warning = BotReply(text=assessment.warning(result.lang), buttons=scam_buttons(result.lang))
            replies = [warning] if has_nothing_to_add(result) else [warning, *replies]
        return result.model_copy(update={"replies": replies, "scam": scam_info(assessment)})

    def _verdict(self, turn: UserTurn, assessment: ScamAssessment | None) -> TurnResult:
        """Only the verdict on a message the farmer wants checked (forwarded or pasted after asking)."""
        lang: Lang = turn.lang or self._langs.get(turn.sender_id) or detect_lang(turn.text) or "zh"
        if assessment is None:
            reply = BotReply(text=bot_text("scam_check_unavailable", lang), buttons=scam_buttons(lang))
            return TurnResult(replies=[reply], intent=None, lang=lang)
        reply = BotReply(text=check_reply(assessment, lang), buttons=scam_buttons(lang))
        return TurnResult(replies=[reply], intent=None, lang=lang, scam=scam_info(assessment))

    async def _assess(self, text: str) -> ScamAssessment | None:
        """Score `text` off the event loop; None (logged without the text) on failure or timeout, or while the
        detector is still loading (the turn would wait for the load and hold a worker thread)."""
        if self._warming:
            logger.info("scam detector still loading; answering without a score")
            return None
        try:
            assessment = await asyncio.wait_for(asyncio.to_thread(self._detector.assess, text), self._timeout)
        except TimeoutError:
            logger.warning("scam scoring took longer than %.1f s; answering without it", self._timeout)
            return None
        except Exception as exc:
            logger.error("scam scoring failed (%s); answering without it", type(exc).__name__)
            return None
        logger.debug("scam risk %.2f (%s) signals=%s", assessment.risk, assessment.level, assessment.signal_codes())
        return assessment
