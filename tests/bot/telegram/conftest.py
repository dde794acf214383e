from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from bot.telegram import build_telegram_application, start_polling, stop
from tests.bot.telegram.doubles import ScriptedDialogue
from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.telegram_ports import InMemorySeenUpdates, RecordingContacts


@pytest.fixture(scope="session")
def telegram_server() -> Iterator[FakeTelegramServer]:
    server = FakeTelegramServer().start()
    yield server
    server.stop()


@pytest.fixture
def fake_api(telegram_server: FakeTelegramServer) -> FakeTelegramServer:
    telegram_server.reset()
    return telegram_server


@pytest.fixture
def dialogue() -> ScriptedDialogue:
    return ScriptedDialogue()


@pytest.fixture
def seen() -> InMemorySeenUpdates:
    return InMemorySeenUpdates()


@pytest.fixture
def contacts() -> RecordingContacts:
    return RecordingContacts()


@pytest.fixture
def app_options() -> dict[str, Any]:
    """Extra keyword arguments for `build_telegram_application`; tests override this fixture."""
    return {}


@pytest.fixture
async def polling_bot(
    fake_api: FakeTelegramServer,
    dialogue: ScriptedDialogue,
    seen: InMemorySeenUpdates,
    contacts: RecordingContacts,
    app_options: dict[str, Any],
) -> AsyncIterator[Any]:
    app = build_telegram_application(
        token=fake_api.token,
        api_base_url=fake_api.base_url,
        dialogue=dialogue,
        seen=seen,
        contacts=contacts,
        **app_options,
    )
    await start_polling(app)
    try:
        yield app
    finally:
        await stop(app)
