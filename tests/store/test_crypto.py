import base64
import hashlib
import hmac
import logging

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.settings import NonghuiSettings
from store.crypto import (
    DRAFT_KEY_ENV,
    KEY_ENV,
    LOOKUP_KEY_ENV,
    SEAL_PUBLIC_KEY_ENV,
    DataKeyError,
    FieldCipher,
    _derive,
    action_keys_from_settings,
    decode_key,
    derive_action_keys,
    generate_key,
    key_id,
    require_key,
)


@pytest.fixture
def cipher():
    return FieldCipher(decode_key(generate_key()))


def test_encryption_round_trips_and_hides_the_value(cipher):
    blob = cipher.encrypt("11010519491231002X", field="resident_id")
    assert b"11010519491231002X" not in blob and b"1949" not in blob
    assert cipher.decrypt(blob, field="resident_id") == "11010519491231002X"


def test_same_value_encrypts_differently_each_time(cipher):
    assert cipher.encrypt("13812345678", field="phone") != cipher.encrypt("13812345678", field="phone")


def test_ciphertext_cannot_be_opened_as_another_field_or_with_another_key(cipher):
    blob = cipher.encrypt("13812345678", field="phone")
    with pytest.raises(DataKeyError):
        cipher.decrypt(blob, field="resident_id")
    with pytest.raises(DataKeyError):
        FieldCipher(decode_key(generate_key())).decrypt(blob, field="phone")
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(DataKeyError):
        cipher.decrypt(tampered, field="phone")


def test_lookup_hash_is_stable_keyed_and_field_bound(cipher):
    value = "11010519491231002X"
    assert cipher.lookup_hash(value, field="resident_id") == cipher.lookup_hash(value, field="resident_id")
    assert cipher.lookup_hash(value, field="resident_id") != cipher.lookup_hash(value, field="phone")
    other = FieldCipher(decode_key(generate_key()))
    assert other.lookup_hash(value, field="resident_id") != cipher.lookup_hash(value, field="resident_id")


def test_production_without_key_refuses(tmp_path):
    with pytest.raises(DataKeyError, match=KEY_ENV):
        require_key("production", value=None, home=tmp_path)
    assert not (tmp_path / "secrets").exists()


def test_production_uses_the_environment_key(tmp_path):
    key = generate_key()
    assert require_key("production", value=key, home=tmp_path) == base64.urlsafe_b64decode(key)


def test_development_generates_one_key_kept_private_with_a_warning(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="store.crypto"):
        first = require_key("development", value=None, home=tmp_path)
    second = require_key("development", value=None, home=tmp_path)
    path = tmp_path / "secrets" / "data.key"
    assert first == second and len(first) == 32
    assert path.stat().st_mode & 0o077 == 0
    assert "development data key" in caplog.text and path.read_text() not in caplog.text


def test_malformed_keys_are_refused(tmp_path):
    for bad in ["not base64 !!", base64.urlsafe_b64encode(b"short").decode()]:
        with pytest.raises(DataKeyError):
            require_key("production", value=bad, home=tmp_path)


def test_a_value_sealed_for_one_application_does_not_open_for_another() -> None:
    cipher = FieldCipher(decode_key(generate_key()))
    blob = cipher.encrypt("13812345678", field="phone", context="ZJ-2026-000001")

    assert cipher.decrypt(blob, field="phone", context="ZJ-2026-000001") == "13812345678"
    with pytest.raises(DataKeyError):
        cipher.decrypt(blob, field="phone", context="ZJ-2026-000002")


def test_values_sealed_before_a_key_rotation_still_open_with_the_previous_key_configured() -> None:
    old_key, new_key = decode_key(generate_key()), decode_key(generate_key())
    blob = FieldCipher(old_key).encrypt("13812345678", field="phone", context="ZJ-2026-000001")

    rotated = FieldCipher(new_key, previous=(old_key,))

    assert rotated.decrypt(blob, field="phone", context="ZJ-2026-000001") == "13812345678"
    assert rotated.encrypt("x", field="phone")[1:5] == key_id(new_key)
    with pytest.raises(DataKeyError):
        FieldCipher(new_key).decrypt(blob, field="phone", context="ZJ-2026-000001")


def test_values_stored_in_the_first_format_without_key_id_still_open() -> None:
    key = decode_key(generate_key())
    nonce = bytes(12)
    aead = AESGCM(_derive(key, b"field-encryption"))
    legacy = b"\x01" + nonce + aead.encrypt(nonce, b"11010519491231002X", b"resident_id")

    assert FieldCipher(key).decrypt(legacy, field="resident_id", context="ZJ-2026-000001") == "11010519491231002X"


# The action server seals applications with the public key; only the data key opens them (issue 13, item 3).


def test_a_value_sealed_with_only_the_action_keys_opens_with_the_data_key() -> None:
    data_key = decode_key(generate_key())
    sealer = derive_action_keys(data_key).sealer()

    blob = sealer.seal("11010519491231002X", field="resident_id", context="ZJ-2026-000001")

    assert blob[:1] == b"\x03" and b"11010519491231002X" not in blob and b"1949" not in blob
    opened = FieldCipher(data_key).decrypt(blob, field="resident_id", context="ZJ-2026-000001")
    assert opened == "11010519491231002X"
    assert sealer.seal("13812345678", field="phone") != sealer.seal("13812345678", field="phone")


def test_a_sealed_value_is_bound_to_its_field_and_application_and_resists_tampering() -> None:
    data_key = decode_key(generate_key())
    blob = derive_action_keys(data_key).sealer().seal("13812345678", field="phone", context="ZJ-2026-000001")
    cipher = FieldCipher(data_key)

    for field, context, value in [
        ("resident_id", "ZJ-2026-000001", blob),
        ("phone", "ZJ-2026-000002", blob),
        ("phone", "ZJ-2026-000001", blob[:-1] + bytes([blob[-1] ^ 1])),
        ("phone", "ZJ-2026-000001", blob[:9] + bytes([blob[9] ^ 1]) + blob[10:]),  # the ephemeral key
    ]:
        with pytest.raises(DataKeyError):
            cipher.decrypt(value, field=field, context=context)


def test_the_action_servers_keys_cannot_open_a_stored_application() -> None:
    keys = derive_action_keys(decode_key(generate_key()))
    sealer = keys.sealer()
    blob = sealer.seal("13812345678", field="phone", context="ZJ-2026-000001")

    assert not hasattr(sealer, "decrypt")
    for key in (keys.draft_key, keys.lookup_key, keys.seal_public_key):
        with pytest.raises(DataKeyError):
            FieldCipher(key).decrypt(blob, field="phone", context="ZJ-2026-000001")
    with pytest.raises(DataKeyError):
        keys.draft_cipher().decrypt(blob, field="phone", context="ZJ-2026-000001")


def test_values_sealed_to_a_previous_key_open_after_a_rotation() -> None:
    old_key, new_key = decode_key(generate_key()), decode_key(generate_key())
    blob = derive_action_keys(old_key).sealer().seal("13812345678", field="phone", context="ZJ-2026-000001")

    rotated = FieldCipher(new_key, previous=(old_key,))

    assert rotated.decrypt(blob, field="phone", context="ZJ-2026-000001") == "13812345678"
    with pytest.raises(DataKeyError, match="not configured"):
        FieldCipher(new_key).decrypt(blob, field="phone", context="ZJ-2026-000001")
    fresh = rotated.seal("13812345678", field="phone", context="ZJ-2026-000002")
    assert fresh[1:5] == derive_action_keys(new_key).sealer().seal("x", field="phone")[1:5]


def test_the_action_servers_lookup_hash_matches_the_data_keys_and_older_hashes() -> None:
    data_key = decode_key(generate_key())
    legacy = hmac.new(_derive(data_key, b"lookup-hash"), b"resident_id\x0011010519491231002X", hashlib.sha256)

    sealer_hash = derive_action_keys(data_key).sealer().lookup_hash("11010519491231002X", field="resident_id")

    assert sealer_hash == FieldCipher(data_key).lookup_hash("11010519491231002X", field="resident_id")
    assert sealer_hash == legacy.hexdigest()


def test_drafts_have_their_own_key_the_bot_and_the_action_server_share() -> None:
    data_key = decode_key(generate_key())
    keys = derive_action_keys(data_key)

    blob = keys.draft_cipher().encrypt("13812345678", field="draft-phone", context="web:a|⟦phone:abcdefghjk⟧")

    assert keys.draft_key != data_key
    assert keys.draft_cipher().decrypt(blob, field="draft-phone", context="web:a|⟦phone:abcdefghjk⟧") == "13812345678"
    with pytest.raises(DataKeyError):  # a draft of the data key's own cipher is a different key
        FieldCipher(data_key).decrypt(blob, field="draft-phone", context="web:a|⟦phone:abcdefghjk⟧")


def test_the_action_keys_travel_as_environment_variables_and_come_back(tmp_path) -> None:
    keys = derive_action_keys(decode_key(generate_key()))
    env = keys.environment()

    settings = NonghuiSettings(
        home=tmp_path,
        env="production",
        seal_public_key=env[SEAL_PUBLIC_KEY_ENV],
        draft_key=env[DRAFT_KEY_ENV],
        lookup_key=env[LOOKUP_KEY_ENV],
    )

    assert set(env) == {"NONGHUI_SEAL_PUBLIC_KEY", "NONGHUI_DRAFT_KEY", "NONGHUI_LOOKUP_KEY"}
    assert action_keys_from_settings(settings) == keys


def test_without_its_keys_the_action_server_refuses_naming_them_even_when_a_data_key_is_at_hand(tmp_path) -> None:
    require_key("development", value=None, home=tmp_path)  # a development data key file exists

    with pytest.raises(DataKeyError, match="NONGHUI_DRAFT_KEY") as refused:
        action_keys_from_settings(NonghuiSettings(home=tmp_path, env="development", data_key=generate_key()))

    assert "NONGHUI_SEAL_PUBLIC_KEY" in str(refused.value) and "NONGHUI_LOOKUP_KEY" in str(refused.value)
