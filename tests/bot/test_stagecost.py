"""The stage-cost table gives each stage its own time: its time minus the time of the stages inside it."""

from types import SimpleNamespace

import pytest

from bot.stagecost import attribute


def frame(path: str, function: str, time: float, *children: SimpleNamespace) -> SimpleNamespace:
    return SimpleNamespace(file_path=path, function=function, time=time, children=list(children))


def test_nested_stages_get_their_own_time_and_the_rest_is_outside() -> None:
    tree = frame(
        "asyncio/base_events.py",
        "run",
        10.0,
        frame(
            "/x/bot/web/app.py",
            "chat",
            9.0,
            frame(
                "/x/bot/transcript.py",
                "handle",
                8.0,
                frame("/x/sqlalchemy/orm.py", "commit", 1.5),
                frame("/x/bot/scam_shield.py", "handle", 6.0, frame("/x/bot/rasa_client.py", "handle", 5.0)),
            ),
        ),
    )

    totals = attribute(tree)

    assert totals["channel: web API handler (FastAPI, validation, rendering)"] == pytest.approx(1.0)
    assert totals["DB writes: transcript"] == pytest.approx(2.0)
    assert totals["scam shield"] == pytest.approx(1.0)
    assert totals["Rasa round trip (waiting, seen from the bot)"] == pytest.approx(5.0)
    assert totals["HTTP/ASGI and event loop (in-process)"] == pytest.approx(1.0)
    assert sum(totals.values()) == pytest.approx(10.0)
