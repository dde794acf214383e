"""Button payloads of the pre-application form, bound to their step and form instance (read by the bot and actions).

`/inform{"choice":"yes","step":10,"form":"3fa9c1d2e4b7"}`: the step is the position of the question in `FIELDS`
(1–11, the summary is 11) and the form is the instance's token without its `pa-` prefix, so the payload fits
Telegram's 64 bytes. A tap on a button of another step or form is stale and must change nothing.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from core.intents import Intent
from core.text import bi
from loans.preapplication import FIELDS, Choice, Field

CHOICE_ENTITY = "choice"
STEP_ENTITY = "step"
FORM_ENTITY = "form"
TOKEN_PREFIX = "pa-"
SUMMARY_STEP: Field = "confirmed"
# Form commands whose buttons are bound too: an old "cancel" must not cancel a newer form.
BOUND_COMMANDS = (Intent.CANCEL_FORM.payload, Intent.CORRECT_FIELD.payload)


def new_form_token() -> str:
    """A fresh token for one form instance, the idempotency key of its confirmation (48 random bits)."""
    return f"{TOKEN_PREFIX}{secrets.token_hex(6)}"


def step_number(field: Field) -> int:
    """The step a field is asked at, 1–11."""
    return FIELDS.index(field) + 1


def step_field(number: object) -> Field | None:
    """The field asked at step `number`, or None for anything else."""
    try:
        index = int(str(number)) - 1
    except ValueError:
        return None
    return FIELDS[index] if 0 <= index < len(FIELDS) else None


def form_tag(token: object) -> str | None:
    """What a button carries to name its form instance: the token without its prefix (None without a token)."""
    return str(token).removeprefix(TOKEN_PREFIX) if token else None


def token_of(tag: str) -> str:
    """The form token a button's form tag stands for."""
    return tag if tag.startswith(TOKEN_PREFIX) else f"{TOKEN_PREFIX}{tag}"


def choice_payload(choice: Choice, step: Field | None = None, token: object = None) -> str:
    """The Rasa payload of a choice: its own `/intent` payload or `/inform{"choice": value}`, bound to `step` and
    the form `token` when given."""
    bound: dict[str, object] = {}
    if step is not None:
        bound[STEP_ENTITY] = step_number(step)
    tag = form_tag(token)
    if tag:
        bound[FORM_ENTITY] = tag
    if choice.value.startswith("/"):
        if choice.value in BOUND_COMMANDS and bound:
            return choice.value + json.dumps(bound, separators=(",", ":"))
        return choice.value
    entities = {CHOICE_ENTITY: choice.value, **bound}
    return Intent.INFORM.payload + json.dumps(entities, ensure_ascii=False, separators=(",", ":"))


def confirm_payload(token: str) -> str:
    """The payload of the summary's "send" button of form `token`."""
    return choice_payload(Choice(title=bi("", ""), value="yes"), SUMMARY_STEP, token)


@dataclass(frozen=True)
class BoundButton:
    """What a form button payload names: its intent, choice, step and form token (each None when absent)."""

    intent: str
    choice: str | None
    step: Field | None
    form_token: str | None

    @property
    def is_confirm(self) -> bool:
        """The summary's "send" button."""
        return self.intent == Intent.INFORM.value and self.step == SUMMARY_STEP and self.choice == "yes"


def read_bound(payload: str) -> BoundButton | None:
    """The step and form a payload is bound to, or None when it is not a bound form button."""
    if not payload.startswith("/") or "{" not in payload:
        return None
    intent, _, raw = payload[1:].partition("{")
    try:
        entities = json.loads("{" + raw)
    except ValueError:
        return None
    if not isinstance(entities, dict) or (STEP_ENTITY not in entities and FORM_ENTITY not in entities):
        return None
    choice = entities.get(CHOICE_ENTITY)
    form = entities.get(FORM_ENTITY)
    return BoundButton(
        intent=intent,
        choice=str(choice) if choice is not None else None,
        step=step_field(entities.get(STEP_ENTITY)) if STEP_ENTITY in entities else None,
        form_token=token_of(str(form)) if form else None,
    )
