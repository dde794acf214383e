"""The funnel report for people: a text table, CSV and inline SVG charts, with small cells shown as "<5"."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final
from xml.sax.saxutils import escape

from bot.privacy import mask_personal_data
from core.intents import QUESTION_TOPICS
from store.campaign_report import FunnelReport, PlacementFunnel, QuestionCount

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


def question_text(question: QuestionCount) -> str:
    """A farmer's question as shown in reports: phone, ID and card numbers masked (again, in case)."""
    return mask_personal_data(question.text)


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


def group_cells(values: list[int]) -> list[str]:
    """Cells that add up to a shown total (a placement's days): 1–4 become "<5", and when exactly one cell is
    hidden the smallest other non-zero cell is shown as "≥5" too, so the hidden one cannot be found by subtraction.
    """
    shown = [cell(v) for v in values]
    hidden = [i for i, v in enumerate(values) if 0 < v < SMALL_CELL]
    if len(hidden) == 1:
        others = [i for i, v in enumerate(values) if v >= SMALL_CELL]
        if others:
            shown[min(others, key=lambda i: values[i])] = f"≥{SMALL_CELL}"
    return shown


def to_csv(report: FunnelReport) -> str:
    """CSV: a `total` row per placement, then its `day` rows (arrivals, asked and submitted per China day)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["row", "day", *COLUMNS], lineterminator="\n")
    writer.writeheader()
    for funnel in report.placements:
        writer.writerow({"row": "total", "day": "", **_row(funnel)})
        columns = {
            metric: group_cells([getattr(day, metric) for day in funnel.days])
            for metric in ("arrivals", "asked", "submitted")
        }
        for index, day in enumerate(funnel.days):
            writer.writerow(
                {
                    "row": "day",
                    "day": day.day.isoformat(),
                    "campaign": funnel.campaign_slug,
                    "placement": funnel.placement_code,
                    "kind": funnel.kind,
                    "location": funnel.location,
                    **{metric: values[index] for metric, values in columns.items()},
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
        f"expired campaigns: {cell(report.expired_arrivals)}; "
        f"campaigns not started yet: {cell(report.not_started_arrivals)}; counts of 1–4 shown as {SMALL_LABEL}"
    )
    for title, questions in (("top questions", report.top_questions), ("unanswered", report.unanswered_questions)):
        lines.append("")
        lines.append(f"{title} (farmers):")
        lines += [f"  {cell(q.farmers):>3}  {question_text(q)}" for q in questions] or ["  (none)"]
    return "\n".join(lines)


@dataclass(frozen=True)
class Total:
    """A sum of the cells shown as exact numbers, and how many hidden cells were left out of it: small ones
    (1–4, "<5") and secondary ones ("≥5"). Hidden cells are never added in, so none can be found by subtraction."""

    visible: int
    small: int = 0
    large: int = 0

    @property
    def hidden(self) -> bool:
        """Whether some cells were left out."""
        return bool(self.small or self.large)

    @property
    def shown(self) -> str:
        """The count; "<5" for a single small cell alone; else "≥" the least the hidden cells can add up to."""
        if not self.hidden:
            return str(self.visible)
        if self.visible == 0 and self.small == 1 and self.large == 0:
            return SMALL_LABEL
        return f"≥{self.visible + self.small + SMALL_CELL * self.large}"


def _total(cells: list[str]) -> Total:
    """Add up shown cells ("12", "<5", "≥5", "0")."""
    return Total(
        visible=sum(int(c) for c in cells if c.isdigit()),
        small=sum(1 for c in cells if c == SMALL_LABEL),
        large=sum(1 for c in cells if c.startswith("≥")),
    )


def arrivals_by_day(report: FunnelReport) -> list[tuple[date, Total]]:
    """Arrivals per day over the report's placements (cells as the CSV shows them), days between filled with 0."""
    per_day: dict[date, list[str]] = defaultdict(list)
    for funnel in report.placements:
        shown = group_cells([day.arrivals for day in funnel.days])
        for day, text in zip(funnel.days, shown, strict=True):
            per_day[day.day].append(text)
    if not per_day:
        return []
    first, last = min(per_day), max(per_day)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [(day, _total(per_day.get(day, []))) for day in days]


def funnel_totals(report: FunnelReport) -> list[tuple[str, Total]]:
    """Each funnel stage summed over the report's placements (visible cells only)."""
    return [(label, _total([cell(getattr(f, key)) for f in report.placements])) for key, label in FUNNEL_STAGES]


def _plotted(total: Total) -> float:
    """Where a total is drawn: its visible count, or the middle of the "<5" band when only small cells exist."""
    if total.visible or not total.hidden:
        return total.visible
    return SMALL_CELL if total.large else SMALL_CELL / 2


def line_chart_svg(points: list[tuple[date, Total]], *, width: int = 640, height: int = 220) -> str:
    """An inline SVG line of arrivals per day; days with hidden small cells are drawn as hollow points."""
    if not points:
        return _empty_svg(width, height, "还没有到达 · no arrivals yet")
    left, right, top, bottom = 44, 40, 14, 34
    peak = max(SMALL_CELL, *(total.visible for _day, total in points))
    step = (width - left - right) / max(1, len(points) - 1)

    def y_of(value: float) -> float:
        return top + (height - top - bottom) * (1 - value / peak)

    def x_of(index: int) -> float:
        return left + index * step

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
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{x_of(i):.1f},{y_of(_plotted(total)):.1f}" for i, (_day, total) in enumerate(points)
    )
    parts.append(f'<path d="{path}" fill="none" stroke="#0a6" stroke-width="2"/>')
    for i, (day, total) in enumerate(points):
        fill = "white" if total.hidden else "#0a6"
        parts.append(
            f'<circle cx="{x_of(i):.1f}" cy="{y_of(_plotted(total)):.1f}" r="3.5" fill="{fill}" stroke="#0a6">'
            f"<title>{day.isoformat()}: {escape(total.shown)}</title></circle>"
        )
    for i in sorted({0, len(points) - 1, len(points) // 2}):
        parts.append(
            f'<text x="{x_of(i):.1f}" y="{height - 12}" text-anchor="middle" font-size="11">'
            f"{points[i][0].isoformat()}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def funnel_bar_svg(stages: list[tuple[str, Total]], *, width: int = 640, bar: int = 24) -> str:
    """An inline SVG funnel: one horizontal bar per stage; stages with only small cells get a pale stub "<5"."""
    label_width, gap = 150, 8
    height = len(stages) * (bar + gap) + gap
    peak = max([SMALL_CELL, *(total.visible for _label, total in stages)])
    usable = width - label_width - 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="funnel" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" class="chart funnel">'
    ]
    for i, (label, total) in enumerate(stages):
        y = gap + i * (bar + gap)
        length = usable * _plotted(total) / peak
        text_y = f"{y + bar * 0.7:.1f}"
        shown = escape(total.shown)
        opacity = ' fill-opacity="0.35"' if total.hidden and not total.visible else ""
        parts.append(
            f'<text x="{label_width - 8}" y="{text_y}" text-anchor="end" font-size="12">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar}" fill="#2a7"{opacity}>'
            f"<title>{escape(label)}: {shown}</title></rect>"
            f'<text x="{label_width + length + 6:.1f}" y="{text_y}" font-size="12">{shown}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _empty_svg(width: int, height: int, message: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'class="chart empty"><text x="{width / 2}" y="{height / 2}" text-anchor="middle" font-size="13">'
        f"{escape(message)}</text></svg>"
    )
