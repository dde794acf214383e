"""Rural financial service stations: the registry (YAML) and matching a farmer's village or township.

store/stations.py loads the registry into the database."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import NonghuiError
from core.lang import Lang
from core.text import Bilingual, bi

SAMPLE_STATIONS = Path(__file__).resolve().parent / "data" / "stations_sample.yaml"
MAX_CANDIDATES = 3
SUGGEST_SCORE = 70.0
CLOSE_TO_BEST = 10.0  # candidates far behind the best one are noise, not "did you mean"
_SUFFIXES = re.compile(r"(村民委员会|村委会|居委会|街道|村|镇|乡|village|township|town|zhen|xiang|cun)$")
_VILLAGE_SUFFIX = re.compile(r"(村民委员会|村委会|村|village|cun)$")
_NOISE = re.compile(r"[\s\W_]+")


class StationsError(NonghuiError):
    """The station registry file is missing or malformed."""


class Village(BaseModel):
    """A village served by a station, with other names farmers use for it."""

    model_config = ConfigDict(frozen=True)

    zh: str
    en: str
    aliases: list[str] = []

    @property
    def name(self) -> Bilingual:
        """The village's name in both languages."""
        return bi(self.zh, self.en)


class Station(BaseModel):
    """A service station: the township it covers, its villages, contact phone and office hours."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(min_length=1, max_length=32)
    county_code: str = Field(pattern=r"^[A-Z]{2,8}$")
    county: Bilingual
    name: Bilingual
    township: Bilingual
    township_aliases: list[str] = []
    villages: list[Village]
    phone: str
    hours: Bilingual
    rules_region: str
    sample: bool = False

    def contact(self, lang: Lang) -> str:
        """Name, phone and hours on one line for the farmer."""
        if lang == "zh":
            return f"{self.name.zh}，电话 {self.phone}，办公时间 {self.hours.zh}"
        return f"{self.name.en}, phone {self.phone}, open {self.hours.en}"


class _County(BaseModel):
    code: str
    name: Bilingual
    rules_region: str
    stations: list[dict[str, object]]


class _Registry(BaseModel):
    sample: bool = False
    notice: Bilingual | None = None
    counties: list[_County]


def load_stations(path: Path = SAMPLE_STATIONS) -> list[Station]:
    """Read a station registry YAML file (see loans/data/stations_sample.yaml) into stations."""
    try:
        registry = _Registry.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
        stations = [
            Station.model_validate(
                {
                    "county_code": county.code,
                    "county": county.name,
                    "rules_region": county.rules_region,
                    "sample": registry.sample,
                    **raw,
                }
            )
            for county in registry.counties
            for raw in county.stations
        ]
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise StationsError(f"cannot load stations from {path}: {exc}") from exc
    codes = [s.code for s in stations]
    if len(codes) != len(set(codes)):
        raise StationsError(f"duplicate station codes in {path}")
    return stations


MatchKind = Literal["village", "township", "suggestions", "none"]


class Candidate(BaseModel):
    """A possible place: a village (or a township when `village` is None) and its station."""

    model_config = ConfigDict(frozen=True)

    station: Station
    village: Village | None
    score: float

    def label(self, lang: Lang) -> str:
        """ "东岭村（青山镇）" / "Dongling Village (Qingshan Town)"."""
        place = self.village.name if self.village else self.station.township
        if self.village is None:
            return place.get(lang)
        return (
            f"{place.zh}（{self.station.township.zh}）" if lang == "zh" else f"{place.en} ({self.station.township.en})"
        )


class StationMatch(BaseModel):
    """Result of matching a farmer's place: an exact village, a township's station, "did you mean", or nothing."""

    model_config = ConfigDict(frozen=True)

    kind: MatchKind
    station: Station | None = None
    village: Village | None = None
    candidates: list[Candidate] = []

    def message(self, lang: Lang) -> str:
        """What to tell the farmer."""
        zh = lang == "zh"
        if self.kind == "village" and self.station and self.village:
            return (
                f"{self.village.zh}由{self.station.contact('zh')}服务。"
                if zh
                else f"{self.village.en} is served by {self.station.contact('en')}."
            )
        if self.kind == "township" and self.station:
            return (
                f"{self.station.township.zh}的服务站是{self.station.contact('zh')}。"
                if zh
                else f"The station for {self.station.township.en} is {self.station.contact('en')}."
            )
        if self.kind == "suggestions":
            options = ("、" if zh else "; ").join(c.label(lang) for c in self.candidates)
            return f"您说的是不是：{options}？" if zh else f"Did you mean: {options}?"
        return (
            "没找到这个村或乡镇，请说一下乡镇和村的名字，例如“青山镇东岭村”。"
            if zh
            else "I could not find that village or township. Please give the township and village, "
            'e.g. "Dongling Village, Qingshan Town".'
        )


def _normalise(text: str) -> str:
    return _NOISE.sub("", unicodedata.normalize("NFKC", text).lower())


def _core(text: str) -> str:
    core = _normalise(text)
    stripped = _SUFFIXES.sub("", core)
    return stripped or core


Scorer = Callable[[str, str], float]


def _default_scorer() -> Scorer:
    try:
        from rapidfuzz import fuzz
    except ImportError:
        return lambda a, b: 100.0 * difflib.SequenceMatcher(None, a, b).ratio()
    return lambda a, b: float(fuzz.ratio(a, b))


def _default_romaniser() -> Callable[[str], str]:
    try:
        from pypinyin import lazy_pinyin
    except ImportError:
        return lambda text: text
    return lambda text: "".join(lazy_pinyin(text))


class _Entry(BaseModel):
    key: str
    pinyin: str
    station: Station
    village: Village | None


class StationMatcher:
    """Matches free text ("青山镇东岭村", "东领村", "Dongling") to a station, tolerating typos and homophones."""

    def __init__(
        self, stations: list[Station], *, scorer: Scorer | None = None, romaniser: Callable[[str], str] | None = None
    ) -> None:
        self._stations = stations
        self._score = scorer or _default_scorer()
        self._romanise = romaniser or _default_romaniser()
        self._villages: list[_Entry] = []
        self._townships: list[_Entry] = []
        for station in stations:
            for name in {station.township.zh, station.township.en, *station.township_aliases}:
                self._townships.append(self._entry(name, station, None))
            for village in station.villages:
                for name in {village.zh, village.en, *village.aliases}:
                    self._villages.append(self._entry(name, station, village))

    def _entry(self, name: str, station: Station, village: Village | None) -> _Entry:
        key = _core(name)
        return _Entry(key=key, pinyin=self._romanise(key), station=station, village=village)

    def by_code(self, code: str) -> Station | None:
        """The station with this code."""
        return next((s for s in self._stations if s.code == code), None)

    def match(self, text: str) -> StationMatch:
        """Exact village, else a named township's station, else up to 3 "did you mean" candidates, else none."""
        normalised = _normalise(text[:200])
        if not normalised:
            return StationMatch(kind="none")
        if _VILLAGE_SUFFIX.search(normalised):  # "河西村" is the village even where a township is also 河西
            named = {
                (e.station.code, e.village.zh): e for e in self._villages if e.village and e.key == _core(normalised)
            }
            if len(named) == 1:
                entry = next(iter(named.values()))
                return StationMatch(kind="village", station=entry.station, village=entry.village)
        townships = {e.station.code: e.station for e in self._townships if len(e.key) >= 2 and e.key in normalised}
        rest = _strip_townships(normalised, self._townships, townships)
        villages = self._contained(rest if townships else normalised)
        if townships:
            villages = [e for e in villages if e.station.code in townships] or villages
        unique = {(e.station.code, e.village.zh if e.village else ""): e for e in villages}
        if len(unique) == 1:
            entry = next(iter(unique.values()))
            return StationMatch(kind="village", station=entry.station, village=entry.village)
        if len(unique) > 1:
            return StationMatch(
                kind="suggestions",
                candidates=[
                    Candidate(station=e.station, village=e.village, score=100.0)
                    for e in list(unique.values())[:MAX_CANDIDATES]
                ],
            )
        if len(townships) == 1:
            station = next(iter(townships.values()))
            suggestions = (
                self._fuzzy(rest, [e for e in self._villages if e.station.code == station.code]) if rest else []
            )
            if suggestions:
                return StationMatch(kind="suggestions", candidates=suggestions)
            return StationMatch(kind="township", station=station)
        suggestions = self._fuzzy(_core(rest or normalised), self._villages + self._townships)
        if suggestions:
            return StationMatch(kind="suggestions", candidates=suggestions)
        return StationMatch(kind="none")

    def _contained(self, text: str) -> list[_Entry]:
        return [e for e in self._villages if len(e.key) >= 2 and e.key in text]

    def _fuzzy(self, query: str, entries: list[_Entry]) -> list[Candidate]:
        query = _core(query)
        if len(query) < 2:
            return []
        query_pinyin = self._romanise(query)
        best: dict[tuple[str, str], Candidate] = {}
        for entry in entries:
            score = max(self._score(query, entry.key), self._score(query_pinyin, entry.pinyin))
            if score < SUGGEST_SCORE:
                continue
            place = (entry.station.code, entry.village.zh if entry.village else "")
            if place not in best or best[place].score < score:
                best[place] = Candidate(station=entry.station, village=entry.village, score=score)
        ranked = sorted(best.values(), key=lambda c: -c.score)
        return [c for c in ranked if c.score >= ranked[0].score - CLOSE_TO_BEST][:MAX_CANDIDATES] if ranked else []


def _strip_townships(text: str, entries: list[_Entry], found: dict[str, Station]) -> str:
    """The text without the township names already recognised (and their 镇/乡 suffix)."""
    for entry in entries:
        if entry.station.code in found and len(entry.key) >= 2:
            text = re.sub(re.escape(entry.key) + r"(镇|乡|town|township)?", "", text)
    return text
