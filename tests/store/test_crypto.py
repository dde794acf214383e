import base64
import logging

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from store.crypto import KEY_ENV, DataKeyError, FieldCipher, _derive, decode_key, generate_key, key_id, require_key


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
