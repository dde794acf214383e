import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.campaigns.keys import CampaignKeyError, campaign_key, decode_campaign_key, generate_campaign_key
from bot.campaigns.payloads import MAC_CHARS, PayloadError, PayloadSigner, new_placement_code
from bot.channel import LinkError
from bot.telegram.links import telegram_link
from bot.web.links import web_link

TELEGRAM_RULE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
KEY = b"k" * 32
codes = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=4, max_size=16)
signer = PayloadSigner(KEY)


@given(codes)
@settings(deadline=None)
def test_signed_payload_fits_telegram_rules_and_round_trips(code):
    payload = signer.sign(code)
    assert TELEGRAM_RULE.match(payload)
    check = signer.check(payload)
    assert check.outcome == "campaign"
    assert check.code == code


@given(codes, st.data())
@settings(deadline=None)
def test_any_single_character_change_is_rejected(code, data):
    payload = signer.sign(code)
    index = data.draw(st.integers(min_value=0, max_value=len(payload) - 1))
    replacement = data.draw(
        st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-").filter(
            lambda ch: ch != payload[index]
        )
    )
    tampered = payload[:index] + replacement + payload[index + 1 :]
    assert signer.check(tampered).outcome == "unknown"
    assert signer.check(tampered).code is None


@given(codes)
@settings(deadline=None)
def test_payload_signed_with_another_key_is_unknown(code):
    other = PayloadSigner(b"x" * 32)
    assert signer.check(other.sign(code)).outcome == "unknown"


@given(st.text(min_size=65, max_size=300, alphabet="abcdefghijklmnopqrstuvwxyz0123456789-"))
@settings(deadline=None)
def test_too_long_payloads_are_unknown(payload):
    assert signer.check(payload).outcome == "unknown"


@given(st.text(min_size=1, max_size=80).filter(lambda s: not TELEGRAM_RULE.match(s)))
@settings(deadline=None, max_examples=300)
def test_illegal_characters_are_unknown_and_never_raise(payload):
    assert signer.check(payload).outcome == "unknown"


@given(codes)
@settings(deadline=None)
def test_truncated_or_extended_payloads_are_unknown(code):
    payload = signer.sign(code)
    assert signer.check(payload[:-1]).outcome == "unknown"
    assert signer.check(payload + "a").outcome == "unknown"


@pytest.mark.parametrize("value", [None, 42, b"bytes", "", " ", "station_12", "abcd-" + "a" * MAC_CHARS])
def test_odd_values_are_unknown(value):
    assert signer.check(value).outcome == "unknown"


@pytest.mark.parametrize("code", ["abc", "ABCD", "a" * 17, "ab_cd", "ab-cd", "中文中文"])
def test_signing_refuses_codes_outside_the_code_rules(code):
    with pytest.raises(PayloadError):
        signer.sign(code)


def test_short_keys_are_refused():
    with pytest.raises(PayloadError):
        PayloadSigner(b"short")


def test_new_codes_avoid_look_alike_characters_and_sign():
    for _ in range(200):
        code = new_placement_code()
        assert len(code) == 6
        assert not set(code) & set("01lo")
        assert signer.check(signer.sign(code)).code == code


def test_links_carry_the_payload():
    payload = signer.sign("abcd12")
    assert telegram_link("@NonghuiBot", payload) == f"https://t.me/NonghuiBot?start={payload}"
    assert web_link("https://chat.example.cn", payload) == f"https://chat.example.cn/?start={payload}"
    assert web_link("http://127.0.0.1:8000/chat", payload) == f"http://127.0.0.1:8000/chat?start={payload}"


@pytest.mark.parametrize("name", ["", "bot", "Nonghui", "has space_bot", "1startsWithDigitBot"])
def test_bad_bot_usernames_are_refused(name):
    with pytest.raises(LinkError):
        telegram_link(name, "abcd-efghijklmn")


def test_web_link_needs_http_address():
    with pytest.raises(LinkError):
        web_link("chat.example.cn", "x")


def test_key_from_environment_value_wins(tmp_path):
    text = generate_campaign_key()
    assert campaign_key(text, env="production", home=tmp_path) == decode_campaign_key(text)
    assert not (tmp_path / "secrets").exists()


def test_production_without_key_refuses(tmp_path):
    with pytest.raises(CampaignKeyError, match="NONGHUI_CAMPAIGN_KEY"):
        campaign_key(None, env="production", home=tmp_path)


def test_development_key_is_generated_once_and_kept_private(tmp_path):
    first = campaign_key(None, env="development", home=tmp_path)
    second = campaign_key("", env="development", home=tmp_path)
    assert first == second and len(first) == 32
    assert (tmp_path / "secrets" / "campaign.key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("text", ["not base64!", "c2hvcnQ="])
def test_malformed_keys_are_refused(text):
    with pytest.raises(CampaignKeyError):
        decode_campaign_key(text)
