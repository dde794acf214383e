import pytest

from knowledge.scam.detector import ScamDetector
from knowledge.scam.rate import LprConfig
from knowledge.scam.rules import RuleSet


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    return RuleSet.from_yaml()


@pytest.fixture(scope="session")
def lpr() -> LprConfig:
    return LprConfig.from_yaml()


@pytest.fixture(scope="session")
def rules_only(rules: RuleSet, lpr: LprConfig) -> ScamDetector:
    """The detector with the shipped rules and LPR but no learned model (deterministic)."""
    return ScamDetector(rules, model=None, lpr=lpr)
