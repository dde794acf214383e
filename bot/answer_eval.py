"""The blind question set through the whole running bot: `python -m bot.answer_eval --url http://127.0.0.1:8000`
(with the bot's `NONGHUI_API_KEY` in the environment: every item is its own chat, named by `sender_id`).

Every item gets a fresh chat; its turns are sent in order through `POST /api/chat`, as a farmer would type them,
and the replies to the last turn are scored (knowledge/eval/blind.py): key fact present, answered or declined.
A turn counts as answered when one of its replies cites a source or states the key fact (a repayment figure
carries no source). Unlike `python -m knowledge.eval.blind` this measures what reaches the farmer: intent
classification, form and hand-off state, the scam shield and the answer together.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path

import httpx

from bot.web.identity import configured_api_key_headers
from knowledge.eval.blind import BLIND_FILE, BlindItem, ItemOutcome, TurnReply, failures, load_blind, render_blind


def ask_bot(client: httpx.Client, endpoint: str, item: BlindItem) -> ItemOutcome:
    """Send the item's turns through the web API in one new chat and collect the replies."""
    sender = f"blind-{item.item_id}-{uuid.uuid4().hex[:8]}"
    replies = []
    for turn in item.turns:
        try:
            response = client.post(endpoint, json={"sender_id": sender, "text": turn})
            body = response.json() if response.is_success else {"replies": []}
        except (httpx.HTTPError, ValueError):
            body = {"replies": []}
        messages = body.get("replies") or []
        text = "\n".join(str(m.get("text") or "") for m in messages)
        sourced = any(m.get("sources") for m in messages)
        replies.append(TurnReply(text=text, answered=sourced))
    outcome = ItemOutcome(item, tuple(replies))
    if outcome.has_fact and not outcome.last.answered:
        replies[-1] = TurnReply(text=outcome.last.text, answered=True)
        outcome = ItemOutcome(item, tuple(replies))
    return outcome


def main(argv: list[str] | None = None) -> int:
    """Run every blind item through the bot at `--url` and print the table (`--failures` lists missed items)."""
    parser = argparse.ArgumentParser(prog="python -m bot.answer_eval", description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="base URL of the running bot's web app")
    parser.add_argument("--blind", type=Path, default=BLIND_FILE)
    parser.add_argument("--split", choices=("dev", "test"), help="only this split (default: both)")
    parser.add_argument("--failures", action="store_true", help="list the missed items of the split (default dev)")
    parser.add_argument("--timeout", type=float, default=60.0, help="per-request timeout in seconds")
    args = parser.parse_args(argv)
    items = [i for i in load_blind(args.blind) if args.split is None or i.split == args.split]
    endpoint = f"{args.url.rstrip('/')}/api/chat"
    with httpx.Client(timeout=args.timeout, headers=configured_api_key_headers()) as client:
        outcomes = [ask_bot(client, endpoint, item) for item in items]
    print(render_blind(outcomes, f"Blind set through the bot at {args.url}", args.split))
    if args.failures:
        print("\n".join(failures(outcomes, args.split or "dev")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
