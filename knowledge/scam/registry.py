"""Lender-legitimacy check against an operator-maintained registry of licensed institutions."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from core.errors import NonghuiError
from core.lang import Lang
from knowledge.scam.rules import DATA_DIR, normalise
from knowledge.scam.types import ScamAssessment, ScamSignal

DEFAULT_REGISTRY_PATH = DATA_DIR / "lenders_SAMPLE.yaml"

LenderStatus = Literal["licensed", "similar_name", "unknown"]

_SUFFIXES = re.compile(
    r"(股份有限公司|有限责任公司|有限公司|公司|co\.?,?\s*ltd\.?|ltd\.?|inc\.?|app|软件|平台|官网)$", re.I
)
_PUNCT = re.compile(r"[\s\"'“”‘’「」『』《》<>()（）【】\[\]·.,，。!！?？:：;；、-]+")
_QUESTION_ZH = re.compile(
    r"^(?:请问|问一下|想问|我想知道)?[,，\s]*(?P<name>.+?)(?:是不是|是否|算不算|到底)?"
    r"(?:正规|靠谱|合法|可靠|可信|安全|真的假的|是真的吗|是骗子|骗人|有牌照|持牌)"
)
_QUESTION_EN = re.compile(
    r"^(?:is|are|can i trust)\s+(?P<name>.+?)\s*(?:legit(?:imate)?|real|safe|a scam|licensed|trustworthy|genuine|\?|$)",
    re.I,
)
_SIMILAR = 0.72


class LenderRegistryError(NonghuiError):
    """The lender registry file is missing or malformed."""


@dataclass(frozen=True)
class Institution:
    """One licensed institution as the operator recorded it."""

    name: str
    name_en: str
    aliases: tuple[str, ...]
    kind: str
    kind_zh: str
    official_contact: str
    sample: bool = False


@dataclass(frozen=True)
class LenderCheck:
    """The answer to "is lender X legitimate?": registry status, plain explanation and how to verify."""

    query: str
    status: LenderStatus
    institution: Institution | None
    explanation_zh: str
    explanation_en: str
    how_to_verify_zh: str
    how_to_verify_en: str
    registry_is_sample: bool
    signals: list[ScamSignal] = field(default_factory=list)

    @property
    def in_registry(self) -> bool:
        """True only when the name matched a registered licensed institution exactly."""
        return self.status == "licensed"

    def text(self, lang: Lang) -> str:
        """Return the farmer-facing answer: explanation, any warning signs, and how to verify."""
        explanation = self.explanation_zh if lang == "zh" else self.explanation_en
        verify = self.how_to_verify_zh if lang == "zh" else self.how_to_verify_en
        lines = [explanation]
        if self.signals:
            lines.append(
                "另外，您的消息里有这些可疑情况：" if lang == "zh" else "Also, your message shows these warning signs:"
            )
            lines.extend(f"• {signal.explanation(lang)}" for signal in self.signals)
        lines.append(verify)
        if self.registry_is_sample:
            lines.append(
                "（注意：当前名录是示例数据，请以官方查询为准。）"
                if lang == "zh"
                else "(Note: the registry in use is SAMPLE data; rely on the official lookup.)"
            )
        return "\n".join(lines)


def canonical(name: str) -> str:
    """Normalise a lender name for comparison: NFKC, lower case, no punctuation or company suffixes."""
    cleaned = _PUNCT.sub("", normalise(name).lower())
    previous = None
    while previous != cleaned:
        previous = cleaned
        cleaned = _SUFFIXES.sub("", cleaned)
    return cleaned


def extract_lender_name(question: str) -> str | None:
    """Pull the lender's name out of a question like "XX贷正规吗" or "Is QuickCash legit?"."""
    text = normalise(question).strip()
    for pattern in (_QUESTION_ZH, _QUESTION_EN):
        found = pattern.search(text)
        if found:
            name = _PUNCT.sub(" ", found.group("name")).strip()
            name = re.sub(r"^(?:这个|那个|the)\s*", "", name, flags=re.I).strip()
            name = re.sub(r"(?:这个|这家|这款)?(?:贷款)?(?:平台|app|公司)?$", "", name, flags=re.I).strip()
            if name:
                return name
    return None


class LenderRegistry:
    """Licensed institutions of the region; `lookup` never calls an unknown lender legitimate."""

    def __init__(
        self,
        institutions: list[Institution],
        verify_zh: str,
        verify_en: str,
        region: str = "",
        sample: bool = False,
    ) -> None:
        self.institutions = institutions
        self.region = region
        self.sample = sample or any(item.sample for item in institutions)
        self._verify_zh = verify_zh
        self._verify_en = verify_en
        self._by_name: dict[str, Institution] = {}
        for item in institutions:
            for alias in (item.name, item.name_en, *item.aliases):
                if alias:
                    self._by_name[canonical(alias)] = item

    @classmethod
    def from_yaml(cls, path: Path = DEFAULT_REGISTRY_PATH) -> LenderRegistry:
        """Load a registry file (see data/lenders_SAMPLE.yaml for the format)."""
        try:
            raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
            institutions = [
                Institution(
                    name=str(entry["name"]),
                    name_en=str(entry.get("name_en", "")),
                    aliases=tuple(str(alias) for alias in entry.get("aliases") or []),
                    kind=str(entry.get("type", "")),
                    kind_zh=str(entry.get("type_zh", "")),
                    official_contact=str(entry.get("official_contact", "")),
                    sample=bool(entry.get("sample", False)),
                )
                for entry in raw["institutions"]
            ]
            return cls(
                institutions,
                verify_zh=str(raw["verify_zh"]),
                verify_en=str(raw["verify_en"]),
                region=str(raw.get("region", "")),
                sample=bool(raw.get("sample", False)),
            )
        except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
            raise LenderRegistryError(f"cannot read lender registry {path.name}: {exc}") from exc

    def _closest(self, key: str) -> Institution | None:
        best: tuple[float, Institution] | None = None
        for alias, item in self._by_name.items():
            if len(alias) >= 2 and (alias in key or key in alias):
                score = 0.9
            else:
                score = difflib.SequenceMatcher(None, key, alias).ratio()
            if score >= _SIMILAR and (best is None or score > best[0]):
                best = (score, item)
        return best[1] if best else None

    def lookup(self, name: str) -> LenderCheck:
        """Check one lender name: licensed (exact registry match), similar_name, or unknown."""
        query = name.strip()
        key = canonical(query)
        exact = self._by_name.get(key) if key else None
        if exact is not None:
            return self._licensed(query, exact)
        similar = self._closest(key) if key else None
        if similar is not None:
            return self._similar(query, similar)
        return self._unknown(query)

    def answer(self, question: str, assessment: ScamAssessment | None = None) -> LenderCheck:
        """Answer a legitimacy question: look up the named lender and attach the message's scam signals."""
        name = extract_lender_name(question) or question
        check = self.lookup(name)
        if assessment is None or not assessment.signals:
            return check
        return replace(check, signals=list(assessment.signals))

    def _check(self, query: str, status: LenderStatus, item: Institution | None, zh: str, en: str) -> LenderCheck:
        return LenderCheck(
            query=query,
            status=status,
            institution=item,
            explanation_zh=zh,
            explanation_en=en,
            how_to_verify_zh=self._verify_zh,
            how_to_verify_en=self._verify_en,
            registry_is_sample=self.sample,
        )

    def _licensed(self, query: str, item: Institution) -> LenderCheck:
        contact_zh = f"官方渠道：{item.official_contact}。" if item.official_contact else ""
        contact_en = f"Official contact: {item.official_contact}." if item.official_contact else ""
        zh = (
            f"“{query}”在本地持牌机构名录中：{item.name}（{item.kind_zh}）。{contact_zh}"
            "但要小心冒名：只通过它的网点、官方电话或官方应用商店里的APP办理，放款前要求交钱的一定不是它。"
        )
        en = (
            f'"{query}" is in the registry of licensed institutions: {item.name_en or item.name}. {contact_en} '
            "Beware of impostors using its name: deal only through its branches, official number or the app "
            "from the official store; anyone asking for money before a loan is paid out is not this lender."
        )
        return self._check(query, "licensed", item, zh, en)

    def _similar(self, query: str, item: Institution) -> LenderCheck:
        zh = (
            f"名录里没有“{query}”这个确切名称，它和持牌机构“{item.name}”的名字相近。"
            "骗子常冒用银行、信用社的名字做假APP、假网站，不能据此认为它正规。"
            f"请直接打{item.name}的官方电话或到网点核实。"
        )
        en = (
            f'"{query}" is not in the registry under that exact name; '
            f'it looks like the licensed "{item.name_en or item.name}". '
            "Scammers often copy bank names for fake apps and websites, so this does not show it is genuine. "
            "Call that institution's official number or visit a branch to check."
        )
        return self._check(query, "similar_name", item, zh, en)

    def _unknown(self, query: str) -> LenderCheck:
        shown = query or "这个机构"
        zh = (
            f"本地持牌机构名录里查不到“{shown}”。查不到不代表一定是骗子，但也绝不能说明它正规："
            "很多假贷款平台就是这样出现的。在核实之前不要下载它的APP、不要提供身份证和银行卡、不要交任何钱。"
        )
        en = (
            f'"{query or "This lender"}" is not in the registry of licensed institutions. '
            "That does not prove it is a scam, "
            "but it certainly does not show it is legitimate: many fake loan platforms look just like this. Until you "
            "have checked, do not install its app, give your ID or card details, or pay anything."
        )
        return self._check(query, "unknown", None, zh, en)
