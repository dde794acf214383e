"""Campaign QR codes and the custom menu made through the (fake) WeChat API by the operators' commands, and posters
that carry the WeChat QR code, the Telegram one, or both."""

from __future__ import annotations

import re

import pytest
from PIL import Image
from typer.testing import CliRunner

from bot.campaigns.keys import decode_campaign_key, generate_campaign_key
from bot.campaigns.payloads import PayloadSigner
from bot.campaigns.posters import decode_qr
from bot.cli import app
from bot.wechat.__main__ import app as wechat_app
from tests.fakes.wechat_platform import FakeWeChat

pytestmark = pytest.mark.integration

KEY = generate_campaign_key()


@pytest.fixture
def wechat():
    with FakeWeChat() as platform:
        yield platform


@pytest.fixture
def env(tmp_path, monkeypatch, wechat):
    monkeypatch.setenv("NONGHUI_HOME", str(tmp_path))
    monkeypatch.setenv("NONGHUI_CAMPAIGN_KEY", KEY)
    monkeypatch.setenv("NONGHUI_TELEGRAM_BOT_USERNAME", "NonghuiBot")
    for name, value in wechat.bot_settings().items():
        monkeypatch.setenv(f"NONGHUI_{name.upper()}", str(value))
    return tmp_path


def campaign(*args: str):
    return CliRunner().invoke(app, ["campaign", *args])


def test_qr_codes_carry_the_signed_payload_and_posters_carry_one_or_both_codes(env, wechat, tmp_path):
    added = campaign(
        "add", "qs-loan", "--name", "春耕贷款", "--organiser", "县农业农村局", "--topic", "loan",
        "--start", "2026-11-01", "--end", "2027-03-31",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    placed = campaign("place", "qs-loan", "--location", "东岭村村委会")
    payload = re.search(r"payload:\s+(\S+)", placed.output).group(1)
    assert "wechat:" in placed.output and "not configured" in placed.output  # no WeChat code made yet

    permanent = campaign("qr", "qs-loan")
    temporary = campaign("qr", "qs-loan", "--days", "7")
    assert permanent.exit_code == 0 and temporary.exit_code == 0, permanent.output + temporary.output
    first, second = wechat.qr_codes
    assert first == {"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": payload}}}
    assert second["action_name"] == "QR_STR_SCENE" and second["expire_seconds"] == 7 * 24 * 3600
    assert PayloadSigner(decode_campaign_key(KEY)).check(first["action_info"]["scene"]["scene_str"]).code
    wechat_url = re.search(r"wechat: (\S+)", temporary.output).group(1)
    assert "until" in temporary.output and "(permanent)" in permanent.output
    assert f"wechat:   {wechat_url}" in campaign("links", "qs-loan").output

    only_wechat = campaign("posters", "qs-loan", "--out", str(tmp_path / "one"), "--qr", "wechat")
    both = campaign("posters", "qs-loan", "--out", str(tmp_path / "two"), "--qr", "wechat", "--qr", "telegram")
    assert only_wechat.exit_code == 0 and both.exit_code == 0, only_wechat.output + both.output
    (one,) = (tmp_path / "one").glob("*.png")
    (two,) = (tmp_path / "two").glob("*.png")
    assert decode_qr(Image.open(one).convert("L")) == [wechat_url]
    telegram = f"https://t.me/NonghuiBot?start={payload}"
    assert sorted(decode_qr(Image.open(two).convert("L"))) == sorted([wechat_url, telegram])


def test_posters_asking_for_a_wechat_code_not_made_yet_explain_what_to_run(env, tmp_path):
    campaign(
        "add", "qs-scam", "--name", "冬季防骗", "--organiser", "县金融办", "--topic", "scam",
        "--start", "2026-11-01", "--end", "2027-01-31",
    )  # fmt: skip
    campaign("place", "qs-scam", "--location", "李家村")
    refused = campaign("posters", "qs-scam", "--out", str(tmp_path / "p"), "--qr", "wechat")
    assert refused.exit_code == 2 and "campaign qr" in refused.output


def test_the_menu_command_creates_the_three_button_menu(env, wechat):
    created = CliRunner().invoke(wechat_app, ["menu"])
    assert created.exit_code == 0, created.output
    (menu,) = wechat.menus
    assert [b["name"] for b in menu["button"]] == ["贷款", "保险", "防骗"]
    items = {item["name"]: item["key"] for b in menu["button"] for item in b["sub_button"]}
    assert items["我要预申请"] == "/apply_loan" and items["核实短信"] == "/check_message"
    assert items["找工作人员"] == "/human_handoff"
    assert wechat.count("/cgi-bin/stable_token") == 1


def test_qr_without_wechat_configured_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("NONGHUI_HOME", str(tmp_path))
    monkeypatch.setenv("NONGHUI_CAMPAIGN_KEY", KEY)
    campaign(
        "add", "qs-loan", "--name", "春耕贷款", "--organiser", "县农业农村局", "--topic", "loan",
        "--start", "2026-11-01", "--end", "2027-03-31",
    )  # fmt: skip
    refused = campaign("qr", "qs-loan")
    assert refused.exit_code == 2 and "configure WeChat" in refused.output
