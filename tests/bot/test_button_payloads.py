from __future__ import annotations

import pytest

from bot.button_payloads import CallbackPayloads


def test_short_payload_is_its_own_callback_data() -> None:
    payloads = CallbackPayloads()

    assert payloads.encode("/affirm") == "/affirm"
    assert payloads.resolve("/affirm") == "/affirm"
    assert len(payloads) == 0


def test_payload_over_64_bytes_is_stored_under_a_short_key() -> None:
    payloads = CallbackPayloads()
    payload = '/inform{"crop":"水稻","area_mu":"15"}' * 2

    data = payloads.encode(payload)

    assert data.startswith("cb:")
    assert len(data.encode("utf-8")) <= 64
    assert payloads.resolve(data) == payload


def test_exactly_64_bytes_still_fits() -> None:
    payload = "x" * 64

    assert CallbackPayloads().encode(payload) == payload


def test_payload_that_looks_like_a_key_is_stored_so_it_cannot_be_misread() -> None:
    payloads = CallbackPayloads()

    data = payloads.encode("cb:literal")

    assert data != "cb:literal"
    assert payloads.resolve(data) == "cb:literal"


def test_same_payload_gets_the_same_key() -> None:
    payloads = CallbackPayloads()
    payload = "长" * 30

    assert payloads.encode(payload) == payloads.encode(payload)
    assert len(payloads) == 1


def test_oldest_long_payload_is_forgotten_when_full_and_resolves_to_none() -> None:
    payloads = CallbackPayloads(max_entries=2)
    first, second, third = (payloads.encode(f"{i}" + "贷" * 30) for i in range(3))

    assert payloads.resolve(first) is None
    assert payloads.resolve(second) is not None
    assert payloads.resolve(third) is not None


def test_recently_used_payload_survives_eviction() -> None:
    payloads = CallbackPayloads(max_entries=2)
    first = payloads.encode("a" + "贷" * 30)
    payloads.encode("b" + "贷" * 30)
    payloads.resolve(first)
    payloads.encode("c" + "贷" * 30)

    assert payloads.resolve(first) is not None


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError):
        CallbackPayloads(max_entries=0)
