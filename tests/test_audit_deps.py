"""scripts/audit_deps.py: which pip-audit findings fail the build, and that an unreachable service never does."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "audit_deps.py"


@pytest.fixture(scope="module")
def audit() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_deps", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def pip_audit_json(*vulns: tuple[str, list[str]]) -> str:
    return json.dumps(
        {
            "dependencies": [
                {"name": "jinja2", "version": "3.0.0", "vulns": [{"id": i, "fix_versions": f} for i, f in vulns]},
                {"name": "gone", "skip_reason": "Dependency not found on PyPI"},
            ]
        }
    )


def test_a_fixable_high_finding_in_the_311_lock_fails(audit: ModuleType) -> None:
    report = audit.parse_audit("py311", True, pip_audit_json(("GHSA-1", ["3.1.4"]), ("GHSA-2", [])))
    report.findings[0].severity = "HIGH"
    report.findings[1].severity = "CRITICAL"  # no fix yet: reported, not failing

    assert [f.vuln_id for f in audit.failing([report])] == ["GHSA-1"]
    assert "GHSA-2 severity CRITICAL; fixed in no fix yet" in audit.render([report])


def test_the_rasa_lock_moderate_and_unknown_severities_only_report(audit: ModuleType) -> None:
    rasa = audit.parse_audit("rasa310", False, pip_audit_json(("GHSA-3", ["1.0"])))
    rasa.findings[0].severity = "CRITICAL"
    moderate = audit.parse_audit("py311", True, pip_audit_json(("GHSA-4", ["1.0"])))
    moderate.findings[0].severity = "MODERATE"
    unknown = audit.parse_audit("py311", True, pip_audit_json(("GHSA-5", ["1.0"])))

    assert audit.failing([rasa, moderate, unknown]) == []


def test_an_unreachable_service_is_reported_and_does_not_fail(audit: ModuleType) -> None:
    offline = audit.parse_audit("py311", True, "")
    nothing_found = audit.parse_audit(
        "py311", True, json.dumps({"dependencies": [{"name": "a", "skip_reason": "not found"}]})
    )

    assert audit.failing([offline, nothing_found]) == []
    assert "unreachable" in audit.render([offline]) and "not failing" in audit.render([nothing_found])


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"database_specific": {"severity": "HIGH"}}, "HIGH"),
        ({"severity": [{"type": "CVSS_V3", "score": "9.8"}]}, "CRITICAL"),
        ({"severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N"}]}, "unknown"),
        ({}, "unknown"),
    ],
)
def test_severity_comes_from_the_osv_record(audit: ModuleType, record: dict[str, object], expected: str) -> None:
    assert audit.severity_of(record) == expected
