"""Photos, voice notes, files and locations a farmer sends while a person handles the conversation."""

from __future__ import annotations

from telegram import Message


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
