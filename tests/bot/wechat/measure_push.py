"""Measure push → passive reply through the fake WeChat platform: `python -m tests.bot.wechat.measure_push`.

One bot worker (the real pipeline: scam shield, hand-off gate, campaign greeter, transcript, SQLite by default)
with a scripted dialogue that takes 80–200 ms per turn like Rasa and the action server do on this machine;
`--farmers` farmers write `--turns` questions each, all at once, each waiting for its answer. Prints p50/p95 of
the time from the platform's push to the passive reply, and the share of turns answered passively.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from bot.messages import TurnResult, UserTurn
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


async def measure(farmers: int, turns: int, database_url: str | None, threads: int | None) -> None:
    if threads:
        from concurrent.futures import ThreadPoolExecutor

        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(threads))
    with tempfile.TemporaryDirectory() as folder, FakeWeChat() as wechat:
        home = Path(folder)
        sessions = shared_database(home)
        overrides = {"database_url": database_url} if database_url else {}
        settings = worker_settings(home, wechat, new_campaign_key(), **overrides)
        async with running_worker(sessions, settings, RasaLike()) as worker:

            async def farmer(number: int) -> list[tuple[float, bool, int]]:
                openid = f"oMeasure{number:04d}"
                results = []
                for turn in range(turns):
                    push = await wechat.send_text(worker.url, openid, QUESTIONS[(number + turn) % len(QUESTIONS)])
                    results.append((push.seconds, push.passive is not None, push.attempts))
                return results

            await wechat.send_text(worker.url, "oWarmUp", "你好")  # first-use costs (scam model) out of the figures
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
    parser.add_argument(
        "--threads", type=int, default=None, help="worker threads for blocking calls (default asyncio's)"
    )
    args = parser.parse_args()
    asyncio.run(measure(args.farmers, args.turns, args.database_url, args.threads))


if __name__ == "__main__":
    main()
