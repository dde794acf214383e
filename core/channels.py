"""The channel table: every channel's name and sender-id prefix, and the sender ids built from them.

A sender id is what the bot sends Rasa for a farmer: `<prefix>:<the farmer's id on the channel>`, e.g. `tg:42`.
Adding a channel adds one row to `CHANNEL_TABLE` (README, "Adding a channel").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Final, NamedTuple, TypeGuard

from pydantic import AfterValidator

from core.errors import NonghuiError
from core.text import Bilingual, bi


class UnknownChannel(NonghuiError, ValueError):
    """A channel name or sender-id prefix that is not in the channel table."""


@dataclass(frozen=True)
class ChannelSpec:
    """One row of the channel table: the name, the sender-id prefix and how staff pages name the channel.

    `aliases` are older prefixes still found in stored rows; `shares_contact` is True when the channel can send
    the farmer's phone number as a contact card; `staff_alerts` marks the channel whose group chats get the
    "a farmer is waiting" alerts (the `handoff_staff_groups` setting)."""

    name: str
    prefix: str
    label: Bilingual
    shares_contact: bool = False
    staff_alerts: bool = False
    aliases: tuple[str, ...] = ()


CHANNEL_TABLE: Final[tuple[ChannelSpec, ...]] = (
    ChannelSpec(
        "telegram", "tg", bi("Telegram", "Telegram"), shares_contact=True, staff_alerts=True, aliases=("telegram",)
    ),
    ChannelSpec("web", "web", bi("网页聊天", "Web chat")),
    ChannelSpec("wechat", "wx", bi("微信公众号", "WeChat")),
)
CHANNEL_NAMES: Final[tuple[str, ...]] = tuple(spec.name for spec in CHANNEL_TABLE)
_BY_NAME: Final[dict[str, ChannelSpec]] = {spec.name: spec for spec in CHANNEL_TABLE}
_BY_PREFIX: Final[dict[str, ChannelSpec]] = {
    prefix: spec for spec in CHANNEL_TABLE for prefix in (spec.prefix, *spec.aliases)
}


def channel_spec(name: str) -> ChannelSpec:
    """The table row of channel `name`; UnknownChannel when there is none."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnknownChannel(f"unknown channel {name!r}") from None


def is_channel(name: object) -> TypeGuard[str]:
    """True when `name` is a channel in the table."""
    return isinstance(name, str) and name in _BY_NAME


def channel_of_alias(name: str) -> str:
    """The channel a stored name or prefix stands for ("tg" → "telegram"); UnknownChannel when none."""
    if name in _BY_NAME:
        return name
    try:
        return _BY_PREFIX[name].name
    except KeyError:
        raise UnknownChannel(f"unknown channel {name!r}") from None


def _known_channel(name: str) -> str:
    channel_spec(name)
    return name


# The type of a channel name in typed values (pydantic models check it against the table).
Channel = Annotated[str, AfterValidator(_known_channel)]


class SenderId(NamedTuple):
    """A sender id taken apart: the channel and the farmer's id on it."""

    channel: str
    external_id: str


def sender_id(channel: str, external_id: str) -> str:
    """The sender id of farmer `external_id` on `channel`: ("telegram", "42") → "tg:42"."""
    return f"{channel_spec(channel).prefix}:{external_id}"


def parse_sender_id(sender: str) -> SenderId:
    """("telegram", "42") for "tg:42"; UnknownChannel for a missing or unknown prefix or an empty id."""
    prefix, sep, rest = sender.partition(":")
    spec = _BY_PREFIX.get(prefix) if sep else None
    if spec is None or not rest:
        raise UnknownChannel(f"sender id without a known channel prefix: {prefix if sep else '(none)'}")
    return SenderId(spec.name, rest)


def prefixes_of(channel: str) -> tuple[str, ...]:
    """Every sender-id prefix stored rows of `channel` may carry, the current one first."""
    spec = channel_spec(channel)
    return (spec.prefix, *spec.aliases)


def stored_names(channel: str) -> tuple[str, ...]:
    """Every name stored rows of `channel` may carry (the channel name, then its prefixes); (channel,) if unknown."""
    if channel not in _BY_NAME:
        return (channel,)
    return tuple(dict.fromkeys((channel, *prefixes_of(channel))))


def canonical_channel(name: str) -> str:
    """The channel a stored name or prefix stands for ("tg" → "telegram"); `name` itself when unknown."""
    try:
        return channel_of_alias(name)
    except UnknownChannel:
        return name


def staff_alert_channel() -> str | None:
    """The channel that carries staff alerts, or None when no channel in the table does."""
    return next((spec.name for spec in CHANNEL_TABLE if spec.staff_alerts), None)
