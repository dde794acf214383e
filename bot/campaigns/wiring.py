"""Builds the campaign pieces one bot process runs: signer, stores, the arrival greeter and the console pages."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.campaigns.greeter import CampaignGreeter
from bot.campaigns.keys import campaign_key
from bot.campaigns.payloads import PayloadSigner, new_placement_code
from bot.campaigns.web import LABELS, TEMPLATES_DIR, CampaignLinks, admin_pages, report_pages
from bot.channels import all_channels
from bot.dialogue import DialogueEngine
from bot.settings import BotSettings
from bot.staff.console import NavEntry, StaffConsole
from core.text import bi
from store.campaign_report import CampaignReports
from store.campaigns import CampaignStore


@dataclass
class CampaignParts:
    """Signer, registry and report of one process (built by the composition root, nothing at import time)."""

    settings: BotSettings
    signer: PayloadSigner
    store: CampaignStore
    reports: CampaignReports

    @classmethod
    def build(cls, settings: BotSettings, sessions: sessionmaker[Session]) -> CampaignParts:
        """Read the signing key (CampaignKeyError in production without one) and create the stores."""
        secret = settings.campaign_key.get_secret_value() if settings.campaign_key else None
        signer = PayloadSigner(campaign_key(secret, env=settings.env, home=settings.home))
        return cls(
            settings=settings,
            signer=signer,
            store=CampaignStore(sessions, new_code=new_placement_code),
            reports=CampaignReports(sessions),
        )

    def greeter(self, inner: DialogueEngine) -> CampaignGreeter:
        """The DialogueEngine decorator that counts arrivals and greets by campaign topic."""
        return CampaignGreeter(inner, self.signer, self.store)

    def links(self) -> CampaignLinks:
        """How the console prints a placement's links."""
        return CampaignLinks(self.signer, tuple(all_channels(self.settings)))

    def install_console(self, console: StaffConsole) -> None:
        """Add the campaign admin and report pages to the staff console (before it is installed on the app)."""
        console.add_template_dir(TEMPLATES_DIR)
        console.add_labels(LABELS)
        console.add_router(
            report_pages(console, self.reports, self.store),
            NavEntry("/staff/campaigns/report", bi("宣传效果", "Campaign report")),
        )
        console.add_router(
            admin_pages(console, self.store, self.links()),
            NavEntry("/staff/campaigns", bi("宣传活动", "Campaigns"), admin=True),
        )
