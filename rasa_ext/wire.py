"""What the Nonghui input channel accepts and answers; standard library only (it runs inside Rasa's venv).

The bot (bot/rasa_client.py) and the channel (rasa_ext/channel.py) agree on this: POST
`/webhooks/nonghui/turn` with the header `X-Nonghui-Token` and `{"sender", "message", "metadata"}`; the answer
is `{"messages": [...as Rasa's REST channel sends them...], "intent": {"name", "confidence"} | null,
"lang": "zh" | "en" | null, "form": {"token", "step"} | null}`, so one round trip gives the replies and what the
bot needs from the tracker.
"""

from __future__ import annotations

import hmac
import os
from pathlib import Path
from typing import Any

TOKEN_HEADER = "X-Nonghui-Token"
# The same secret as Rasa's HTTP API token: the bot holds it, Rasa checks it (env var or a file it names).
TOKEN_ENV = "NONGHUI_RASA_TOKEN"
TOKEN_FILE_ENV = "NONGHUI_RASA_TOKEN_FILE"
LANGS = ("zh", "en")


class BadTurn(ValueError):
    """A request body that is not a farmer turn."""


# The pre-application form (nlu/domain.yml) whose instance token and asked step the bot's form guard needs.
FORM_NAME = "preapplication_form"
FORM_KEYS = ("token", "step")


def token_matches(presented: str | None, expected: str) -> bool:
    """True when the presented token equals the expected one (constant-time compare; empty never matches)."""
    if not presented or not expected:
        return False
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


def read_token(environ: dict[str, str] | None = None) -> str | None:
    """The shared token from NONGHUI_RASA_TOKEN, else from the file NONGHUI_RASA_TOKEN_FILE names; None if neither."""
    env = os.environ if environ is None else environ
    value = (env.get(TOKEN_ENV) or "").strip()
    if value:
        return value
    path = (env.get(TOKEN_FILE_ENV) or "").strip()
    if path:
        text = Path(path).read_text(encoding="utf-8").strip()
        return text or None
    return None


def parse_turn(body: object) -> tuple[str, str, dict[str, Any]]:
    """(sender, message, metadata) from a request body; BadTurn when a field is missing or of the wrong type."""
    if not isinstance(body, dict):
        raise BadTurn("the body must be a JSON object")
    sender, message, metadata = body.get("sender"), body.get("message"), body.get("metadata")
    metadata = {} if metadata is None else metadata
    if not isinstance(sender, str) or not sender or len(sender) > 255:
        raise BadTurn("sender must be a non-empty string of at most 255 characters")
    if not isinstance(message, str):
        raise BadTurn("message must be a string")
    if not isinstance(metadata, dict):
        raise BadTurn("metadata must be an object")
    return sender, message, metadata


def turn_answer(messages: list[dict[str, Any]], intent: object, lang: object, form: object = None) -> dict[str, Any]:
    """The channel's answer: the collected messages, the latest intent ({name, confidence} or None), the language,
    and the pre-application form ({token, step}, both null when no form is open; null when unknown)."""
    clean_intent = None
    if isinstance(intent, dict) and isinstance(intent.get("name"), str) and intent["name"]:
        confidence = intent.get("confidence")
        number = float(confidence) if isinstance(confidence, int | float) and not isinstance(confidence, bool) else 0.0
        clean_intent = {"name": intent["name"], "confidence": number}
    clean_form = None
    if isinstance(form, dict):
        clean_form = {key: value if isinstance(value, str) else None for key, value in form.items() if key in FORM_KEYS}
    return {
        "messages": messages,
        "intent": clean_intent,
        "lang": lang if lang in LANGS else None,
        "form": clean_form,
    }


def form_of(active_loop: object, token: object, step: object) -> dict[str, str | None]:
    """The form part of the answer from the tracker's active loop and its `form_token` / `requested_slot` slots."""
    active = active_loop == FORM_NAME
    return {
        "token": token if active and isinstance(token, str) else None,
        "step": step if active and isinstance(step, str) else None,
    }
