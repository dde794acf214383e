"""Measure the hand-off latencies (a script, not a test): `python -m tests.integration.measure_staff_latency`.

1. farmer's request on Telegram → the open console's queue shows it (real Chromium polling the queue);
2. staff reply sent in the console → the farmer's Telegram chat receives it (fake Bot API server).
Prints the median and maximum over `--rounds` rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from tests.integration.staff_harness import PASSWORD, StaffStack

CHROMIUM = "/usr/bin/chromium"


async def measure(rounds: int) -> dict[str, list[float]]:
    """Run the rounds and return the seconds measured for each path."""
    from playwright.async_api import async_playwright, expect

    results: dict[str, list[float]] = {"request_to_console": [], "reply_to_farmer": []}
    with tempfile.TemporaryDirectory() as home:
        stack = await StaffStack(home=Path(home)).start()
        try:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
                page = await browser.new_page()
                await page.goto(f"{stack.url}/staff/login")
                await page.fill("input[name=username]", "qs")
                await page.fill("input[name=password]", PASSWORD)
                await page.click("#login-button")
                await page.wait_for_url(f"{stack.url}/staff/")
                for n in range(rounds):
                    chat = 9000 + n
                    stack.submit_application(str(chat), "ZJ-QS")
                    started = time.perf_counter()
                    stack.telegram.push_text(chat, f"我要找人 {n}")
                    await expect(page.locator("#queue-body")).to_contain_text(f"我要找人 {n}", timeout=30_000)
                    results["request_to_console"].append(time.perf_counter() - started)
                    await page.click(f"#queue-body tr:has-text('我要找人 {n}') a")
                    await page.fill("#reply-text", f"您好 {n}")
                    started = time.perf_counter()
                    await page.click("#send-button")
                    await stack.telegram.wait_for_sent(
                        lambda c, chat=chat, n=n: c.chat_id == chat and f"您好 {n}" in (c.text or ""), timeout=30
                    )
                    results["reply_to_farmer"].append(time.perf_counter() - started)
                    await page.click("#close-button")
                    await page.wait_for_url(f"{stack.url}/staff/")
                await browser.close()
        finally:
            await stack.stop()
    return results


def main() -> None:
    """Parse arguments, measure, print a small table."""
    parser = argparse.ArgumentParser(prog="python -m tests.integration.measure_staff_latency")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    results = asyncio.run(measure(args.rounds))
    for name, seconds in results.items():
        print(f"{name:20s} median {statistics.median(seconds):.2f} s   max {max(seconds):.2f} s   (n={len(seconds)})")


if __name__ == "__main__":
    main()
