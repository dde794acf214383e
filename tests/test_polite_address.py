"""Every farmer-facing Chinese text addresses the farmer as 您, never with a bare 你.

Scanned: string literals of the bot, action, loan and knowledge code; the Rasa domain's responses and buttons; the
knowledge corpus and the video scripts; the web chat page. Quoted speech (“…”, 「…」) is left out: there the
words are someone else's (a scammer's pitch, what a farmer may answer a caller), not ours to the farmer; so are
the corpus' `<!-- asks … -->` blocks, which hold questions as farmers type them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
QUOTED = re.compile(r"“[^”]*”|「[^」]*」|<!--.*?-->", re.S)
# Code whose 你 is text a farmer (or a scammer) sends, matched by us and never shown as our words.
NOT_FARMER_FACING = {
    "loans/names.py": "phrases farmers type instead of their name (你好), to recognise them",
    "knowledge/tokenize.py": "stop words dropped from search queries",
    "knowledge/scam/rate.py": "patterns that read a loan offer's wording (借给你)",
    "knowledge/embedding/sentences.py": "sample farmer input for the embedding checks",
    "bot/bench.py": "farmer messages the benchmark sends",
    "knowledge/scam/chat.py": "words farmers use when they paste a chat to be checked (麻烦你看看)",
    "knowledge/spelling.py": "function characters farmers type, kept as typed by the speller",
}


def _bare_ni(text: str) -> list[str]:
    """Lines of `text` with a 你 outside quoted speech."""
    return [line.strip() for line in QUOTED.sub("", text).splitlines() if "你" in line]


def _code_strings() -> Iterator[tuple[str, str]]:
    for package in ("bot", "actions", "loans", "knowledge"):
        for path in sorted((ROOT / package).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if name in NOT_FARMER_FACING:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    yield name, node.value


def _domain_texts() -> Iterator[str]:
    domain = yaml.safe_load((ROOT / "nlu" / "domain.yml").read_text(encoding="utf-8"))
    for variations in domain["responses"].values():
        for variation in variations:
            yield str(variation.get("text") or "")
            yield from (str(button.get("title") or "") for button in variation.get("buttons") or [])


def _documents() -> list[Path]:
    corpus = sorted((ROOT / "knowledge" / "corpus").glob("*.md"))
    videos = sorted((ROOT / "knowledge" / "videos" / "subtitles").glob("*"))
    return [*corpus, *videos, *sorted((ROOT / "bot" / "web" / "static").glob("*"))]


def test_the_scan_finds_the_farmer_facing_texts():
    assert sum(1 for _ in _code_strings()) > 500
    assert sum(1 for _ in _domain_texts()) > 50
    assert len(_documents()) > 20
    assert _bare_ni("有人说“交钱我帮你办下来”，要您先转账。") == []
    assert _bare_ni("你可以问我") == ["你可以问我"]


def test_code_texts_address_the_farmer_as_nin():
    found = [(name, line) for name, text in _code_strings() for line in _bare_ni(text)]
    assert found == []


def test_rasa_responses_address_the_farmer_as_nin():
    assert [line for text in _domain_texts() for line in _bare_ni(text)] == []


@pytest.mark.parametrize("path", _documents(), ids=lambda p: p.name)
def test_knowledge_documents_and_the_chat_page_address_the_farmer_as_nin(path: Path):
    assert _bare_ni(path.read_text(encoding="utf-8", errors="replace")) == []
