"""Which language to use with a chat: the explicit `/lang` choice, the message's, the last answer's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.lang import Lang, detect_lang

_STATE_KEY = "nonghui_chat"

_LANG_WORDS: dict[str, Lang] = {
    "zh": "zh",
    "cn": "zh",
    "zh-cn": "zh",
    "zh-hans": "zh",
    "中文": "zh",
    "汉语": "zh",
    "chinese": "zh",
    "en": "en",
    "english": "en",
    "英文": "en",
    "英语": "en",
}


@dataclass
class ChatLanguage:
    """Per-chat language memory (kept in PTB's `chat_data`, in memory)."""

    explicit: Lang | None = None
    last_answer: Lang | None = None

    def for_text(self, text: str | None = None) -> Lang | None:
        """Language for the channel's own texts; None when nothing shows it yet."""
        return self.explicit or (detect_lang(text) if text else None) or self.last_answer


def chat_language(chat_data: dict[Any, Any] | None) -> ChatLanguage:
    """The chat's language memory, created on first use (a throwaway one when there is no chat)."""
    if chat_data is None:
        return ChatLanguage()
    state = chat_data.get(_STATE_KEY)
    if not isinstance(state, ChatLanguage):
        state = ChatLanguage()
        chat_data[_STATE_KEY] = state
    return state


def parse_lang(word: str) -> Lang | None:
    """Map what a farmer types after /lang (`zh`, `English`, `中文`…) to a language, or None."""
    return _LANG_WORDS.get(word.strip().lower())


def client_lang(language_code: str | None) -> Lang | None:
    """Map a Telegram client's IETF language code (`zh-hans`, `en`) to a language we speak, or None."""
    if not language_code:
        return None
    code = language_code.lower()
    if code.startswith("zh"):
        return "zh"
    if code.startswith("en"):
        return "en"
    return None
