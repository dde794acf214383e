"""Scam-risk detection (rules + learned model) and the lender-legitimacy check."""

from knowledge.scam.detector import ScamDetector
from knowledge.scam.model import ScamModel, ScamModelError
from knowledge.scam.rate import LprConfig, find_annual_rate
from knowledge.scam.registry import LenderCheck, LenderRegistry, extract_lender_name
from knowledge.scam.rules import RuleSet, ScamRulesError
from knowledge.scam.types import LEVEL_THRESHOLDS, Level, ScamAssessment, ScamSignal, level_for

__all__ = [
    "LEVEL_THRESHOLDS",
    "LenderCheck",
    "LenderRegistry",
    "Level",
    "LprConfig",
    "RuleSet",
    "ScamAssessment",
    "ScamDetector",
    "ScamModel",
    "ScamModelError",
    "ScamRulesError",
    "ScamSignal",
    "extract_lender_name",
    "find_annual_rate",
    "level_for",
]
