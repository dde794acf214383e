"""Typed values that cross between channels and the dialogue engine."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from core.channels import Channel, UnknownChannel, parse_sender_id
from core.lang import Lang

ScamLevel = Literal["none", "low", "medium", "high"]


class Button(BaseModel):
    """A tappable choice; `payload` is what is sent back when tapped (a Rasa `/intent{...}` or text)."""

    title: str
    payload: str


class SourceRef(BaseModel):
    """Where an answer came from, shown to the farmer."""

    title: str
    locator: str = ""
    url: str | None = None


class BotReply(BaseModel):
    """One message the bot sends to a farmer."""

    text: str = ""
    buttons: list[Button] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list)


class IntentInfo(BaseModel):
    """The intent the dialogue engine recognised for the last turn."""

    name: str
    confidence: float


class UserTurn(BaseModel):
    """One thing a farmer said (or tapped), normalised across channels."""

    sender_id: str
    text: str
    channel: Channel
    lang: Lang | None = None
    metadata: dict[str, object] = Field(default_factory=dict)
    # The network address a browser turn came from (web channel, untrusted callers only), for per-IP abuse
    # limits (bot/handoff/gate.py). A typed field, not metadata: metadata goes on to Rasa and its tracker store,
    # this never does, and it is left out of dumps and reprs so it is never logged or stored.
    client_ip: str | None = Field(default=None, exclude=True, repr=False)

    @property
    def external_id(self) -> str:
        """The sender id without its channel prefix: '42' for 'tg:42' (the id as given when it has no prefix)."""
        try:
            return parse_sender_id(self.sender_id).external_id
        except UnknownChannel:
            return self.sender_id


class ScamInfo(BaseModel):
    """The scam-risk score of the farmer's text: risk 0–1, level and the codes of the signals found."""

    risk: float
    level: ScamLevel
    signals: list[str] = Field(default_factory=list)


class FormState(BaseModel):
    """The pre-application after a turn: its instance token and the step asked (both None when no form is open)."""

    token: str | None = None
    step: str | None = None


class TurnResult(BaseModel):
    """Everything the bot answers to one turn; `form` is None when the engine could not say (e.g. a fallback)."""

    replies: list[BotReply]
    intent: IntentInfo | None = None
    lang: Lang
    scam: ScamInfo | None = None
    form: FormState | None = None
