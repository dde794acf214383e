from datetime import UTC, date, datetime

import pytest

from bot.campaigns.payloads import PayloadSigner
from store.campaigns import CampaignSpec, CampaignStore, PlacementSpec
from store.db import make_engine, migrate, session_factory

KEY = b"campaign-test-key-0123456789abcdef"
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def sessions(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'campaigns.db'}")
    migrate(engine)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def signer():
    return PayloadSigner(KEY)


@pytest.fixture
def campaign_store(sessions):
    return CampaignStore(sessions, new_code=iter(f"plc{n:03d}" for n in range(1, 1000)).__next__, clock=lambda: NOW)


@pytest.fixture
def placements(campaign_store):
    """One live placement per topic, one of a campaign that ended and one of a campaign not started yet."""
    found = {}
    for topic in ("loan", "insurance", "scam", "general"):
        campaign_store.add_campaign(
            CampaignSpec(
                slug=f"c-{topic}",
                name=f"{topic} campaign",
                organiser="县金融办",
                topic=topic,
                starts_on=date(2026, 11, 1),
                ends_on=date(2027, 1, 31),
            )
        )
        found[topic] = campaign_store.add_placement(f"c-{topic}", PlacementSpec(kind="poster", location="李家村"))
    campaign_store.add_campaign(
        CampaignSpec(
            slug="c-old",
            name="old",
            organiser="县金融办",
            topic="scam",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 2, 1),
        )
    )
    found["expired"] = campaign_store.add_placement("c-old", PlacementSpec(kind="poster", location="旧"))
    campaign_store.add_campaign(
        CampaignSpec(
            slug="c-spring",
            name="spring",
            organiser="县金融办",
            topic="loan",
            starts_on=date(2027, 3, 1),
            ends_on=date(2027, 4, 30),
        )
    )
    found["not_started"] = campaign_store.add_placement("c-spring", PlacementSpec(kind="poster", location="新"))
    return found
