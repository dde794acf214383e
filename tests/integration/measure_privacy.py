"""Measure that personal numbers never reach Rasa (a script, not a test): N pre-applications with IDs and phones
typed in mixed formats through the web API, then every byte of both databases, every log file and Rasa's tracker
API searched for runs of the numbers.

    PYTHONPATH=. ~/.cache/nonghui/py311/bin/python -m tests.integration.measure_privacy [--farmers 20]

Starts its own action server, Rasa server and bot in a temporary directory (needs a trained model).
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import httpx

from loans.validation import PROVINCE_CODES, id_check_char
from tests.integration.conftest import HOME, RASA_TOKEN, chat
from tests.integration.preapplication_stack import FormStack, sync_sample_stations
from tests.integration.test_privacy_numbers import leaks

_FULL_WIDTH = str.maketrans("0123456789Xx+-", "０１２３４５６７８９Ｘｘ＋－")
PHONE_STYLES: list[Callable[[str], str]] = [
    lambda p: p,
    lambda p: f"{p[:3]} {p[3:7]} {p[7:]}",
    lambda p: f"{p[:3]}-{p[3:7]}-{p[7:]}",
    lambda p: f"+86 {p}",
    lambda p: f"0086{p}",
    lambda p: f"+86-{p[:3]}-{p[3:]}",
]
ID_STYLES: list[Callable[[str], str]] = [
    lambda i: i,
    lambda i: f"{i[:6]} {i[6:14]} {i[14:]}",
    lambda i: f"{i[:6]}-{i[6:14]}-{i[14:]}",
    lambda i: f"{i[:4]} {i[4:8]} {i[8:12]} {i[12:16]} {i[16:]}",
]


def farmer_numbers(rng: random.Random) -> tuple[str, str, str, str]:
    """(phone typed, phone digits, ID typed, ID) in a random accepted format."""
    phone = "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
    birth = date(1950, 1, 1) + timedelta(days=rng.randrange(20_000))
    first17 = rng.choice(sorted(PROVINCE_CODES)) + "0106" + birth.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
    resident = first17 + id_check_char(first17)
    typed_phone = rng.choice(PHONE_STYLES)(phone)
    typed_id = rng.choice(ID_STYLES)(resident.lower() if rng.random() < 0.5 else resident)
    if rng.random() < 0.3:
        typed_phone = typed_phone.translate(_FULL_WIDTH)
    if rng.random() < 0.3:
        typed_id = typed_id.translate(_FULL_WIDTH)
    return typed_phone, phone, typed_id, resident


def fill(stack: FormStack, sender: str, phone: str, resident: str) -> bool:
    """One whole pre-application through the web API; True when it was sent."""
    replies: list[dict] = []
    for text in [
        "我想申请贷款",
        "王秀英",
        phone,
        resident,
        "青山镇东岭村",
        "脱贫户",
        "养牛",
        "3万",
        "两年",
        "没有",
        "同意",
    ]:
        replies = chat(stack.web_url, sender, text)["replies"]
    confirm = next((b["payload"] for r in replies for b in r["buttons"] if "确认提交" in b["title"]), None)
    if confirm is None:
        return False
    done = "\n".join(r["text"] for r in chat(stack.web_url, sender, confirm)["replies"])
    return bool(re.search(r"ZJ-\d{4}-\d{6}", done))


def main() -> None:
    """Start the stack, send the pre-applications, scan, print a short report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--farmers", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(20261204)
    farmers = [(f"measure-{n}", *farmer_numbers(rng)) for n in range(args.farmers)]
    with tempfile.TemporaryDirectory() as work:
        stack = FormStack(Path(work))
        sync_sample_stations(stack.database_url)
        stack.start_all()
        try:
            started = time.monotonic()
            sent = 0
            for sender, phone, _, rid, _ in farmers:
                try:
                    sent += fill(stack, sender, phone, rid)
                except httpx.HTTPError as exc:  # reported, and the scan still runs over what was sent
                    print(f"{sender}: {type(exc).__name__}", flush=True)
            seconds = time.monotonic() - started
            numbers = [n for _, _, phone, _, rid in farmers for n in (phone, rid)]
            typed = [t for _, phone, _, rid, _ in farmers for t in (phone, rid)]
            files = [p for p in Path(work).rglob("*") if p.is_file() and (".db" in p.name or p.suffix == ".log")]
            files += [p for p in (HOME / "logs").rglob("*") if p.is_file()] if (HOME / "logs").exists() else []
            hits = {str(p): leaks(p.read_bytes(), numbers, typed) for p in files}
            for sender, *_ in farmers:
                url = f"{stack.rasa_url}/conversations/web:{sender}/tracker"
                hits[f"tracker API web:{sender}"] = leaks(
                    httpx.get(url, params={"include_events": "ALL", "token": RASA_TOKEN}).content, numbers, typed
                )
            stored = len(stack.applications())
        finally:
            stack.stop_all()
    print(f"pre-applications sent: {sent}/{len(farmers)} (stored {stored}) in {seconds:.0f} s")
    print(f"searched {len(files)} database and log files and {len(farmers)} tracker API answers")
    found = {name: found for name, found in hits.items() if found}
    print(f"clear number runs found: {sum(len(v) for v in found.values())}")
    for name, runs in found.items():
        print(f"  {name}: {runs[:5]}")


if __name__ == "__main__":
    main()
