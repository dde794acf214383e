"""Office hours from the station registry's English text ("Mon–Fri 8:30–12:00, 14:30–17:30"), in China time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from core.lang import Lang

CHINA_TIME = timezone(timedelta(hours=8))
_DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_DAY_NAMES_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_DAY_NAMES_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_SEGMENT = re.compile(
    r"(?P<first>mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?(?:\s*[–—-]\s*(?P<last>mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?)?"
    r"\s*:?\s*(?P<times>(?:\d{1,2}[:.]\d{2}\s*[–—-]\s*\d{1,2}[:.]\d{2}\s*,?\s*)+)",
    re.IGNORECASE,
)
_RANGE = re.compile(r"(\d{1,2})[:.](\d{2})\s*[–—-]\s*(\d{1,2})[:.](\d{2})")


@dataclass(frozen=True)
class OfficeHours:
    """Opening periods per weekday (0 = Monday), in China time."""

    periods: dict[int, tuple[tuple[time, time], ...]]

    @classmethod
    def parse(cls, text: str) -> OfficeHours | None:
        """Read "Mon–Fri 8:30–12:00, 14:30–17:30; Sat 9:00–11:00"; None when nothing can be understood."""
        periods: dict[int, list[tuple[time, time]]] = {}
        for segment in _SEGMENT.finditer(text or ""):
            first = _DAYS[segment["first"].lower()[:3]]
            last = _DAYS[segment["last"].lower()[:3]] if segment["last"] else first
            days = [(first + i) % 7 for i in range((last - first) % 7 + 1)]
            ranges = []
            for h1, m1, h2, m2 in _RANGE.findall(segment["times"]):
                try:
                    start, end = time(int(h1), int(m1)), time(int(h2), int(m2))
                except ValueError:
                    continue
                if start < end:
                    ranges.append((start, end))
            for day in days:
                periods.setdefault(day, []).extend(ranges)
        clean = {day: tuple(sorted(r)) for day, r in periods.items() if r}
        return cls(clean) if clean else None

    def is_open(self, moment: datetime) -> bool:
        """Whether `moment` falls inside an opening period."""
        local = moment.astimezone(CHINA_TIME)
        return any(start <= local.time() < end for start, end in self.periods.get(local.weekday(), ()))

    def next_opening(self, moment: datetime) -> datetime:
        """The next start of an opening period after `moment` (within a week)."""
        local = moment.astimezone(CHINA_TIME)
        for offset in range(8):
            day = (local + timedelta(days=offset)).date()
            for start, _end in self.periods.get(day.weekday(), ()):
                candidate = datetime.combine(day, start, tzinfo=CHINA_TIME)
                if candidate > local:
                    return candidate
        raise ValueError("office hours without any period")  # pragma: no cover - parse() refuses empty hours


def when_text(opening: datetime, now: datetime, lang: Lang) -> str:
    """ "今天 14:30" / "明天 8:30" / "周一 8:30", or "today at 14:30" / "tomorrow at 8:30" / "Monday at 8:30"."""
    local_now = now.astimezone(CHINA_TIME)
    local = opening.astimezone(CHINA_TIME)
    clock = f"{local.hour}:{local.minute:02d}"
    days = (local.date() - local_now.date()).days
    if lang == "zh":
        day = "今天" if days == 0 else "明天" if days == 1 else _DAY_NAMES_ZH[local.weekday()]
        return f"{day} {clock}"
    day = "today" if days == 0 else "tomorrow" if days == 1 else _DAY_NAMES_EN[local.weekday()]
    return f"{day} at {clock}"
