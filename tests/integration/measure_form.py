"""Measure the pre-application through the real stack (a script, not a test): turns to complete the happy path,
latency of `validate_preapplication_form` in the action server, and how many messy answer styles are understood.

    PYTHONPATH=. ~/.cache/nonghui/py311/bin/python -m tests.integration.measure_form [--runs 40]

Starts its own action server, Rasa server and bot in a temporary directory (needs a trained model).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from loans.preapplication import FIELDS
from tests.integration.conftest import chat
from tests.integration.preapplication_stack import FormStack, sync_sample_stations

HAPPY_PATH = [
    "我想申请贷款",
    "王秀英",
    "13812345678",
    "440882197403151236",
    "青山镇东岭村",
    "脱贫户",
    "养牛",
    "3万",
    "2年",
    "没有",
    "同意",
    '/inform{"choice":"yes"}',
]
# (field, what the farmer types, expected slot value; a "suggest:" value means a "did you mean" naming it).
MESSY: list[tuple[str, str, Any]] = [
    ("applicant_name", "我叫王秀英", "王秀英"),
    ("applicant_name", "名字是 李建国", "李建国"),
    ("phone", "138 1234 5678", "13812345678"),
    ("phone", "138-1234-5678", "13812345678"),
    ("phone", "+86 13812345678", "13812345678"),
    ("phone", "我的手机是13812345678", "13812345678"),
    ("phone", "１３８１２３４５６７８", "13812345678"),
    ("resident_id", "4408 8219 7403 1512 36", "440882197403151236"),
    ("resident_id", "44088219900101131x", "44088219900101131X"),
    ("resident_id", "身份证号是410481198512300027", "410481198512300027"),
    ("place", "东岭村", "ZJ-QS|东岭村"),
    ("place", "东领村", "suggest:东岭村"),
    ("place", "我是柳絮乡李家营的", "HD-LX|李家营村"),
    ("place", "老龙井", "ZJ-QS|龙井村"),
    ("place", "东山乡李家村", "suggest:请点您所在的乡镇"),
    ("household_status", "我家是脱贫户", "lifted_out"),
    ("household_status", "建档立卡的", "lifted_out"),
    ("household_status", "不晓得", "not_sure"),
    ("purpose", "放牛的", "livestock"),
    ("purpose", "搞大棚种菜", "planting"),
    ("purpose", "开个小卖部", "small_business"),
    ("amount", "三万", 30000),
    ("amount", "3w", 30000),
    ("amount", "两万五", 25000),
    ("amount", "借个四万", 40000),
    ("term", "两年半", 30),
    ("term", "一年半", 18),
    ("term", "18个月", 18),
    ("other_loans", "没得", False),
    ("other_loans", "还有一笔信用社的没还完", True),
]


def turns_to_complete(stack: FormStack) -> tuple[int, str]:
    """Send the happy path; return the number of farmer turns and the last reply."""
    last = ""
    for text in HAPPY_PATH:
        last = "\n".join(r["text"] for r in chat(stack.web_url, "measure-happy", text)["replies"])
    return len(HAPPY_PATH), last


def validate_latency(stack: FormStack, runs: int) -> list[float]:
    """Milliseconds per `validate_preapplication_form` webhook call (a phone number answer)."""
    domain = {"forms": {"preapplication_form": {"required_slots": list(FIELDS)}}, "slots": {}}
    latest = {"text": "138 1234 5678", "intent": {"name": "inform", "confidence": 0.9}, "entities": []}
    body = {
        "next_action": "validate_preapplication_form",
        "sender_id": "web:measure",
        "version": "3.6.21",
        "domain": domain,
        "tracker": {
            "sender_id": "web:measure",
            "slots": {"lang": "zh", "requested_slot": "phone", "form_token": "pa-measure-token"},
            "latest_message": latest,
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": "preapplication_form"},
            "latest_action_name": "action_listen",
        },
    }
    url = f"http://127.0.0.1:{stack.action_port}/webhook"
    timings = []
    with httpx.Client() as client:
        client.post(url, json=body).raise_for_status()  # first call builds the services
        for _ in range(runs):
            started = time.perf_counter()
            client.post(url, json=body).raise_for_status()
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def messy_answers(stack: FormStack) -> list[tuple[str, str, Any, Any, bool]]:
    """(field, answer, expected, got, understood) for every messy style, each in a chat paused at its field."""
    results = []
    for number, (name, answer, expected) in enumerate(MESSY):
        sender = f"measure-messy-{number}"
        index = FIELDS.index(name)
        for text in HAPPY_PATH[: index + 1]:  # "apply", then the usual answers up to the field
            chat(stack.web_url, sender, text)
        replies = chat(stack.web_url, sender, answer)["replies"]
        reply = "\n".join(r["text"] for r in replies)
        got = stack.slots(sender).get(name)
        if isinstance(expected, str) and expected.startswith("suggest:"):
            understood = expected.removeprefix("suggest:") in reply and got is None
            got = reply.splitlines()[0][:40]
        else:
            understood = got == expected
        results.append((name, answer, expected, got, understood))
    return results


def main() -> None:
    """Start the stack, measure, print a short report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        stack = FormStack(Path(work))
        sync_sample_stations(stack.database_url)
        stack.start_all()
        try:
            turns, last = turns_to_complete(stack)
            timings = validate_latency(stack, args.runs)
            messy = messy_answers(stack)
        finally:
            stack.stop_all()
    print(f"happy path: {turns} farmer turns (incl. 'apply' and the confirm tap); reference sent: {'ZJ-' in last}")
    ordered = sorted(timings)
    print(
        f"validate_preapplication_form over HTTP, {len(timings)} calls: median {statistics.median(timings):.1f} ms, "
        f"p95 {ordered[int(0.95 * (len(ordered) - 1))]:.1f} ms, max {ordered[-1]:.1f} ms"
    )
    understood = sum(1 for row in messy if row[4])
    print(f"messy answers understood: {understood}/{len(messy)}")
    for name, answer, expected, got, ok in messy:
        print(
            f"  {'ok ' if ok else 'NO '} {name:16} {answer!r:28} expected={expected!r} "
            f"got={json.dumps(got, ensure_ascii=False)}"
        )


if __name__ == "__main__":
    main()
