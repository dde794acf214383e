"""Query normalisation: fixes the misspellings farmers commonly type before retrieval sees them."""

from __future__ import annotations

import re
import unicodedata

# Homophone or look-alike slips seen in farmers' messages (typed by pinyin input or by hand), mapped to the
# word the corpus uses. Only pairs that are never a correct word in this domain belong here.
TYPOS: dict[str, str] = {
    "代款": "贷款",
    "带款": "贷款",
    "袋款": "贷款",
    "贷欵": "贷款",
    "小额信代": "小额信贷",
    "小额信带": "小额信贷",
    "信代": "信贷",
    "保检": "保险",
    "保现": "保险",
    "报险": "保险",
    "理陪": "理赔",
    "里赔": "理赔",
    "骗紫": "骗子",
    "诈片": "诈骗",
    "炸骗": "诈骗",
    "扎骗": "诈骗",
    "利细": "利息",
    "抵压": "抵押",
    "担报": "担保",
    "还欵": "还款",
    "逾其": "逾期",
    "验证马": "验证码",
}
_TYPO_PATTERN = re.compile("|".join(sorted(map(re.escape, TYPOS), key=len, reverse=True)))
_SPACES = re.compile(r"\s+")


def normalize_query(text: str) -> str:
    """NFKC-fold (full-width digits and letters), fix known typos and collapse white space."""
    folded = unicodedata.normalize("NFKC", text)
    fixed = _TYPO_PATTERN.sub(lambda m: TYPOS[m.group(0)], folded)
    return _SPACES.sub(" ", fixed).strip()
