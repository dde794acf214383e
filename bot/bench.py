"""Latency benchmark of the web chat API: `python -m bot.bench --url http://127.0.0.1:8000 --n 3` (sends the
bot's `NONGHUI_API_KEY` from the environment, so each round is its own chat)."""

from __future__ import annotations

import argparse
import math
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx

from bot.web.identity import configured_api_key_headers

QUESTIONS: tuple[str, ...] = (
    "我想申请小额信贷，需要什么材料？",
    "脱贫户贷款最多能贷多少钱？",
    "贷款利息是多少？有没有贴息？",
    "没有抵押可以贷款吗？",
    "农业保险怎么买？",
    "水稻遭了洪水，保险能赔多少？",
    "养猪有保险吗？",
    "有人打电话说我中奖了，要先交手续费，是骗子吗？",
    "陌生人让我把钱转到安全账户，怎么办？",
    "离我最近的金融服务站在哪里？",
    "你好",
    "How can I apply for a small loan?",
    "What documents do I need for a farm loan?",
    "Is crop insurance subsidised by the government?",
    "My cows died in a flood. Can insurance pay?",
    "Someone asked me to pay a fee to unlock a loan. Is it a scam?",
    "Where is the nearest rural financial service station?",
    "What is the interest rate for poverty alleviation microcredit?",
    "hello",
    "👍",
)


@dataclass
class BenchResult:
    """Latencies (seconds) of successful requests, failures, and the intents the bot recognised."""

    latencies: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    intents: Counter[str] = field(default_factory=Counter)


def percentile(values: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile of `values` (fraction in 0..1)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def run(url: str, rounds: int, timeout: float, headers: dict[str, str] | None = None) -> BenchResult:
    """Send every question `rounds` times through POST /api/chat (with the API key `headers`) and collect
    latencies and intents."""
    result = BenchResult()
    endpoint = f"{url.rstrip('/')}/api/chat"
    with httpx.Client(timeout=timeout, headers=headers or {}) as client:
        for round_no in range(rounds):
            sender = f"bench-{uuid.uuid4().hex[:12]}-{round_no}"
            for question in QUESTIONS:
                started = time.perf_counter()
                try:
                    response = client.post(endpoint, json={"sender_id": sender, "text": question})
                except httpx.HTTPError as exc:
                    result.failures[type(exc).__name__] += 1
                    continue
                elapsed = time.perf_counter() - started
                if not response.is_success:
                    result.failures[f"HTTP {response.status_code}"] += 1
                    continue
                result.latencies.append(elapsed)
                intent = response.json().get("intent")
                result.intents[intent["name"] if isinstance(intent, dict) else "(none)"] += 1
    return result


def report(result: BenchResult) -> str:
    """Format latency percentiles, failures and intents as a plain-text table."""
    lines = [f"requests ok: {len(result.latencies)}, failed: {sum(result.failures.values())}"]
    if result.latencies:
        ms = [value * 1000 for value in result.latencies]
        lines.append(f"latency ms  p50 {percentile(ms, 0.5):8.1f}  p95 {percentile(ms, 0.95):8.1f}  max {max(ms):8.1f}")
    lines.extend(f"failure  {name}: {count}" for name, count in result.failures.most_common())
    lines.append("intents seen:")
    lines.extend(f"  {name:<28} {count}" for name, count in result.intents.most_common())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the benchmark and print the report; exit 1 when every request failed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="base URL of the web app")
    parser.add_argument("--n", type=int, default=3, help="how many times to send the question list")
    parser.add_argument("--timeout", type=float, default=30.0, help="per-request timeout in seconds")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")
    result = run(args.url, args.n, args.timeout, configured_api_key_headers())
    print(report(result))
    return 0 if result.latencies else 1


if __name__ == "__main__":
    sys.exit(main())
