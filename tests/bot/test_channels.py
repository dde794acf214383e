"""The list of channels: which run, how they start and stop, and that Telegram's library loads only when used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.channels import all_channels, enabled_channels, running_channels
from bot.settings import BotSettings
from core.channels import CHANNEL_NAMES

ROOT = Path(__file__).resolve().parents[2]


class Recording:
    """A channel that records its life; `fail` makes its start raise."""

    enabled = True

    def __init__(self, name: str, log: list[str], *, fail: bool = False) -> None:
        self.name = name
        self._log = log
        self._fail = fail

    def campaign_link(self, payload: str) -> str | None:
        return None

    def mount(self, app, deps) -> None:  # type: ignore[no-untyped-def]
        pass

    async def start(self, deps) -> None:  # type: ignore[no-untyped-def]
        if self._fail:
            raise RuntimeError("cannot start")
        self._log.append(f"start {self.name}")

    async def stop(self) -> None:
        self._log.append(f"stop {self.name}")

    def sender(self):  # type: ignore[no-untyped-def]
        return self if self.name == "a" else None


def test_every_channel_in_the_list_is_in_the_channel_table(tmp_path: Path):
    assert [channel.name for channel in all_channels(BotSettings(home=tmp_path))] == list(CHANNEL_NAMES)


def test_telegram_runs_only_with_a_token(tmp_path: Path):
    assert [c.name for c in enabled_channels(BotSettings(home=tmp_path, TELEGRAM_BOT_TOKEN=None))] == ["web"]
    with_token = BotSettings(home=tmp_path, TELEGRAM_BOT_TOKEN="123:abc")
    assert [c.name for c in enabled_channels(with_token)] == ["telegram", "web"]


async def test_channels_start_in_order_register_senders_and_stop_in_reverse():
    log: list[str] = []
    senders: dict[str, object] = {}
    channels = [Recording("a", log), Recording("b", log)]

    async with running_channels(channels, deps=None, senders=senders):  # type: ignore[arg-type]
        assert log == ["start a", "start b"]

    assert log == ["start a", "start b", "stop b", "stop a"]
    assert list(senders) == ["a"]


async def test_a_channel_that_cannot_start_stops_the_ones_already_started():
    log: list[str] = []
    channels = [Recording("a", log), Recording("b", log, fail=True)]

    with pytest.raises(RuntimeError):
        async with running_channels(channels, deps=None, senders={}):  # type: ignore[arg-type]
            pass

    assert log == ["start a", "stop a"]


def test_the_bot_process_does_not_load_python_telegram_bot_while_telegram_is_off():
    code = "import sys, bot.__main__, bot.channels; print(any(m.split('.')[0] == 'telegram' for m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT)},
    )
    assert result.stdout.strip() == "False"
