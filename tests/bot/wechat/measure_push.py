"""Measure push → passive reply through the fake WeChat platform: `python -m tests.bot.wechat.measure_push`.

One bot worker in its own process (the real pipeline: scam shield, hand-off gate, campaign greeter, transcript;
SQLite by default) with a scripted dialogue that takes 80–200 ms per turn, as Rasa and the action server do here;
`--farmers` farmers write `--turns` questions each, all at once, each waiting for its answer. Prints p50/p95 of
the time from the platform's push to the passive reply, and the share of turns answered passively.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from bot.messages import TurnResult, UserTurn
from bot.settings import BotSettings
from tests.bot.wechat.stack import ScriptedRasa, new_campaign_key, running_worker, shared_database, worker_settings
from tests.fakes.wechat_platform import FakeWeChat

QUESTIONS = (
    "扶贫小额信贷要抵押吗？",
    "贷款利息怎么算？",
    "农业保险怎么理赔？",
    "陌生人让我转账安全吗？",
    "What is microcredit?",
)


class RasaLike(ScriptedRasa):
    """The scripted dialogue, taking 80–200 ms per turn."""

    async def handle(self, turn: UserTurn) -> TurnResult:
        await asyncio.sleep(random.uniform(0.08, 0.2))
        return await super().handle(turn)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def serve_worker(home: str, values: dict[str, object], urls: multiprocessing.Queue[str]) -> None:
    """The bot worker in its own process (so the farmers' side does not share its event loop)."""

    async def run() -> None:
        sessions = shared_database(Path(home))
        settings = BotSettings(**values)  # type: ignore[arg-type]
        async with running_worker(sessions, settings, RasaLike()) as worker:
            urls.put(worker.url)
            await asyncio.Event().wait()

    asyncio.run(run())


async def measure(farmers: int, turns: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder, FakeWeChat() as wechat:
        home = Path(folder)
        overrides = {"database_url": database_url} if database_url else {}
        settings = worker_settings(home, wechat, new_campaign_key(), **overrides)
        values = {
            name: getattr(settings, name) for name in type(settings).model_fields if name in settings.model_fields_set
        }
        values = {k: (v.get_secret_value() if hasattr(v, "get_secret_value") else v) for k, v in values.items()}
        context = multiprocessing.get_context("spawn")
        urls: multiprocessing.Queue[str] = context.Queue()
        process = context.Process(target=serve_worker, args=(str(home), values, urls), daemon=True)
        process.start()
        try:
            worker_url = await asyncio.to_thread(urls.get, True, 120)
            await run_farmers(wechat, worker_url, farmers, turns)
        finally:
            process.terminate()
            process.join(10)


async def run_farmers(wechat: FakeWeChat, url: str, farmers: int, turns: int) -> None:
    """Every farmer writes `turns` questions, one after another; all farmers at once. Prints the figures."""

    async def farmer(number: int) -> list[tuple[float, bool, int]]:
        openid = f"oMeasure{number:04d}"
        results = []
        for turn in range(turns):
            push = await wechat.send_text(url, openid, QUESTIONS[(number + turn) % len(QUESTIONS)])
            results.append((push.seconds, push.passive is not None, push.attempts))
        return results

    await wechat.send_text(url, "oWarmUp", "你好")  # first-use costs (scam model) out of the figures
    started = time.monotonic()
    rows = [r for batch in await asyncio.gather(*(farmer(n) for n in range(farmers))) for r in batch]
    wall = time.monotonic() - started
    await asyncio.sleep(1.0)
    cs = len(wechat.sent()) - len(wechat.sent("oWarmUp"))
    seconds = [s * 1000 for s, passive, attempts in rows if passive and attempts == 1]
    passive = sum(1 for _, p, _a in rows if p)
    first = sum(1 for _, p, a in rows if p and a == 1)
    load = os.getloadavg()
    print(f"farmers {farmers} × turns {turns} = {len(rows)} pushes in {wall:.1f} s")
    print(
        f"answered passively {passive}/{len(rows)} = {passive / len(rows):.1%} "
        f"(on WeChat's first attempt {first}, on a retry {passive - first}); "
        f"customer-service messages {cs}"
    )
    if seconds:
        print(
            f"push → passive reply (first attempt): p50 {statistics.median(seconds):.0f} ms, "
            f"p95 {percentile(seconds, 0.95):.0f} ms, max {max(seconds):.0f} ms"
        )
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


def main() -> None:
    """Parse arguments and measure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--farmers", type=int, default=32)
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temporary folder")
    args = parser.parse_args()
    asyncio.run(measure(args.farmers, args.turns, args.database_url))


if __name__ == "__main__":
    main()
