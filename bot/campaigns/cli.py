"""`nonghui campaign ...`: campaigns and placements (CLI or YAML), links, QR posters, the funnel report."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from bot.campaigns.codes import code_makers, store_code, stored_code
from bot.campaigns.keys import campaign_key
from bot.campaigns.payloads import PayloadSigner, new_placement_code
from bot.campaigns.web import poster_link
from bot.channel import CampaignCodeMaker, LinkError, SharedState
from bot.channels import all_channels
from bot.settings import BotSettings
from core.errors import NonghuiError
from store.campaigns import CampaignSpec, CampaignStore, CampaignView, PlacementSpec, PlacementView

if TYPE_CHECKING:
    from bot.campaigns.posters import PosterCode

campaign_app = typer.Typer(
    help="Publicity campaigns: placements, links, QR posters, funnel report.", no_args_is_help=True
)


@dataclass(frozen=True)
class CampaignTools:
    """What the commands work with, built from the settings."""

    settings: BotSettings
    store: CampaignStore
    signer: PayloadSigner
    sessions: sessionmaker[Session]


@contextmanager
def open_tools(settings: BotSettings) -> Iterator[CampaignTools]:
    """Open the database (migrated) and the signer for one command."""
    from store.db import make_engine, migrate, session_factory

    secret = settings.campaign_key.get_secret_value() if settings.campaign_key else None
    signer = PayloadSigner(campaign_key(secret, env=settings.env, home=settings.home))
    engine = make_engine(settings.resolved_database_url)
    try:
        migrate(engine)
        sessions = session_factory(engine)
        yield CampaignTools(settings, CampaignStore(sessions, new_code=new_placement_code), signer, sessions)
    finally:
        engine.dispose()


@contextmanager
def _tools() -> Iterator[CampaignTools]:
    try:
        with open_tools(BotSettings()) as tools:
            yield tools
    except NonghuiError as err:
        typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from None


def placement_links(tools: CampaignTools, placement: PlacementView) -> tuple[str, list[tuple[str, str | None]]]:
    """(payload, [(channel, link or None when the channel is not configured for links), ...]); a channel whose
    platform makes QR codes (`campaign qr`) gives the URL of the code made for the placement."""
    payload = tools.signer.sign(placement.code)
    state = _state(tools)
    links: list[tuple[str, str | None]] = []
    for channel in all_channels(tools.settings):
        link = channel.campaign_link(payload)
        if link is None and isinstance(channel, CampaignCodeMaker):
            code = stored_code(state, channel.name, placement.code)
            link = code.url if code else None
        links.append((channel.name, link))
    return payload, links


def _state(tools: CampaignTools) -> SharedState:
    from bot.shared_state import open_shared_state

    return open_shared_state(tools.settings, tools.sessions)


def _campaign(tools: CampaignTools, slug: str) -> CampaignView:
    campaign = tools.store.get_campaign(slug)
    if campaign is None:
        typer.secho(f"error: no campaign {slug!r} (see `nonghui campaign list`)", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1)
    return campaign


@campaign_app.command("add")
def add(
    slug: Annotated[str, typer.Argument(help="Short id: lower-case letters, digits and '-', e.g. qs-scam-2026w.")],
    name: Annotated[str, typer.Option(help="Campaign name (shown on posters).")],
    organiser: Annotated[str, typer.Option(help="Who runs it, e.g. 县金融办.")],
    topic: Annotated[str, typer.Option(help="loan, insurance, scam or general.")],
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD (China time).")],
    end: Annotated[str, typer.Option(help="Last day, YYYY-MM-DD.")],
    region: Annotated[str | None, typer.Option(help="Region the campaign covers.")] = None,
    station: Annotated[str | None, typer.Option(help="Service station code named on posters, e.g. ZJ-QS.")] = None,
    lang: Annotated[str, typer.Option(help="Main language: zh or en.")] = "zh",
) -> None:
    """Register a campaign."""
    try:
        spec = CampaignSpec(
            slug=slug,
            name=name,
            organiser=organiser,
            topic=topic,  # type: ignore[arg-type]
            region=region,
            station_code=station,
            starts_on=date.fromisoformat(start),
            ends_on=date.fromisoformat(end),
            lang=lang,  # type: ignore[arg-type]
        )
    except (ValidationError, ValueError) as err:
        raise typer.BadParameter(_first_error(err)) from None
    with _tools() as tools:
        if station and tools.store.station_contact(station) is None:
            typer.secho(f"warning: no active station {station!r}; posters will not name one", fg=typer.colors.YELLOW)
        campaign = tools.store.add_campaign(spec)
    typer.echo(f"campaign {campaign.slug} added ({campaign.topic}, {campaign.starts_on} – {campaign.ends_on})")


@campaign_app.command("load")
def load(
    path: Annotated[Path, typer.Argument(help="YAML registry file (see bot/campaigns/campaigns_SAMPLE.yaml).")],
) -> None:
    """Add the campaigns and placements of a YAML file that are not registered yet."""
    from bot.campaigns.registry_file import load_registry

    with _tools() as tools:
        try:
            report = load_registry(tools.store, path)
        except NonghuiError as err:
            typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
            raise typer.Exit(code=2) from None
    typer.echo(
        f"campaigns: {report.campaigns_added} added, {report.campaigns_existing} already there; "
        f"placements: {report.placements_added} added, {report.placements_existing} already there"
    )


@campaign_app.command("place")
def place(
    slug: Annotated[str, typer.Argument(help="The campaign.")],
    location: Annotated[str, typer.Option(help="Where, e.g. 李家村村委会公告栏.")],
    kind: Annotated[str, typer.Option(help="poster, leaflet, video, meeting or other.")] = "poster",
    note: Annotated[str | None, typer.Option(help="Anything else (batch size, who put it up).")] = None,
) -> None:
    """Add a placement to a campaign and print its links."""
    try:
        spec = PlacementSpec(kind=kind, location=location, note=note)  # type: ignore[arg-type]
    except ValidationError as err:
        raise typer.BadParameter(_first_error(err)) from None
    with _tools() as tools:
        _campaign(tools, slug)
        placement = tools.store.add_placement(slug, spec)
        _print_links(tools, placement)


@campaign_app.command("list")
def list_campaigns() -> None:
    """List campaigns and their placements."""
    with _tools() as tools:
        campaigns = tools.store.list_campaigns()
    if not campaigns:
        typer.echo("no campaigns yet: `nonghui campaign add ...`")
        return
    for c in campaigns:
        typer.echo(f"{c.slug}  [{c.topic}]  {c.starts_on} – {c.ends_on}  {c.name}  ({c.organiser})")
        for p in c.placements:
            typer.echo(f"    {p.code}  {p.kind:<8} {p.location}")


@campaign_app.command("links")
def links(slug: Annotated[str, typer.Argument(help="The campaign.")]) -> None:
    """Print each placement's payload, Telegram deep link and web-chat link."""
    with _tools() as tools:
        for placement in _campaign(tools, slug).placements:
            _print_links(tools, placement)


def _print_links(tools: CampaignTools, placement: PlacementView) -> None:
    try:
        payload, links = placement_links(tools, placement)
    except LinkError as err:
        typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from None
    typer.echo(f"{placement.code}  {placement.kind}  {placement.location}")
    typer.echo(f"    payload:  {payload}")
    for channel, link in links:
        typer.echo(f"    {channel + ':':<9} {link or '(not configured for links, see the settings)'}")


@campaign_app.command("qr")
def qr(
    slug: Annotated[str, typer.Argument(help="The campaign.")],
    days: Annotated[
        int | None, typer.Option(help="Temporary codes valid this many days (at most 30); default permanent.")
    ] = None,
    channel: Annotated[str | None, typer.Option(help="Only this channel (e.g. wechat).")] = None,
) -> None:
    """Have each channel whose platform makes QR codes (WeChat) make one per placement, the signed payload as
    its scene; posters then carry it (`campaign posters --qr wechat`)."""
    import asyncio

    with _tools() as tools:
        campaign = _campaign(tools, slug)
        channels = [c for c in all_channels(tools.settings) if c.enabled and channel in (None, c.name)]
        makers = code_makers(channels)
        if not makers:
            typer.secho("error: no channel here makes QR codes (configure WeChat first)", fg=typer.colors.RED, err=True)
            raise typer.Exit(code=2)
        state = _state(tools)
        for placement in campaign.placements:
            payload = tools.signer.sign(placement.code)
            for maker in makers:
                try:
                    code = asyncio.run(maker.campaign_code(payload, days=days, state=state))
                except NonghuiError as err:
                    typer.secho(f"error: {maker.name}: {err}", fg=typer.colors.RED, err=True)
                    raise typer.Exit(code=2) from None
                store_code(state, maker.name, placement.code, code)
                until = f" (until {code.expires_at:%Y-%m-%d %H:%M} UTC)" if code.expires_at else " (permanent)"
                typer.echo(f"{placement.code}  {maker.name}: {code.url}{until}")


@campaign_app.command("posters")
def posters(
    slug: Annotated[str, typer.Argument(help="The campaign.")],
    out: Annotated[Path, typer.Option(help="Folder for the PDF and PNG files.")] = Path("posters"),
    qr_channels: Annotated[
        list[str] | None,
        typer.Option(
            "--qr",
            help="Channel whose QR code the poster carries (repeat for two, e.g. --qr wechat --qr telegram); "
            "default the first configured link.",
        ),
    ] = None,
) -> None:
    """Make an A4 PDF and a PNG poster per placement; each QR code is decoded back before it is written."""
    from bot.campaigns.posters import PosterContent, PosterMaker, find_cjk_fonts, poster_files

    with _tools() as tools:
        campaign = _campaign(tools, slug)
        station = tools.store.station_contact(campaign.station_code)
        try:
            maker = PosterMaker(find_cjk_fonts())
            started = time.perf_counter()
            for placement in campaign.placements:
                _payload, links = placement_links(tools, placement)
                codes = _poster_codes(links, qr_channels or [])
                primary = codes[0].link if codes else poster_link(links)
                content = PosterContent(
                    campaign.topic, campaign.name, placement.location, primary, station, codes=tuple(codes)
                )
                pdf, png = poster_files(out, f"{campaign.slug}-{placement.code}", maker.make(content))
                typer.echo(f"{placement.code}: {pdf} ({pdf.stat().st_size // 1024} kB), {png}")
        except NonghuiError as err:
            typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
            raise typer.Exit(code=2) from None
    elapsed = time.perf_counter() - started
    typer.echo(f"{len(campaign.placements)} posters in {elapsed:.1f} s; QR codes checked")


def _poster_codes(links: list[tuple[str, str | None]], wanted: list[str]) -> list[PosterCode]:
    from bot.campaigns.posters import PosterCode
    from core.channels import channel_spec

    found = dict(links)
    codes: list[PosterCode] = []
    for name in wanted:
        link = found.get(name)
        if not link:
            typer.secho(
                f"error: no {name} link for this placement (for WeChat run `campaign qr` first)",
                fg=typer.colors.RED,
                err=True,
            )
            raise typer.Exit(code=2)
        codes.append(PosterCode(label=channel_spec(name).label, link=link))
    return codes


@campaign_app.command("report")
def report(
    slug: Annotated[str | None, typer.Argument(help="One campaign (default: all).")] = None,
    model: Annotated[str, typer.Option(help="Attribution: first or last touch.")] = "first",
    csv_out: Annotated[
        Path | None, typer.Option("--csv", help="Write CSV to this file ('-' prints CSV instead of the table).")
    ] = None,
) -> None:
    """Print the funnel per placement (counts only; 1–4 shown as <5) or export it as CSV."""
    from bot.campaigns.report import to_csv, to_table
    from store.campaign_report import CampaignReports

    if model not in ("first", "last"):
        raise typer.BadParameter("model must be first or last")
    with _tools() as tools:
        if slug is not None:
            _campaign(tools, slug)
        funnel = CampaignReports(tools.sessions).funnel(campaign=slug, model="last" if model == "last" else "first")
    if csv_out is None:
        typer.echo(to_table(funnel))
    elif str(csv_out) == "-":
        typer.echo(to_csv(funnel), nl=False)
    else:
        csv_out.write_text(to_csv(funnel), encoding="utf-8")
        typer.echo(f"wrote {csv_out}")


def _first_error(err: ValidationError | ValueError) -> str:
    if isinstance(err, ValidationError):
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where}: {first['msg']}" if where else str(first["msg"])
    return str(err)
