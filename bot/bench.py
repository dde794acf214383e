"""Benchmark of the running bot through `POST /api/chat` (real Rasa, actions, bot), with load and memory shown.

    python -m bot.bench --url http://127.0.0.1:8000 --n 3                 # one farmer at a time (latency)
    python -m bot.bench --concurrency 32 --duration 120                   # 32 farmers at once (throughput)
    python -m bot.bench --turns 100                                       # does a turn cost more as a chat grows?
    python -m bot.bench --concurrency 32 --duration 60 --processes 8000,5005,5055   # + RSS and CPU per process

Every report starts with the host's load average (before and after): on a shared machine the figures grow
with it, so compare runs only in the same conditions. `--processes` names the TCP ports the stack's processes
listen on; the report then adds each process's resident memory and its CPU time per message during the run.
A trusted integration key (`NONGHUI_API_KEY`, sent as `Authorization: Bearer`) is used when it is set.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

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

# One farmer's visit under load: greetings, knowledge questions, a pasted scam message, a form step and a cancel.
VISIT: tuple[str, ...] = (
    "你好",
    "脱贫户贷款最多能贷多少钱？",
    "【通知】您的贷款已审批，请先转2000元保证金到安全账户激活，逾期作废。",
    "农业保险怎么买？",
    "我要申请贷款",
    "张三",
    "不办了",
    "What is the interest rate for poverty alleviation microcredit?",
    "有人打电话说我中奖了，要先交手续费，是骗子吗？",
    "谢谢",
)

# A long conversation: questions that do not open a form, repeated.
LONG_CHAT: tuple[str, ...] = (
    "你好",
    "贷款利息是多少？",
    "农业保险怎么买？",
    "陌生人让我把钱转到安全账户，怎么办？",
    "How can I apply for a small loan?",
)


@dataclass
class BenchResult:
    """Latencies (seconds) of successful requests, failures, empty replies and the intents the bot recognised."""

    latencies: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    intents: Counter[str] = field(default_factory=Counter)
    empty: int = 0
    wall: float = 0.0


def percentile(values: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile of `values` (fraction in 0..1)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def _headers() -> dict[str, str]:
    """The trusted-integration header for the bot's `NONGHUI_API_KEY` (none when it is not set)."""
    return configured_api_key_headers()


def _record(result: BenchResult, started: float, response: httpx.Response) -> None:
    if not response.is_success:
        result.failures[f"HTTP {response.status_code}"] += 1
        return
    result.latencies.append(time.perf_counter() - started)
    body = response.json()
    intent = body.get("intent")
    result.intents[intent["name"] if isinstance(intent, dict) else "(none)"] += 1
    if not any(isinstance(r, dict) and str(r.get("text", "")).strip() for r in body.get("replies") or []):
        result.empty += 1


def run(url: str, rounds: int, timeout: float) -> BenchResult:
    """Send every question `rounds` times, one at a time, through POST /api/chat and collect latencies."""
    result = BenchResult()
    endpoint = f"{url.rstrip('/')}/api/chat"
    began = time.perf_counter()
    with httpx.Client(timeout=timeout, headers=_headers()) as client:
        for round_no in range(rounds):
            sender = f"bench-{uuid.uuid4().hex[:12]}-{round_no}"
            for question in QUESTIONS:
                started = time.perf_counter()
                try:
                    response = client.post(endpoint, json={"sender_id": sender, "text": question})
                except httpx.HTTPError as exc:
                    result.failures[type(exc).__name__] += 1
                    continue
                _record(result, started, response)
    result.wall = time.perf_counter() - began
    return result


async def run_concurrent(url: str, farmers: int, duration: float, timeout: float) -> BenchResult:
    """`farmers` concurrent farmers each repeat VISIT (a new conversation per visit) for `duration` seconds."""
    result = BenchResult()
    endpoint = f"{url.rstrip('/')}/api/chat"
    limits = httpx.Limits(max_connections=farmers, max_keepalive_connections=farmers)
    began = time.perf_counter()
    deadline = began + duration

    async def farmer(client: httpx.AsyncClient, number: int) -> None:
        visit = 0
        while time.perf_counter() < deadline:
            sender = f"load-{uuid.uuid4().hex[:10]}-{number}-{visit}"
            visit += 1
            for text in VISIT:
                if time.perf_counter() >= deadline:
                    return
                started = time.perf_counter()
                try:
                    response = await client.post(endpoint, json={"sender_id": sender, "text": text})
                except httpx.HTTPError as exc:
                    result.failures[type(exc).__name__] += 1
                    continue
                _record(result, started, response)

    async with httpx.AsyncClient(timeout=timeout, limits=limits, headers=_headers()) as client:
        await asyncio.gather(*(farmer(client, n) for n in range(farmers)))
    result.wall = time.perf_counter() - began
    return result


def run_long_chat(url: str, turns: int, timeout: float) -> tuple[BenchResult, list[float]]:
    """One farmer sends `turns` messages in one conversation; returns the result and each turn's latency."""
    result = BenchResult()
    endpoint = f"{url.rstrip('/')}/api/chat"
    sender = f"long-{uuid.uuid4().hex[:12]}"
    per_turn: list[float] = []
    began = time.perf_counter()
    with httpx.Client(timeout=timeout, headers=_headers()) as client:
        for turn in range(turns):
            started = time.perf_counter()
            try:
                response = client.post(endpoint, json={"sender_id": sender, "text": LONG_CHAT[turn % len(LONG_CHAT)]})
            except httpx.HTTPError as exc:
                result.failures[type(exc).__name__] += 1
                per_turn.append(float("nan"))
                continue
            _record(result, started, response)
            per_turn.append(time.perf_counter() - started)
    result.wall = time.perf_counter() - began
    return result, per_turn


def report(result: BenchResult) -> str:
    """Format counts, throughput, latency percentiles, failures and intents as a plain-text table."""
    ok = len(result.latencies)
    lines = [f"requests ok: {ok}, failed: {sum(result.failures.values())}, empty replies: {result.empty}"]
    if result.wall > 0:
        lines.append(f"throughput  {ok / result.wall:8.1f} msg/s over {result.wall:.1f} s")
    if result.latencies:
        ms = [value * 1000 for value in result.latencies]
        lines.append(f"latency ms  p50 {percentile(ms, 0.5):8.1f}  p95 {percentile(ms, 0.95):8.1f}  max {max(ms):8.1f}")
    lines.extend(f"failure  {name}: {count}" for name, count in result.failures.most_common())
    lines.append("intents seen:")
    lines.extend(f"  {name:<28} {count}" for name, count in result.intents.most_common())
    return "\n".join(lines)


def report_long_chat(per_turn: list[float], window: int = 10) -> str:
    """Mean latency of the first and the last `window` turns of one long conversation, and their ratio."""
    first = [t for t in per_turn[:window] if not math.isnan(t)]
    last = [t for t in per_turn[-window:] if not math.isnan(t)]
    if not first or not last:
        return "long chat: not enough answered turns"
    a, b = sum(first) / len(first) * 1000, sum(last) / len(last) * 1000
    n = len(per_turn)
    return (
        f"long chat  turns 1–{window}: {a:.1f} ms mean; turns {n - window + 1}–{n}: {b:.1f} ms mean; ratio {b / a:.2f}"
    )


def load_average() -> str:
    """The host's 1, 5 and 15 minute load averages and its CPU count."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


class ProcessWatch:
    """The processes listening on the given TCP ports: resident memory, and CPU time used between two marks."""

    def __init__(self, ports: list[int]) -> None:
        import psutil

        self._psutil = psutil
        self.processes: dict[str, Any] = {}
        wanted = set(ports)
        for conn in psutil.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port in wanted and conn.pid:
                process = psutil.Process(conn.pid)
                self.processes[f"{_role(process)}:{conn.laddr.port}"] = process
        self._cpu: dict[str, float] = {}

    def _cpu_seconds(self, process: Any) -> float:
        total = 0.0
        for p in [process, *process.children(recursive=True)]:
            try:
                times = p.cpu_times()
                total += times.user + times.system
            except self._psutil.Error:
                continue
        return total

    def mark(self) -> None:
        """Remember each process's CPU time now."""
        self._cpu = {name: self._cpu_seconds(p) for name, p in self.processes.items()}

    def report(self, messages: int) -> str:
        """RSS per process (with its children) and CPU ms per message since `mark()`."""
        lines = ["process                 RSS MiB   CPU ms/msg"]
        total = 0.0
        for name, process in sorted(self.processes.items()):
            try:
                rss = sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 2**20
            except self._psutil.Error:
                lines.append(f"{name:<22} (gone)")
                continue
            total += rss
            cpu = ""
            if name in self._cpu and messages:
                cpu = f"{(self._cpu_seconds(process) - self._cpu[name]) * 1000 / messages:10.1f}"
            lines.append(f"{name:<22} {rss:8.0f}   {cpu}")
        lines.append(f"{'total':<22} {total:8.0f}")
        return "\n".join(lines)


def _role(process: Any) -> str:
    """A short name for a stack process from its command line (bot, actions, rasa)."""
    cmdline = " ".join(process.cmdline())
    for role in ("actions", "rasa", "bot"):
        if role in cmdline:
            return role
    return process.name()


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the benchmark and print the report; exit 1 when every request failed."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="base URL of the web app")
    parser.add_argument("--n", type=int, default=3, help="serial mode: how many times to send the question list")
    parser.add_argument("--concurrency", type=int, default=0, help="farmers at once (0: one at a time)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load with --concurrency")
    parser.add_argument("--turns", type=int, default=0, help="one conversation of this many turns instead")
    parser.add_argument("--warm-up", type=int, default=20, help="requests sent first and not counted")
    parser.add_argument("--processes", default="", help="comma-separated listening ports of the stack's processes")
    parser.add_argument("--timeout", type=float, default=30.0, help="per-request timeout in seconds")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")
    watch = ProcessWatch([int(p) for p in args.processes.split(",") if p.strip()]) if args.processes else None
    if args.warm_up:
        with httpx.Client(timeout=args.timeout, headers=_headers()) as client:
            for i in range(args.warm_up):
                with contextlib.suppress(httpx.HTTPError):
                    client.post(f"{args.url.rstrip('/')}/api/chat", json={"sender_id": "warm-up", "text": VISIT[i % 4]})
    print(f"before: {load_average()}")
    if watch:
        watch.mark()
    extra = ""
    if args.turns:
        mode = f"one conversation of {args.turns} turns"
        result, per_turn = run_long_chat(args.url, args.turns, args.timeout)
        extra = report_long_chat(per_turn)
    elif args.concurrency:
        mode = f"{args.concurrency} farmers at once for {args.duration:.0f} s (mixed visit of {len(VISIT)} turns)"
        result = asyncio.run(run_concurrent(args.url, args.concurrency, args.duration, args.timeout))
    else:
        mode = f"one farmer at a time, {len(QUESTIONS)} questions × {args.n}"
        result = run(args.url, args.n, args.timeout)
    print(f"after:  {load_average()}")
    print(f"mode: {mode}")
    print(report(result))
    if extra:
        print(extra)
    if watch:
        print(watch.report(len(result.latencies)))
    if args.json:
        ms = [v * 1000 for v in result.latencies]
        summary = {
            "mode": mode,
            "ok": len(ms),
            "failed": sum(result.failures.values()),
            "empty": result.empty,
            "msg_per_s": round(len(ms) / result.wall, 2) if result.wall else None,
            "p50_ms": round(percentile(ms, 0.5), 1) if ms else None,
            "p95_ms": round(percentile(ms, 0.95), 1) if ms else None,
            "load": os.getloadavg(),
        }
        print(json.dumps(summary))
    return 0 if result.latencies else 1


if __name__ == "__main__":
    sys.exit(main())
