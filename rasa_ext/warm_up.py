"""Rasa's start-up, timed and warmed (Rasa's venv; imports Rasa only when installed into a starting server).

`install()` wraps Rasa's own "load the agent before the server starts" step: it logs how long the model archive
took to unpack and the model to load, then runs one NLU parse and one dialogue prediction on a throwaway
conversation (nothing is stored), so the first farmer after a (re)start does not pay TensorFlow's first-call
cost. The server only accepts connections once this is done, so a healthy status means a warm model.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("rasa_ext.start")
WARM_UP_TEXT = "您好"
WARM_UP_SENDER = "nonghui-warm-up"


def install(started: float, clock: Callable[[], float] = time.monotonic) -> None:
    """Time the archive unpack and the model load, and warm the loaded agent up, in the server about to start."""
    import rasa.core.run as run
    from rasa.engine.storage.local_model_storage import LocalModelStorage

    imported = clock()
    extract = LocalModelStorage._extract_archive_to_directory

    def timed_extract(*args: Any, **kwargs: Any) -> Any:
        begun = clock()
        try:
            return extract(*args, **kwargs)
        finally:
            log.info("model archive unpacked in %.1f s", clock() - begun)

    LocalModelStorage._extract_archive_to_directory = staticmethod(timed_extract)
    load = run.load_agent_on_start

    async def load_and_warm(*args: Any, **kwargs: Any) -> Any:
        begun = clock()
        log.info("rasa imported %.1f s after the process started; loading began at %.1f s", imported - started,
                 begun - started)  # fmt: skip
        import tensorflow  # noqa: F401  (imported by the model load anyway: timed on its own here)

        log.info("tensorflow imported in %.1f s", clock() - begun)
        begun = clock()
        agent = await load(*args, **kwargs)
        loaded = clock()
        log.info("model loaded in %.1f s (%.1f s after the process started)", loaded - begun, loaded - started)
        try:
            await warm_up(agent)
        except Exception as exc:  # a failed warm-up only means a slower first turn
            log.warning("warm-up failed (%s); the first turn will be slower", type(exc).__name__)
        log.info("warm-up took %.1f s; ready %.1f s after the process started", clock() - loaded, clock() - started)
        return agent

    run.load_agent_on_start = load_and_warm


async def warm_up(agent: Any) -> None:
    """One NLU parse and one next-action prediction on an in-memory conversation (no tracker store write)."""
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    if agent is None or not agent.is_ready():
        return
    parsed = await agent.parse_message(WARM_UP_TEXT)
    tracker = DialogueStateTracker.from_events(
        WARM_UP_SENDER,
        [
            ActionExecuted(ACTION_LISTEN_NAME),
            UserUttered(WARM_UP_TEXT, parsed.get("intent"), parsed.get("entities"), parsed),
        ],
        slots=agent.domain.slots,
    )
    agent.processor.predict_next_with_tracker(tracker)
