"""1,000 fuzzed chat requests against the web app in-process: never a traceback, never a 5xx."""

from __future__ import annotations

import json
import logging
import random
import string
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.conversation import Conversation, InputHygiene
from bot.limits import MemoryRateLimiter, Rule
from bot.scam_shield import ScamShield
from bot.web.app import ChatLimits, create_web_app
from bot.web.identity import CHAT_COOKIE
from bot.web.messages_api import messages_router
from knowledge.scam.detector import ScamDetector
from knowledge.scam.rate import LprConfig
from knowledge.scam.rules import RuleSet
from store.db import make_engine, migrate, session_factory
from store.outbox import SqlOutbox
from tests.bot.fakes import API_HEADERS, RecordingEngine, trusted_identity

REQUESTS = 1000
SEED = 13
PIECES = [
    "我要贷款",
    "借3万3年每年还多少",
    "/human_handoff",
    "/restart",
    '/inform{"amount": 999999}',
    "13812345678",
    "44080319900101123X",
    "先交解冻费 http://t.cn/x",
    "\x00",
    "\x1b[31m",
    "\ud800",
    "\u202e",
    "🐄" * 3,
    "'; DROP TABLE farmers; --",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "%s%n",
    "\r\n",
    " ",
    "a" * 1200,
]


def fuzz_text(rng: random.Random) -> Any:
    """A text field: pieces of farmer-ish and hostile text, random characters, or a wrong type."""
    roll = rng.random()
    if roll < 0.05:
        return rng.choice([None, 123, 4.5, True, ["list"], {"a": 1}])
    if roll < 0.1:
        return "".join(chr(rng.randrange(0, 0x3000)) for _ in range(rng.randrange(0, 60)))
    if roll < 0.12:
        return "贷" * rng.choice([9_999, 10_000, 10_001, 20_000])
    return "".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 5)))


def fuzz_body(rng: random.Random) -> tuple[bytes, dict[str, str]]:
    """A request body and headers for POST /api/chat."""
    headers = {
        "content-type": rng.choice(["application/json"] * 8 + ["text/plain", "application/x-www-form-urlencoded"])
    }
    trusted = rng.random() < 0.5
    if trusted:
        headers.update(API_HEADERS)
    elif rng.random() < 0.1:
        headers["Authorization"] = rng.choice(["Bearer ", "Bearer wrong", "Basic abc", "Bearer " + "x" * 500])
    if rng.random() < 0.15:
        headers["cookie"] = f"{CHAT_COOKIE}=" + rng.choice(["forged", "a.b.c", "x" * 600, "%00", ""])
    if rng.random() < 0.08:
        raw = rng.choice([b"{not json", b"", b"[]", b"null", b'"text"', b"\xff\xfe", b'{"text": "\\ud800"}'])
        return raw, headers
    body: dict[str, Any] = {"text": fuzz_text(rng)}
    if trusted or rng.random() < 0.1:
        body["sender_id"] = rng.choice(
            ["farmer-1", "", "x" * 129, "bad id!", "web:1", 42, None, "".join(rng.choices(string.printable, k=20))]
        )
    if rng.random() < 0.3:
        body["lang"] = rng.choice(["zh", "en", "fr", None, 1, ""])
    if rng.random() < 0.2:
        body["start_payload"] = rng.choice(["poster_1", "x" * 300, "<b>", None, 7])
    if rng.random() < 0.1:
        body["unexpected"] = {"nested": [1, 2, 3]}
    return json.dumps(body, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass"), headers


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    detector = ScamDetector(RuleSet.from_yaml(), model=None, lpr=LprConfig.from_yaml())
    engine = InputHygiene(Conversation(ScamShield(RecordingEngine(), detector)))
    identity = trusted_identity()
    db = make_engine(f"sqlite:///{tmp_path / 'fuzz.db'}")
    migrate(db)
    outbox = SqlOutbox(session_factory(db))
    limits = ChatLimits(per_ip=Rule(100_000, 60), per_chat=Rule(100_000, 60))
    yield create_web_app(
        engine,
        [lambda web: web.include_router(messages_router(outbox, identity))],
        identity=identity,
        limiter=MemoryRateLimiter(),
        limits=limits,
    )
    db.dispose()


def test_a_thousand_fuzzed_chat_requests_give_no_traceback_and_no_5xx(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    rng = random.Random(SEED)
    client = TestClient(app, raise_server_exceptions=True)
    caplog.set_level(logging.WARNING)
    statuses: Counter[int] = Counter()

    for n in range(REQUESTS):
        if n % 10 == 9:
            params = rng.choice([{}, {"after": "-1"}, {"after": "x"}, {"sender_id": "farmer-1"}, {"after": "99999999"}])
            headers = API_HEADERS if rng.random() < 0.5 else {}
            response = client.get("/api/messages", params=params, headers=headers)
        else:
            body, headers = fuzz_body(rng)
            response = client.post("/api/chat", content=body, headers=headers)
        statuses[response.status_code] += 1
        assert response.status_code < 500, (n, response.status_code, response.text[:300])
        assert response.headers["content-type"].startswith("application/json")

    assert sum(statuses.values()) == REQUESTS
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert statuses[200] > 200 and set(statuses) <= {200, 401, 413, 422, 429}
    print(f"\nfuzzed {REQUESTS} requests: {dict(sorted(statuses.items()))}")
