"""Dialogue engine backed by a Rasa server: REST channel for replies, tracker API for intent and language."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, cast
from urllib.parse import quote

import httpx

from bot.errors import DialogueUnavailable
from bot.messages import BotReply, Button, FormState, IntentInfo, SourceRef, TurnResult, UserTurn
from bot.privacy import mask_personal_data
from core.lang import Lang, detect_lang

logger = logging.getLogger(__name__)

_LANGS: tuple[Lang, ...] = ("zh", "en")
CONNECT_TIMEOUT_SECONDS = 1.0
FORM_NAME = "preapplication_form"


class RasaDialogue:
    """Sends a farmer's turn to Rasa's REST webhook and reads the recognised intent from the tracker."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, token: str | None, timeout: float) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._params = {"token": token} if token else {}
        # A dead or restarting Rasa refuses or stalls the connection: give up on that quickly (the fallback answers).
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT_SECONDS))

    async def handle(self, turn: UserTurn) -> TurnResult:
        """Return Rasa's replies to `turn`; raise DialogueUnavailable when Rasa cannot answer."""
        logger.debug("to rasa (%s): %s", turn.channel, mask_personal_data(turn.text))
        payload = {
            "sender": turn.sender_id,
            "message": turn.text,
            "metadata": {"lang": turn.lang, "channel": turn.channel, **turn.metadata},
        }
        body = await self._request("POST", "/webhooks/rest/webhook", json=payload)
        if not isinstance(body, list):
            raise DialogueUnavailable(f"Rasa webhook returned {type(body).__name__}, expected a list")
        replies = replies_from_rest(body)
        tracker = await self._tracker(turn.sender_id)
        return TurnResult(
            replies=replies,
            intent=intent_from_tracker(tracker),
            lang=_result_lang(tracker, turn),
            form=form_from_tracker(tracker),
        )

    async def understand(self, turn: UserTurn) -> IntentInfo | None:
        """The intent Rasa's NLU reads in `turn`, without running the dialogue or touching the conversation.

        None when Rasa cannot say (down, slow, or an unexpected body)."""
        try:
            body = await self._request("POST", "/model/parse", json={"text": turn.text})
        except DialogueUnavailable as exc:
            logger.warning("could not ask Rasa for the intent: %s", exc)
            return None
        return intent_from_tracker({"latest_message": body}) if isinstance(body, dict) else None

    async def _tracker(self, sender_id: str) -> Mapping[str, Any]:
        """Return the sender's tracker, or an empty mapping when it cannot be read.

        The message has already been processed by then, so a missing tracker only costs the intent;
        falling back to another engine would answer the farmer twice.
        """
        path = f"/conversations/{quote(sender_id, safe=':@-._~')}/tracker"
        try:
            body = await self._request("GET", path, params={"include_events": "NONE"})
        except DialogueUnavailable as exc:
            logger.warning("could not read the Rasa tracker: %s", exc)
            return {}
        if not isinstance(body, dict):
            logger.warning("Rasa tracker is %s, expected an object", type(body).__name__)
            return {}
        return body

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: object | None = None,
        params: Mapping[str, str] | None = None,
    ) -> object:
        """Send one request to Rasa and return its decoded JSON body."""
        url = f"{self._base_url}{path}"
        try:
            response = await self._http.request(
                method,
                url,
                json=json,
                params={**self._params, **(params or {})},
                timeout=self._timeout,
            )
        except httpx.TimeoutException as exc:
            raise DialogueUnavailable(f"Rasa timed out on {method} {path}") from exc
        except httpx.HTTPError as exc:
            raise DialogueUnavailable(f"Rasa unreachable on {method} {path}: {type(exc).__name__}") from exc
        if not response.is_success:
            raise DialogueUnavailable(f"Rasa answered {method} {path} with HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise DialogueUnavailable(f"Rasa sent malformed JSON on {method} {path}") from exc


def replies_from_rest(messages: list[object]) -> list[BotReply]:
    """Convert Rasa REST channel messages to replies.

    A `custom` payload without its own text carries sources for the reply before it, because Rasa's REST
    channel splits one `utter_message(text, buttons, json_message)` into two messages.
    """
    replies: list[BotReply] = []
    pending_sources: list[SourceRef] = []
    for message in messages:
        if not isinstance(message, dict):
            logger.warning("skipping a Rasa message of type %s", type(message).__name__)
            continue
        text = message.get("text")
        if isinstance(text, str) and text:
            replies.append(BotReply(text=text, buttons=_buttons(message.get("buttons"))))
        custom = message.get("custom")
        if isinstance(custom, dict):
            custom_text = custom.get("text")
            sources = _sources(custom.get("sources"))
            if isinstance(custom_text, str) and custom_text:
                replies.append(BotReply(text=custom_text, buttons=_buttons(custom.get("buttons")), sources=sources))
            elif replies:
                replies[-1].sources.extend(sources)
            else:
                pending_sources.extend(sources)
        if pending_sources and replies:
            replies[0].sources[:0] = pending_sources
            pending_sources = []
    if pending_sources:
        logger.warning("dropping %d sources that came without any reply", len(pending_sources))
    return replies


def intent_from_tracker(tracker: Mapping[str, Any]) -> IntentInfo | None:
    """Return the latest message's intent from a Rasa tracker, or None when it has none."""
    latest = tracker.get("latest_message")
    intent = latest.get("intent") if isinstance(latest, dict) else None
    if not isinstance(intent, dict):
        return None
    name = intent.get("name")
    confidence = intent.get("confidence")
    if not isinstance(name, str) or not name:
        return None
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        confidence = 0.0
    return IntentInfo(name=name, confidence=float(confidence))


def form_from_tracker(tracker: Mapping[str, Any]) -> FormState | None:
    """The pre-application's token and asked step from a tracker; None when the tracker could not be read."""
    slots = tracker.get("slots")
    if not isinstance(slots, dict):
        return None
    loop = tracker.get("active_loop")
    active = isinstance(loop, dict) and loop.get("name") == FORM_NAME
    token, step = slots.get("form_token"), slots.get("requested_slot")
    return FormState(
        token=token if active and isinstance(token, str) else None,
        step=step if active and isinstance(step, str) else None,
    )


def _result_lang(tracker: Mapping[str, Any], turn: UserTurn) -> Lang:
    """Pick the reply language: tracker slot, then the turn's, then detection, then Chinese."""
    slots = tracker.get("slots")
    slot_lang = slots.get("lang") if isinstance(slots, dict) else None
    if slot_lang in _LANGS:
        return cast(Lang, slot_lang)
    return turn.lang or detect_lang(turn.text) or "zh"


def _buttons(raw: object) -> list[Button]:
    """Convert Rasa's button list, skipping entries without a string title and payload."""
    if not isinstance(raw, list):
        return []
    buttons: list[Button] = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("title"), str) and isinstance(item.get("payload"), str):
            buttons.append(Button(title=item["title"], payload=item["payload"]))
    return buttons


def _sources(raw: object) -> list[SourceRef]:
    """Convert the actions' `sources` list ({title, locator, url}), skipping entries without a title."""
    if not isinstance(raw, list):
        return []
    sources: list[SourceRef] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("title"), str):
            continue
        locator = item.get("locator")
        url = item.get("url")
        sources.append(
            SourceRef(
                title=item["title"],
                locator=locator if isinstance(locator, str) else "",
                url=url if isinstance(url, str) and url else None,
            )
        )
    return sources
