"""Reading questions from a conversation: does a message ask something, and what did the farmer ask before."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from actions.turn import MAX_QUESTION_CHARS, is_payload

# Actions that answer the farmer's message as a question (the knowledge base or the repayment calculator).
ANSWERING_ACTIONS = frozenset({"action_answer_question", "action_answer_or_explain"})
# Replies that mean the message was not taken as a question after all.
NON_ANSWER_RESPONSES = frozenset({"utter_no_form_in_progress"})
SESSION_START = "action_session_start"

# Interrogative shapes in Chinese (particles, question words, "能不能"-style choices) and English.
_ZH_QUESTION = re.compile(
    r"[?？]|吗|么|嘛|呢|啥|咋|怎|什么|多少|多久|多长|几[个年月天次趟块万]|哪|谁|是不是|能不能|可不可以|"
    r"会不会|要不要|有没有|有用没|行不行|中不中|对不对|真的假的|是真的|靠谱|正规|管用|(?:能|可以|会|要|行)不(?:$|[，,。])"
)
_EN_QUESTION = re.compile(
    r"\b(what|how) about\b|\b(is|are) (?:it|that|this|they) (?:ok|okay|allowed|true|real|legal|legit|safe)\b|"
    r"\b(what|how|why|where|who) (?:do|does|did|should|can|is|are)\b",
    re.IGNORECASE,
)
_EN_STARTS_AS_QUESTION = re.compile(
    r"^\s*(what|how|why|when|where|which|who|is|are|do|does|did|can|could|should|would|will|may|must)\b",
    re.IGNORECASE,
)


def looks_like_question(text: str) -> bool:
    """True when the message is shaped like a question (a question mark, particle or question word)."""
    cleaned = (text or "").strip()
    if not cleaned or is_payload(cleaned):
        return False
    if _ZH_QUESTION.search(cleaned):
        return True
    if _EN_STARTS_AS_QUESTION.search(cleaned):
        return True
    # "my number is on a loan app list, what do I do": a question word heading the last clause.
    last_clause = re.split(r"[,;，；.。!！]\s*", cleaned.rstrip(" .!。！"))[-1]
    return bool(_EN_STARTS_AS_QUESTION.search(last_clause)) or bool(_EN_QUESTION.search(last_clause[:200]))


_CORRECTION_WORDS = re.compile(
    r"改|错|不对|重新|重填|更正|修正|弄岔|写岔|\b(change|wrong|fix|correct|correction|edit|mistake|update|redo)\b",
    re.IGNORECASE,
)


def asks_to_correct(text: str) -> bool:
    """True when the message talks about changing or fixing an answer ("电话填错了", "change my phone")."""
    return bool(_CORRECTION_WORDS.search(text or ""))


_ASKS_TO_APPLY = re.compile(
    r"(要|想|打算|准备)(现在)?就?(申请|申贷|办理?|填|报名)|帮(我|俺|忙)(申请|办|填|报)|给(我|俺)办|开始(申请|填)|预申请|"
    r"\b(i|we)\s*(want|wanna|would like|'d like|d like|need)\s+(to\s+)?(apply|sign up|start)|\bapply (now|for me)\b|"
    r"\bhelp me (to )?apply\b|\bsign me up\b|\bstart (a |the |my )?(loan |pre-?)?application\b",
    re.IGNORECASE,
)


def asks_to_apply(text: str) -> bool:
    """True when the farmer asks to start the pre-application ("我要申请贷款", "帮我办", "I want to apply")."""
    return bool(_ASKS_TO_APPLY.search(text or ""))


def _event_name(event: Mapping[str, Any]) -> str | None:
    name = event.get("name")
    return name if isinstance(name, str) else None


def _utter_action(event: Mapping[str, Any]) -> str | None:
    metadata = event.get("metadata")
    name = metadata.get("utter_action") if isinstance(metadata, dict) else None
    return name if isinstance(name, str) else None


def previous_question(events: Iterable[Mapping[str, Any]]) -> str | None:
    """The farmer's last message in this session, before the latest one, that the bot answered as a question.

    Read from the tracker's events: a user message counts when an answering action ran for it and did not
    reply that there was no form to fill. A new session (`action_session_start`) forgets earlier questions.
    """
    answered: str | None = None
    candidate: str | None = None
    candidate_answered = False
    for event in events:
        kind = event.get("event")
        if kind == "action" and _event_name(event) == SESSION_START:
            answered, candidate, candidate_answered = None, None, False
        elif kind == "user":
            if candidate is not None and candidate_answered:
                answered = candidate
            text = event.get("text")
            text = text.strip() if isinstance(text, str) else ""
            candidate = text if text and not is_payload(text) else None
            candidate_answered = False
        elif kind == "action" and _event_name(event) in ANSWERING_ACTIONS and candidate is not None:
            candidate_answered = True
        elif kind == "bot" and _utter_action(event) in NON_ANSWER_RESPONSES:
            candidate_answered = False
    # The latest message is still `candidate`: it is the one being answered now, never its own context.
    return answered[:MAX_QUESTION_CHARS] if answered else None
