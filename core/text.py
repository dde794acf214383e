"""Bilingual text: every farmer-facing message exists in Simplified Chinese and English."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from core.lang import Lang


class Bilingual(BaseModel):
    """One message in both languages; `get(lang)` picks the farmer's one."""

    model_config = ConfigDict(frozen=True)

    zh: str
    en: str

    def get(self, lang: Lang) -> str:
        """The text in `lang`."""
        return self.zh if lang == "zh" else self.en

    def both(self, separator: str = "\n") -> str:
        """Chinese, then English: for when the farmer's language is not known yet."""
        return f"{self.zh}{separator}{self.en}"

    def format(self, **values: object) -> Bilingual:
        """Both languages with `{name}` placeholders filled from `values`."""
        return Bilingual(zh=self.zh.format(**values), en=self.en.format(**values))


def bi(zh: str, en: str) -> Bilingual:
    """Shorthand constructor for a bilingual message."""
    return Bilingual(zh=zh, en=en)


def join(parts: list[Bilingual], *, zh_sep: str = "", en_sep: str = " ") -> Bilingual:
    """Concatenate bilingual messages language by language."""
    return Bilingual(zh=zh_sep.join(p.zh for p in parts), en=en_sep.join(p.en for p in parts))
