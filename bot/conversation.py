"""Channel-agnostic input hygiene and per-farmer language memory in front of the dialogue engine."""

from __future__ import annotations

import re
import unicodedata
from collections import OrderedDict
from typing import Protocol

from bot.dialogue import DialogueEngine
from bot.messages import BotReply, TurnResult, UserTurn
from bot.texts import text, topic_buttons
from core.lang import Lang, detect_lang

# Sentence ends in Chinese and English; a full stop only counts when followed by whitespace (not "3.5").
_SENTENCE_END = re.compile(r"[。！？!?；;…\n]|\.(?=\s)")
_KEPT_CONTROLS = frozenset("\n\t")


class Conversation:
    """Cleans a farmer's turn (empty, over-long, control characters) and remembers each farmer's language."""

    def __init__(
        self,
        engine: DialogueEngine,
        *,
        max_chars: int = 1000,
        max_senders: int = 10_000,
        memory: RemembersLanguages | None = None,
    ) -> None:
        if max_chars < 1 or max_senders < 1:
            raise ValueError("max_chars and max_senders must be positive")
        self._engine = engine
        self._max_chars = max_chars
        # In memory by default; several bot workers share one in Redis (bot/shared_state.py).
        self._langs: RemembersLanguages = memory if memory is not None else LanguageMemory(max_senders)

    async def handle(self, turn: UserTurn) -> TurnResult:
        """Answer `turn` after cleaning it; empty turns get a topic prompt without calling the engine."""
        cleaned = strip_control_characters(turn.text)
        remembered = self._langs.get(turn.sender_id)
        if not cleaned.strip():
            prompt_lang: Lang = turn.lang or remembered or "zh"
            reply = BotReply(text=text("empty_prompt", prompt_lang), buttons=topic_buttons(prompt_lang))
            return TurnResult(replies=[reply], intent=None, lang=prompt_lang)
        truncated = len(cleaned) > self._max_chars
        if truncated:
            cleaned = cut_at_sentence(cleaned, self._max_chars)
        turn_lang = turn.lang
        if turn_lang is None and detect_lang(cleaned) is None:
            turn_lang = remembered
        result = await self._engine.handle(turn.model_copy(update={"text": cleaned, "lang": turn_lang}))
        self._langs.remember(turn.sender_id, result.lang)
        if truncated:
            result = _with_truncation_note(result)
        return result


class InputHygiene:
    """The outermost stage: control characters (NUL, escapes, bells…) and lone surrogates leave the farmer's text
    before anything stores or forwards it (transcript, hand-off messages for staff, campaign greeter)."""

    def __init__(self, engine: DialogueEngine) -> None:
        self._engine = engine

    async def handle(self, turn: UserTurn) -> TurnResult:
        """Pass `turn` on with its text cleaned."""
        cleaned = strip_control_characters(turn.text)
        if cleaned != turn.text:
            turn = turn.model_copy(update={"text": cleaned})
        return await self._engine.handle(turn)


class RemembersLanguages(Protocol):
    """Where the farmer's last reply language is kept (in this process, or shared between workers)."""

    def get(self, sender_id: str) -> Lang | None:
        """The sender's last language, or None."""
        ...

    def remember(self, sender_id: str, lang: Lang) -> None:
        """Store the sender's language."""
        ...


class LanguageMemory:
    """The last reply language of each sender, forgetting the least recently seen beyond `max_senders`."""

    def __init__(self, max_senders: int) -> None:
        self._max = max_senders
        self._langs: OrderedDict[str, Lang] = OrderedDict()

    def get(self, sender_id: str) -> Lang | None:
        """Return the sender's last language, or None if unknown."""
        lang = self._langs.get(sender_id)
        if lang is not None:
            self._langs.move_to_end(sender_id)
        return lang

    def remember(self, sender_id: str, lang: Lang) -> None:
        """Store the sender's language as the most recently seen."""
        self._langs[sender_id] = lang
        self._langs.move_to_end(sender_id)
        while len(self._langs) > self._max:
            self._langs.popitem(last=False)

    def __len__(self) -> int:
        return len(self._langs)


def strip_control_characters(raw: str) -> str:
    """Remove control characters and lone surrogates, keeping newlines, tabs and emoji joiners."""
    normalised = raw.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in normalised if ch in _KEPT_CONTROLS or unicodedata.category(ch) not in ("Cc", "Cs"))


def cut_at_sentence(raw: str, max_chars: int) -> str:
    """Return at most `max_chars` characters of `raw`, ending at a sentence or word end if one is near."""
    head = raw[:max_chars]
    floor = max_chars // 2
    ends = [match.end() for match in _SENTENCE_END.finditer(head) if match.end() >= floor]
    if ends:
        return head[: ends[-1]].rstrip()
    space = head.rfind(" ")
    if space >= floor:
        return head[:space].rstrip()
    return head


def _with_truncation_note(result: TurnResult) -> TurnResult:
    """Put the "I only read the beginning" note in front of the first reply."""
    note = text("truncated_note", result.lang)
    replies = [reply.model_copy(deep=True) for reply in result.replies]
    if replies:
        first = replies[0]
        replies[0] = first.model_copy(update={"text": f"{note}\n\n{first.text}" if first.text else note})
    else:
        replies = [BotReply(text=note)]
    return result.model_copy(update={"replies": replies})
