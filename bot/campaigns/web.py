"""Staff-console pages of campaigns: the funnel report (staff) and the campaign registry with posters (admins)."""

# No `from __future__ import annotations`: FastAPI must evaluate the `Depends(console...)` annotations.
import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError

from bot.campaigns.payloads import PayloadSigner
from bot.campaigns.report import (
    arrivals_by_day,
    cell,
    funnel_bar_svg,
    funnel_totals,
    line_chart_svg,
    question_text,
    summary_rows,
    to_csv,
)
from bot.channel import ChannelAdapter, LinkError
from bot.staff.auth import StaffContext
from core.errors import NonghuiError
from core.intents import CAMPAIGN_TOPICS, QUESTION_TOPICS
from core.text import Bilingual, bi
from store.campaign_report import CampaignReports
from store.campaigns import PLACEMENT_KINDS, CampaignError, CampaignSpec, CampaignStore, CampaignView, PlacementSpec

if TYPE_CHECKING:
    from bot.staff.console import StaffConsole

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
LABELS: dict[str, Bilingual] = {
    "campaigns": bi("宣传活动", "Campaigns"),
    "campaign_report": bi("宣传效果", "Campaign report"),
    "all_campaigns": bi("全部活动", "All campaigns"),
    "attribution": bi("归因", "Attribution"),
    "first_touch": bi("首次接触", "First touch"),
    "last_touch": bi("最近接触", "Last touch"),
    "show": bi("查看", "Show"),
    "download_csv": bi("下载 CSV", "Download CSV"),
    "arrivals_per_day": bi("每日到达人数", "Arrivals per day"),
    "funnel": bi("转化漏斗", "Funnel"),
    "placement": bi("投放点", "Placement"),
    "kind": bi("类型", "Kind"),
    "location": bi("位置", "Location"),
    "arrivals": bi("到达", "Arrivals"),
    "asked": bi("提问人数", "Asked"),
    "handoffs": bi("转人工", "Hand-offs"),
    "started": bi("开始预申请", "Started"),
    "submitted": bi("提交预申请", "Submitted"),
    "approved": bi("批准", "Approved"),
    "declined": bi("未批准", "Declined"),
    "questions_by_topic": bi("问题（按主题）", "Questions by topic"),
    "top_questions": bi("常见问题", "Top questions"),
    "unanswered": bi("没答上的问题", "Unanswered questions"),
    "farmers": bi("农户数", "Farmers"),
    "none_yet": bi("暂无", "None yet"),
    "unknown_payloads": bi("无法识别的链接", "Unknown links"),
    "expired_arrivals": bi("过期活动的到达", "Arrivals after a campaign ended"),
    "not_started_arrivals": bi("活动开始前的到达", "Arrivals before a campaign started"),
    "small_cells": bi("少于 5 人的数字显示为 <5，只显示计数。", "Counts below 5 are shown as <5; counts only."),
    "add_campaign": bi("新建活动", "Add campaign"),
    "add_placement": bi("添加投放点", "Add placement"),
    "name": bi("名称", "Name"),
    "slug": bi("编号", "Id"),
    "organiser": bi("主办", "Organiser"),
    "topic": bi("主题", "Topic"),
    "region": bi("地区", "Region"),
    "dates": bi("日期", "Dates"),
    "starts_on": bi("开始", "Starts"),
    "ends_on": bi("结束", "Ends"),
    "language": bi("语言", "Language"),
    "note": bi("备注", "Note"),
    "links": bi("链接", "Links"),
    "poster": bi("海报", "Poster"),
    "no_campaigns": bi("还没有宣传活动。", "No campaigns yet."),
    "no_bot_username": bi("未设置 NONGHUI_TELEGRAM_BOT_USERNAME", "NONGHUI_TELEGRAM_BOT_USERNAME not set"),
    "topic_loan": bi("贷款", "Loans"),
    "topic_insurance": bi("农业保险", "Farm insurance"),
    "topic_scam": bi("防骗", "Scams"),
    "topic_general": bi("综合", "General"),
    "topic_apply": bi("预申请", "Pre-application"),
    "topic_other": bi("其他", "Other"),
}


@dataclass(frozen=True)
class CampaignLinks:
    """Signs placement codes into payloads and prints each channel's link for them."""

    signer: PayloadSigner
    channels: tuple[ChannelAdapter, ...]

    def for_code(self, code: str) -> dict[str, object]:
        """{"payload": the signed payload, "links": [(channel, link or None when not configured), ...]}."""
        payload = self.signer.sign(code)
        return {"payload": payload, "links": channel_links(self.channels, payload)}

    def poster_link(self, code: str) -> str:
        """The link a poster's QR code carries: the first channel's link that is configured."""
        return poster_link(channel_links(self.channels, self.signer.sign(code)))


def channel_links(channels: Sequence[ChannelAdapter], payload: str) -> list[tuple[str, str | None]]:
    """(channel, link) for every channel, in the channel list's order; None where a channel makes no link."""
    links: list[tuple[str, str | None]] = []
    for channel in channels:
        try:
            links.append((channel.name, channel.campaign_link(payload)))
        except LinkError:
            links.append((channel.name, None))
    return links


def poster_link(links: Sequence[tuple[str, str | None]]) -> str:
    """The first configured link; LinkError when no channel makes one."""
    for _channel, link in links:
        if link:
            return link
    raise LinkError("no channel is configured to make campaign links")


def report_pages(console: "StaffConsole", reports: CampaignReports, store: CampaignStore) -> APIRouter:
    """`/staff/campaigns/report` (page with charts) and `/staff/campaigns/report.csv`: a station's staff see their
    station's campaigns, admins every campaign."""
    routes = APIRouter(prefix="/staff/campaigns")

    def _model(value: str | None) -> str:
        return "last" if value == "last" else "first"

    def _stations(ctx: StaffContext) -> frozenset[str] | None:
        """Admins see every campaign; other staff only their own station's (none without a station)."""
        if ctx.scope.is_admin:
            return None
        return frozenset({ctx.scope.station_code} if ctx.scope.station_code else ())

    def _visible(ctx: StaffContext) -> list[CampaignView]:
        stations = _stations(ctx)
        return [c for c in store.list_campaigns() if stations is None or c.station_code in stations]

    @routes.get("/report")
    async def report_page(ctx: Annotated[StaffContext, Depends(console.require_staff)], request: Request) -> Response:
        """The funnel per placement with a line of arrivals per day and a funnel bar (counts only)."""
        slug = request.query_params.get("campaign") or None
        model = _model(request.query_params.get("model"))
        campaigns = await asyncio.to_thread(_visible, ctx)
        if slug not in {c.slug for c in campaigns}:
            slug = None
        funnel = await asyncio.to_thread(
            lambda: reports.funnel(campaign=slug, model="last" if model == "last" else "first", stations=_stations(ctx))
        )
        return console.render(
            request,
            ctx,
            "campaign_report.html",
            campaigns=campaigns,
            selected=slug,
            model=model,
            rows=summary_rows(funnel),
            topics=QUESTION_TOPICS,
            line_svg=Markup(line_chart_svg(arrivals_by_day(funnel))),  # our SVG: numbers, and text escaped
            funnel_svg=Markup(funnel_bar_svg(funnel_totals(funnel))),
            unknown=cell(funnel.unknown_arrivals),
            expired=cell(funnel.expired_arrivals),
            not_started=cell(funnel.not_started_arrivals),
            top_questions=[(question_text(q), cell(q.farmers)) for q in funnel.top_questions],
            unanswered=[(question_text(q), cell(q.farmers)) for q in funnel.unanswered_questions],
        )

    @routes.get("/report.csv")
    async def report_csv(ctx: Annotated[StaffContext, Depends(console.require_staff)], request: Request) -> Response:
        """The same numbers as CSV (small cells already shown as <5)."""
        slug = request.query_params.get("campaign") or None
        model = _model(request.query_params.get("model"))
        campaigns = await asyncio.to_thread(_visible, ctx)
        if slug not in {c.slug for c in campaigns}:
            slug = None
        funnel = await asyncio.to_thread(
            lambda: reports.funnel(campaign=slug, model="last" if model == "last" else "first", stations=_stations(ctx))
        )
        name = f"campaign-funnel-{slug or 'all'}-{model}.csv"
        await asyncio.to_thread(
            console.services.staff.audit,
            ctx.scope,
            "campaign_report_export",
            target_type="campaign",
            target_id=slug or "all",
            detail=f"model={model}",
        )
        return Response(
            "\ufeff" + to_csv(funnel),  # the BOM lets spreadsheet programs read the Chinese as UTF-8
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
        )

    return routes


def admin_pages(console: "StaffConsole", store: CampaignStore, links: CampaignLinks) -> APIRouter:
    """`/staff/campaigns`: list, add campaigns and placements, links and posters (admins only)."""
    routes = APIRouter(prefix="/staff/campaigns")

    @routes.get("")
    async def campaigns_page(
        ctx: Annotated[StaffContext, Depends(console.require_admin)], request: Request
    ) -> Response:
        """Every campaign with its placements, their links and poster downloads."""
        campaigns = await asyncio.to_thread(store.list_campaigns)
        placement_links = {p.code: links.for_code(p.code) for c in campaigns for p in c.placements}
        return console.render(
            request,
            ctx,
            "campaigns.html",
            campaigns=campaigns,
            placement_links=placement_links,
            topics=CAMPAIGN_TOPICS,
            kinds=PLACEMENT_KINDS,
            stations=console.services.stations,
            saved=request.query_params.get("saved"),
            today=date.today().isoformat(),
        )

    @routes.post("")
    async def add_campaign(
        ctx: Annotated[StaffContext, Depends(console.require_admin_post)],
        slug: str = Form(max_length=40),
        name: str = Form(max_length=200),
        organiser: str = Form(max_length=200),
        topic: str = Form(max_length=16),
        starts_on: str = Form(max_length=10),
        ends_on: str = Form(max_length=10),
        region: str = Form(default="", max_length=128),
        station_code: str = Form(default="", max_length=32),
        lang: str = Form(default="zh", max_length=2),
    ) -> Response:
        """Register a campaign from the form; bad input returns to the page with a failure note."""
        try:
            spec = CampaignSpec(
                slug=slug,
                name=name,
                organiser=organiser,
                topic=topic,  # type: ignore[arg-type]
                starts_on=date.fromisoformat(starts_on),
                ends_on=date.fromisoformat(ends_on),
                region=region or None,
                station_code=station_code or None,
                lang=lang,  # type: ignore[arg-type]
            )
            await asyncio.to_thread(store.add_campaign, spec)
        except (ValidationError, ValueError, CampaignError):
            return RedirectResponse("/staff/campaigns?saved=failed", status_code=303)
        await asyncio.to_thread(
            console.services.staff.audit, ctx.scope, "campaign_create", target_type="campaign", target_id=spec.slug
        )
        return RedirectResponse("/staff/campaigns?saved=1", status_code=303)

    @routes.post("/{slug}/placements")
    async def add_placement(
        ctx: Annotated[StaffContext, Depends(console.require_admin_post)],
        slug: str,
        location: str = Form(max_length=200),
        kind: str = Form(default="poster", max_length=16),
        note: str = Form(default="", max_length=500),
    ) -> Response:
        """Add a placement to a campaign."""
        try:
            spec = PlacementSpec(kind=kind, location=location, note=note or None)  # type: ignore[arg-type]
            placement = await asyncio.to_thread(store.add_placement, slug, spec)
        except (ValidationError, CampaignError):
            return RedirectResponse("/staff/campaigns?saved=failed", status_code=303)
        await asyncio.to_thread(
            console.services.staff.audit,
            ctx.scope,
            "placement_create",
            target_type="placement",
            target_id=placement.code,
        )
        return RedirectResponse("/staff/campaigns?saved=1", status_code=303)

    @routes.get("/{slug}/posters/{code}.{kind}")
    async def poster(
        ctx: Annotated[StaffContext, Depends(console.require_admin)], slug: str, code: str, kind: str
    ) -> Response:
        """The placement's poster as PDF or PNG, made on request (its QR code checked before it is sent)."""
        from bot.campaigns.posters import PosterContent, PosterMaker, find_cjk_fonts

        campaign = await asyncio.to_thread(store.get_campaign, slug)
        placement = next((p for p in campaign.placements if p.code == code), None) if campaign else None
        if campaign is None or placement is None or kind not in ("pdf", "png"):
            return Response("not found", status_code=404, media_type="text/plain")
        station = await asyncio.to_thread(store.station_contact, campaign.station_code)
        content = PosterContent(campaign.topic, campaign.name, placement.location, links.poster_link(code), station)
        try:
            made = await asyncio.to_thread(lambda: PosterMaker(find_cjk_fonts()).make(content))
        except NonghuiError as err:
            return Response(str(err), status_code=503, media_type="text/plain")
        body, media = (made.pdf, "application/pdf") if kind == "pdf" else (made.png, "image/png")
        await asyncio.to_thread(
            console.services.staff.audit,
            ctx.scope,
            "poster_download",
            target_type="placement",
            target_id=code,
            detail=f"{slug} {kind}",
        )
        return Response(
            body,
            media_type=media,
            headers={"Content-Disposition": f'inline; filename="{slug}-{code}.{kind}"', "Cache-Control": "no-store"},
        )

    return routes
