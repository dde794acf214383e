"""The funnel report for people: a text table, CSV and inline SVG charts, with small cells shown as "<5"."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections import defaultdict
from datetime import date, timedelta
from typing import Final
from xml.sax.saxutils import escape

from store.campaign_report import QUESTION_TOPICS, FunnelReport, PlacementFunnel

SMALL_CELL: Final = 5
SMALL_LABEL: Final = "<5"
FUNNEL_STAGES: Final = (
    ("arrivals", "到达 arrivals"),
    ("asked", "提问 asked"),
    ("handoffs", "转人工 hand-offs"),
    ("started", "开始预申请 started"),
    ("submitted", "提交 submitted"),
    ("approved", "批准 approved"),
    ("declined", "未批准 declined"),
)
COLUMNS: Final = (
    "campaign",
    "placement",
    "kind",
    "location",
    "arrivals",
    "asked",
    *(f"questions_{topic}" for topic in QUESTION_TOPICS),
    "handoffs",
    "started",
    "submitted",
    "approved",
    "declined",
)


def cell(count: int) -> str:
    """A count as shown to people: 1–4 become "<5" so no small group of farmers can be singled out; 0 stays 0."""
    return SMALL_LABEL if 0 < count < SMALL_CELL else str(count)


def summary_rows(report: FunnelReport) -> list[dict[str, str]]:
    """One row per placement with every count already passed through `cell`."""
    return [_row(funnel) for funnel in report.placements]


def _row(funnel: PlacementFunnel) -> dict[str, str]:
    row = {
        "campaign": funnel.campaign_slug,
        "placement": funnel.placement_code,
        "kind": funnel.kind,
        "location": funnel.location,
        "arrivals": cell(funnel.arrivals),
        "asked": cell(funnel.asked),
    }
    row.update({f"questions_{topic}": cell(funnel.questions_by_topic.get(topic, 0)) for topic in QUESTION_TOPICS})
    row.update(
        handoffs=cell(funnel.handoffs),
        started=cell(funnel.started),
        submitted=cell(funnel.submitted),
        approved=cell(funnel.approved),
        declined=cell(funnel.declined),
    )
    return row


def to_csv(report: FunnelReport) -> str:
    """CSV: a `total` row per placement, then its `day` rows (arrivals, asked and submitted per China day)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["row", "day", *COLUMNS], lineterminator="\n")
    writer.writeheader()
    for funnel in report.placements:
        writer.writerow({"row": "total", "day": "", **_row(funnel)})
        for day in funnel.days:
            writer.writerow(
                {
                    "row": "day",
                    "day": day.day.isoformat(),
                    "campaign": funnel.campaign_slug,
                    "placement": funnel.placement_code,
                    "kind": funnel.kind,
                    "location": funnel.location,
                    "arrivals": cell(day.arrivals),
                    "asked": cell(day.asked),
                    "submitted": cell(day.submitted),
                }
            )
    return out.getvalue()


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def to_table(report: FunnelReport) -> str:
    """A plain-text table for the terminal (Chinese characters count double width), then the question lists."""
    headers = ["campaign", "placement", "location", "arrive", "asked", "loan", "ins", "scam", "apply", "other"]
    headers += ["handoff", "start", "submit", "approve", "decline"]
    keys = ["campaign", "placement", "location", "arrivals", "asked", *(f"questions_{t}" for t in QUESTION_TOPICS)]
    keys += ["handoffs", "started", "submitted", "approved", "declined"]
    rows = [[row[key] for key in keys] for row in summary_rows(report)]
    widths = [max([_width(h), *(_width(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(v, w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    if not rows:
        lines.append("(no placements)")
    lines.append("")
    lines.append(
        f"attribution: {report.model}-touch; unknown payloads: {cell(report.unknown_arrivals)}; "
        f"expired campaigns: {cell(report.expired_arrivals)}; counts of 1–4 shown as {SMALL_LABEL}"
    )
    for title, questions in (("top questions", report.top_questions), ("unanswered", report.unanswered_questions)):
        lines.append("")
        lines.append(f"{title} (farmers):")
        lines += [f"  {cell(q.farmers):>3}  {q.text}" for q in questions] or ["  (none)"]
    return "\n".join(lines)


def arrivals_by_day(report: FunnelReport) -> list[tuple[date, int]]:
    """Arrivals of every placement summed per day, with the days between filled with zero."""
    totals: dict[date, int] = defaultdict(int)
    for funnel in report.placements:
        for day in funnel.days:
            totals[day.day] += day.arrivals
    if not totals:
        return []
    first, last = min(totals), max(totals)
    return [
        (first + timedelta(days=i), totals.get(first + timedelta(days=i), 0)) for i in range((last - first).days + 1)
    ]


def funnel_totals(report: FunnelReport) -> list[tuple[str, int]]:
    """Each funnel stage summed over the report's placements."""
    return [(label, sum(getattr(f, key) for f in report.placements)) for key, label in FUNNEL_STAGES]


def line_chart_svg(points: list[tuple[date, int]], *, width: int = 640, height: int = 220) -> str:
    """An inline SVG line of arrivals per day; days with 1–4 arrivals are drawn as hollow points in a "<5" band."""
    if not points:
        return _empty_svg(width, height, "还没有到达 · no arrivals yet")
    left, right, top, bottom = 44, 12, 14, 34
    peak = max(SMALL_CELL, *(count for _day, count in points))
    step = (width - left - right) / max(1, len(points) - 1)

    def y_of(value: float) -> float:
        return top + (height - top - bottom) * (1 - value / peak)

    band_top = y_of(SMALL_CELL)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="arrivals per day" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" class="chart line">',
        f'<rect x="{left}" y="{band_top:.1f}" width="{width - left - right}" height="{y_of(0) - band_top:.1f}" '
        'fill="#eee"><title>&lt;5</title></rect>',
        f'<text x="{left - 6}" y="{(band_top + y_of(0)) / 2 + 4:.1f}" text-anchor="end" font-size="11">&lt;5</text>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" font-size="11">{peak}</text>',
        f'<line x1="{left}" y1="{y_of(0):.1f}" x2="{width - right}" y2="{y_of(0):.1f}" stroke="#888"/>',
    ]
    shown = [
        (i, count if count == 0 or count >= SMALL_CELL else SMALL_CELL / 2) for i, (_d, count) in enumerate(points)
    ]
    path = " ".join(f"{'M' if i == 0 else 'L'}{left + i * step:.1f},{y_of(v):.1f}" for i, v in shown)
    parts.append(f'<path d="{path}" fill="none" stroke="#0a6" stroke-width="2"/>')
    for (i, value), (day, count) in zip(shown, points, strict=True):
        hollow = 0 < count < SMALL_CELL
        fill = "white" if hollow else "#0a6"
        parts.append(
            f'<circle cx="{left + i * step:.1f}" cy="{y_of(value):.1f}" r="3.5" fill="{fill}" stroke="#0a6">'
            f"<title>{day.isoformat()}: {escape(cell(count))}</title></circle>"
        )
    for i in sorted({0, len(points) - 1, len(points) // 2}):
        parts.append(
            f'<text x="{left + i * step:.1f}" y="{height - 12}" text-anchor="middle" font-size="11">'
            f"{points[i][0].isoformat()}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def funnel_bar_svg(stages: list[tuple[str, int]], *, width: int = 640, bar: int = 24) -> str:
    """An inline SVG funnel: one horizontal bar per stage; small counts get a stub bar labelled "<5"."""
    label_width, gap = 150, 8
    height = len(stages) * (bar + gap) + gap
    peak = max([SMALL_CELL, *(count for _label, count in stages)])
    usable = width - label_width - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="funnel" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" class="chart funnel">'
    ]
    for i, (label, count) in enumerate(stages):
        y = gap + i * (bar + gap)
        shown = count if count == 0 or count >= SMALL_CELL else SMALL_CELL / 2
        length = usable * shown / peak
        text_y = f"{y + bar * 0.7:.1f}"
        shown_count = escape(cell(count))
        opacity = ' fill-opacity="0.35"' if 0 < count < SMALL_CELL else ""
        parts.append(
            f'<text x="{label_width - 8}" y="{text_y}" text-anchor="end" font-size="12">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar}" fill="#2a7"{opacity}>'
            f"<title>{escape(label)}: {shown_count}</title></rect>"
            f'<text x="{label_width + length + 6:.1f}" y="{text_y}" font-size="12">{shown_count}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _empty_svg(width: int, height: int, message: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'class="chart empty"><text x="{width / 2}" y="{height / 2}" text-anchor="middle" font-size="13">'
        f"{escape(message)}</text></svg>"
    )
