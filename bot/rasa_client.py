"""Dialogue engine backed by Rasa: one request per farmer turn to Nonghui's input channel (rasa_ext/channel.py).

The channel answers with the replies, the recognised intent and the conversation's language, so no tracker read
follows. With several Rasa servers (scale-out), each conversation goes to one of them, chosen by rendezvous
hashing of its sender id: the same farmer always reaches the same server (Rasa's in-process lock then serialises
their turns), a server that is down hands only its own conversations to the next one in that farmer's order, and
they come back to it once it answers again. Conversations live in the shared tracker store, so whichever server
takes a turn continues where the conversation was.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any, cast

import httpx

from bot.errors import DialogueUnavailable
from bot.messages import BotReply, Button, FormState, IntentInfo, SourceRef, TurnResult, UserTurn
from bot.privacy import mask_personal_data
from core.lang import Lang, detect_lang

logger = logging.getLogger(__name__)

_LANGS: tuple[Lang, ...] = ("zh", "en")
CONNECT_TIMEOUT_SECONDS = 1.0
TURN_PATH = "/webhooks/nonghui/turn"
STATUS_PATH = "/status"  # Rasa's own: 200 once its model is loaded
HEALTH_TIMEOUT_SECONDS = 1.0
TOKEN_HEADER = "X-Nonghui-Token"  # rasa_ext/wire.py
# A server that failed is skipped for this long before it is tried again (it takes its share back after that).
RETRY_DOWN_AFTER_SECONDS = 5.0
# Answers that mean "this server cannot take the turn now"; the turn goes to the next server.
_FAIL_OVER_STATUSES = frozenset({502, 503, 504})


class _Unreachable(DialogueUnavailable):
    """This Rasa server could not take the turn (down, restarting or overloaded); another one may."""


def replica_order(sender_id: str, urls: Sequence[str]) -> list[str]:
    """The servers in the order `sender_id` tries them: rendezvous (highest random weight) hashing.

    Stable for a sender; removing one server moves only the conversations that preferred it."""
    if len(urls) < 2:
        return list(urls)

    def weight(url: str) -> bytes:
        return hashlib.blake2b(f"{url}\x00{sender_id}".encode(), digest_size=8).digest()

    return sorted(urls, key=weight, reverse=True)


class RasaDialogue:
    """Sends a farmer's turn to a Rasa server's Nonghui channel and returns replies, intent and language."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str | Sequence[str],
        token: str | None,
        timeout: float,
        *,
        clock: Any = time.monotonic,
    ) -> None:
        urls = [base_url] if isinstance(base_url, str) else list(base_url)
        if not urls:
            raise ValueError("at least one Rasa URL is needed")
        self._http = http
        self._urls = [url.rstrip("/") for url in urls]
        self._token = token
        self._params = {"token": token} if token else {}
        self._headers = {TOKEN_HEADER: token} if token else {}
        # A dead or restarting Rasa refuses or stalls the connection: give up on that quickly (the fallback answers).
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT_SECONDS))
        self._clock = clock
        self._down_until: dict[str, float] = {}
        self.fail_overs = 0

    async def handle(self, turn: UserTurn) -> TurnResult:
        """Return Rasa's replies to `turn`; raise DialogueUnavailable when no Rasa server can answer."""
        logger.debug("to rasa (%s): %s", turn.channel, mask_personal_data(turn.text))
        payload = {
            "sender": turn.sender_id,
            "message": turn.text,
            "metadata": {"lang": turn.lang, "channel": turn.channel, **turn.metadata},
        }
        body = await self._to_replica(turn.sender_id, "POST", TURN_PATH, json=payload, headers=self._headers)
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            raise DialogueUnavailable(f"Rasa's channel returned {type(body).__name__}, expected an object")
        return TurnResult(
            replies=replies_from_rest(body["messages"]),
            intent=intent_from_tracker({"latest_message": {"intent": body.get("intent")}}),
            lang=_result_lang(body.get("lang"), turn),
            form=form_from_answer(body.get("form")),
        )

    async def understand(self, turn: UserTurn) -> IntentInfo | None:
        """The intent Rasa's NLU reads in `turn`, without running the dialogue or touching the conversation.

        None when Rasa cannot say (down, slow, or an unexpected body)."""
        try:
            body = await self._to_replica(turn.sender_id, "POST", "/model/parse", json={"text": turn.text})
        except DialogueUnavailable as exc:
            logger.warning("could not ask Rasa for the intent: %s", exc)
            return None
        return intent_from_tracker({"latest_message": body}) if isinstance(body, dict) else None

    async def healthy(self) -> bool:
        """True when a Rasa server answers its status endpoint (model loaded) within a second."""
        for url in self._urls:
            try:
                response = await self._http.get(
                    f"{url}{STATUS_PATH}", params=self._params, timeout=HEALTH_TIMEOUT_SECONDS
                )
            except httpx.HTTPError:
                continue
            if response.is_success:
                return True
        return False

    async def _to_replica(self, sender_id: str, method: str, path: str, **kwargs: Any) -> object:
        """Send to the sender's server; on a connection failure or 502–504, to the next one in its order."""
        order = replica_order(sender_id, self._urls)
        now = self._clock()
        # Servers that failed recently go last (still tried if every other one fails too).
        order.sort(key=lambda url: self._down_until.get(url, 0.0) > now)
        last: DialogueUnavailable | None = None
        for attempt, url in enumerate(order):
            try:
                body = await self._request(url, method, path, **kwargs)
            except _Unreachable as exc:
                self._down_until[url] = self._clock() + RETRY_DOWN_AFTER_SECONDS
                last = exc
                if attempt + 1 < len(order):
                    self.fail_overs += 1
                    logger.warning("Rasa server %s unavailable (%s); trying the next one", url, exc)
                continue
            self._down_until.pop(url, None)
            return body
        assert last is not None
        raise last

    async def _request(
        self,
        base: str,
        method: str,
        path: str,
        *,
        json: object | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> object:
        """Send one request to one Rasa server and return its decoded JSON body."""
        url = f"{base}{path}"
        try:
            response = await self._http.request(
                method, url, json=json, params=self._params, headers=headers, timeout=self._timeout
            )
        except (httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise _Unreachable(f"Rasa did not accept {method} {path} in time") from exc
        except httpx.TimeoutException as exc:
            # The server has the turn and may still finish it: sending it elsewhere could run it twice.
            raise DialogueUnavailable(f"Rasa timed out on {method} {path}") from exc
        except httpx.HTTPError as exc:  # refused, or the connection dropped (a server killed mid-turn)
            raise _Unreachable(f"Rasa unreachable on {method} {path}: {type(exc).__name__}") from exc
        if response.status_code in _FAIL_OVER_STATUSES:
            raise _Unreachable(f"Rasa answered {method} {path} with HTTP {response.status_code}")
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


def form_from_answer(form: object) -> FormState | None:
    """The pre-application's token and asked step as the Nonghui channel reports them (rasa_ext/wire.py); None
    when the channel could not say."""
    if not isinstance(form, dict):
        return None
    token, step = form.get("token"), form.get("step")
    return FormState(token=token if isinstance(token, str) else None, step=step if isinstance(step, str) else None)


def _result_lang(slot_lang: object, turn: UserTurn) -> Lang:
    """Pick the reply language: the conversation's `lang` slot, then the turn's, then detection, then Chinese."""
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
