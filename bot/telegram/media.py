"""Photos, voice notes, files and locations a farmer sends while a person handles the conversation."""

from __future__ import annotations

from telegram import Bot, Message

# Telegram bots may download files up to 20 MB; a 60-second voice note is far below.
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024


def media_metadata(message: Message) -> dict[str, object]:
    """`{"media_type": ..., "media_ref": ...}` for the message's media (file_id, or coordinates), else {}."""
    if message.photo:
        return {"media_type": "photo", "media_ref": message.photo[-1].file_id}
    for kind in ("voice", "audio", "video", "video_note", "animation", "document", "sticker"):
        item = getattr(message, kind, None)
        if item is not None:
            return {"media_type": kind, "media_ref": item.file_id}
    if message.location is not None:
        return {"media_type": "location", "media_ref": f"{message.location.latitude},{message.location.longitude}"}
    return {}


async def voice_bytes(bot: Bot, file_id: str) -> bytes:
    """The bytes of a voice note or audio file (`getFile`, then the download), held in memory only."""
    file = await bot.get_file(file_id)
    if file.file_size is not None and file.file_size > MAX_DOWNLOAD_BYTES:
        return b""
    return bytes(await file.download_as_bytearray())
