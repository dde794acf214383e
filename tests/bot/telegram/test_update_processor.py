from __future__ import annotations

import asyncio

from telegram import Chat, Message, Update

from bot.telegram.update_processor import PerChatUpdateProcessor


def update_for(chat_id: int, update_id: int) -> Update:
    chat = Chat(id=chat_id, type="private")
    message = Message(message_id=update_id, date=None, chat=chat, text="hi")  # type: ignore[arg-type]
    return Update(update_id=update_id, message=message)


async def test_updates_of_different_chats_run_concurrently() -> None:
    processor = PerChatUpdateProcessor(8)
    other_started = asyncio.Event()

    async def first() -> None:
        # Finishes only if the other chat's update starts while this one is still running.
        await asyncio.wait_for(other_started.wait(), 5)

    async def second() -> None:
        other_started.set()

    await asyncio.gather(
        processor.process_update(update_for(1, 1), first()),
        processor.process_update(update_for(2, 2), second()),
    )

    assert processor.active_chats == 0


async def test_updates_of_one_chat_run_one_after_another_in_order() -> None:
    processor = PerChatUpdateProcessor(8)
    log: list[str] = []
    release = asyncio.Event()

    async def first() -> None:
        log.append("first started")
        await release.wait()
        log.append("first done")

    async def second() -> None:
        log.append("second started")

    tasks = [
        asyncio.create_task(processor.process_update(update_for(1, 1), first())),
        asyncio.create_task(processor.process_update(update_for(1, 2), second())),
    ]
    for _ in range(5):
        await asyncio.sleep(0)
    assert log == ["first started"]

    release.set()
    await asyncio.gather(*tasks)

    assert log == ["first started", "first done", "second started"]
    assert processor.active_chats == 0
