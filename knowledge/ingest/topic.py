"""A document's topic (loan, insurance, scam, station or general) inferred from its words, for documents whose
front-matter names none."""

from __future__ import annotations

import re

from core.intents import Topic

# Words that mark each topic, Chinese and English; counted in the title (weighted) and the body.
_CUES: dict[Topic, re.Pattern[str]] = {
    "scam": re.compile(
        r"诈骗|骗子|骗局|防骗|反诈|非法集资|集资|套路贷|高利贷|冒充|验证码|安全账户|96110|涉诈|"
        r"高利|砍头息|暴力催收|\bscams?\b|\bfraud\w*|\bscammers?\b|\bfake\b|\bfundraising\b|\bloan sharks?\b|\busur\w*",
        re.IGNORECASE,
    ),
    "insurance": re.compile(
        r"保险|投保|承保|保费|理赔|赔款|定损|查勘|保额|被保险人|\binsur\w*|\bpremiums?\b|\bclaims?\b|\bpolicy\b",
        re.IGNORECASE,
    ),
    "station": re.compile(r"服务站|服务点|\bservice (station|point)s?\b", re.IGNORECASE),
    "loan": re.compile(
        r"贷款|信贷|借款|借贷|放款|还款|利率|利息|贴息|授信|\bloans?\b|\bborrow\w*|\brepay\w*|\binterest\b|"
        r"\bcredit\b|\blend\w*",
        re.IGNORECASE,
    ),
}
TITLE_WEIGHT = 5
# The winning topic needs this many cue hits and this share of all cue hits; otherwise the document is general.
MIN_HITS = 3
MIN_SHARE = 0.4


def infer_topic(title: str, body: str) -> Topic:
    """The topic whose cue words dominate the title and text; "general" when none does.

    Scam cues are checked on their own terms: a text warning about fake loans mentions loans too, so scam wins
    whenever it reaches the thresholds and its count is at least half the leading count."""
    counts = {topic: TITLE_WEIGHT * len(p.findall(title)) + len(p.findall(body)) for topic, p in _CUES.items()}
    total = sum(counts.values())
    if total < MIN_HITS:
        return "general"
    best = max(counts, key=lambda topic: counts[topic])
    scam = counts["scam"]
    if best != "scam" and scam >= MIN_HITS and scam >= counts[best] / 2:
        return "scam"
    if counts[best] < MIN_HITS or counts[best] < MIN_SHARE * total:
        return "general"
    return best
