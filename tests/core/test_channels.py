"""The channel table: sender ids are built and parsed through it, and unknown prefixes are refused."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from core.channels import (
    CHANNEL_NAMES,
    CHANNEL_TABLE,
    Channel,
    UnknownChannel,
    channel_of_alias,
    parse_sender_id,
    prefixes_of,
    sender_id,
)
from core.errors import NonghuiError


def test_every_channel_has_a_unique_name_and_prefix() -> None:
    assert len(set(CHANNEL_NAMES)) == len(CHANNEL_TABLE)
    assert len({spec.prefix for spec in CHANNEL_TABLE}) == len(CHANNEL_TABLE)


@pytest.mark.parametrize("spec", CHANNEL_TABLE, ids=lambda spec: spec.name)
def test_sender_id_round_trips_for_every_channel(spec) -> None:
    built = sender_id(spec.name, "42:x")
    assert built == f"{spec.prefix}:42:x"
    assert parse_sender_id(built) == (spec.name, "42:x")


def test_known_sender_ids_parse_to_their_channel() -> None:
    assert parse_sender_id("tg:42") == ("telegram", "42")
    assert parse_sender_id("telegram:42") == ("telegram", "42")
    assert parse_sender_id("web:abc") == ("web", "abc")


@pytest.mark.parametrize("sender", ["qq:42", "42", "", "tg:", ":42"])
def test_an_unknown_or_missing_prefix_is_an_error_not_a_guess(sender: str) -> None:
    with pytest.raises(UnknownChannel):
        parse_sender_id(sender)
    assert issubclass(UnknownChannel, NonghuiError)


def test_building_a_sender_id_for_an_unknown_channel_is_an_error() -> None:
    with pytest.raises(UnknownChannel):
        sender_id("qq", "42")


def test_stored_aliases_resolve_to_the_channel() -> None:
    assert channel_of_alias("tg") == "telegram"
    assert channel_of_alias("web") == "web"
    assert prefixes_of("telegram") == ("tg", "telegram")
    with pytest.raises(UnknownChannel):
        channel_of_alias("sms")


def test_typed_values_accept_only_channels_in_the_table() -> None:
    class Turn(BaseModel):
        channel: Channel

    assert Turn(channel="web").channel == "web"
    with pytest.raises(ValidationError):
        Turn(channel="sms")
