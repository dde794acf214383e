"""The bot's knowledge base for the Rasa-down fallback: the action server's loaded service, over HTTP.

The bot then holds no embedding model of its own (one copy per machine, in the action server). When the action
server cannot answer either, `answer` logs a one-line warning and returns an empty, unconfident answer, so the
fallback apologises politely.
"""

from __future__ import annotations

import logging

import httpx

from core.errors import NonghuiError
from core.lang import Lang
from knowledge.answer_types import Answer, SourceInfo

ANSWER_PATH = "/nonghui/answer"  # actions/answer_api.py
SECRET_HEADER = "X-Nonghui-Action-Token"  # actions/guard.py
log = logging.getLogger(__name__)


class KnowledgeUnavailable(NonghuiError):
    """The action server could not answer a fallback question."""


class RemoteKnowledge:
    """An `AnswersQuestions` that asks the action server's knowledge service (POST /nonghui/answer)."""

    def __init__(
        self, action_base_url: str, secret: str, timeout: float = 5.0, client: httpx.Client | None = None
    ) -> None:
        self._url = action_base_url.rstrip("/") + ANSWER_PATH
        self._headers = {SECRET_HEADER: secret}
        self._timeout = timeout
        self._client = client

    def warm_up(self) -> None:
        """Nothing to load here: the action server holds the index and the model."""

    def answer(
        self,
        question: str,
        *,
        lang: Lang,
        topic: str | None = None,
        region: str | None = None,
        previous: str | None = None,
    ) -> Answer:
        """The action server's answer to `question` (a follow-up read with the `previous` question); an empty
        unconfident answer when it cannot give one."""
        try:
            return self._ask(question, lang, previous)
        except KnowledgeUnavailable as exc:
            log.warning("knowledge fallback unavailable: %s", exc)
            return Answer(text="", lang=lang, confident=False)

    def _ask(self, question: str, lang: Lang, previous: str | None = None) -> Answer:
        """One request to the action server; KnowledgeUnavailable when it does not answer properly."""
        payload: dict[str, str] = {"question": question, "lang": lang}
        if previous and previous.strip():
            payload["previous"] = previous
        try:
            post = self._client.post if self._client is not None else httpx.post
            response = post(self._url, json=payload, headers=self._headers, timeout=self._timeout)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise KnowledgeUnavailable(f"the action server could not answer: {type(exc).__name__}") from exc
        if not isinstance(body, dict):
            raise KnowledgeUnavailable("the action server sent an unexpected answer")
        sources = [
            SourceInfo(title=str(s["title"]), locator=str(s.get("locator") or ""), url=s.get("url") or None)
            for s in body.get("sources") or []
            if isinstance(s, dict) and isinstance(s.get("title"), str)
        ]
        return Answer(
            text=str(body.get("text") or ""),
            lang=lang,
            confident=bool(body.get("confident")),
            sources=sources,
            topic=body.get("topic") if isinstance(body.get("topic"), str) else None,
        )


def action_base_url(action_webhook_url: str) -> str:
    """The action server's base URL from its webhook URL (http://host:port/webhook → http://host:port)."""
    return action_webhook_url.removesuffix("/").removesuffix("/webhook")
