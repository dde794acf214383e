"""Audit both lock files with pip-audit: report every known vulnerability, and fail only on a fixable
high-severity one in the Python 3.11 lock. Offline-tolerant: when the vulnerability service cannot be reached
(or cannot find the packages), it says so and does not fail.

Usage: python scripts/audit_deps.py [--timeout SECONDS]   (exit 1 only for a fixable high finding in 3.11)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCKS = (
    ("py311", ROOT / "scripts" / "lock-py311.txt", True),
    ("rasa310", ROOT / "scripts" / "lock-rasa310.txt", False),
)
OSV_VULN_URL = "https://api.osv.dev/v1/vulns/{}"
HIGH = {"HIGH", "CRITICAL"}


@dataclass
class Finding:
    """One vulnerability of one pinned package."""

    package: str
    version: str
    vuln_id: str
    fix_versions: list[str]
    severity: str = "unknown"

    @property
    def fixable(self) -> bool:
        """A fixed version exists."""
        return bool(self.fix_versions)


@dataclass
class LockReport:
    """What pip-audit said about one lock file."""

    name: str
    gating: bool
    audited: int = 0
    skipped: int = 0
    findings: list[Finding] = field(default_factory=list)
    unreachable: str | None = None


def parse_audit(name: str, gating: bool, raw: str) -> LockReport:
    """The report of pip-audit's JSON output (`unreachable` set when it is not JSON)."""
    report = LockReport(name=name, gating=gating)
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        report.unreachable = "pip-audit gave no JSON report"
        return report
    for dependency in data.get("dependencies", []):
        if dependency.get("skip_reason"):
            report.skipped += 1
            continue
        report.audited += 1
        for vuln in dependency.get("vulns", []):
            report.findings.append(
                Finding(
                    package=dependency.get("name", "?"),
                    version=dependency.get("version", "?"),
                    vuln_id=vuln.get("id", "?"),
                    fix_versions=list(vuln.get("fix_versions") or []),
                )
            )
    if report.audited == 0 and report.skipped:
        report.unreachable = f"the vulnerability service could not audit any of {report.skipped} packages"
    return report


def severity_of(record: dict[str, object]) -> str:
    """HIGH/CRITICAL/MODERATE/LOW from an OSV record (GitHub's rating, else a CVSS base score), or unknown."""
    specific = record.get("database_specific")
    if isinstance(specific, dict) and isinstance(specific.get("severity"), str):
        return str(specific["severity"]).upper()
    for entry in record.get("severity", []) or []:  # type: ignore[union-attr]
        score = entry.get("score") if isinstance(entry, dict) else None
        try:
            value = float(str(score))
        except ValueError:
            continue
        return "CRITICAL" if value >= 9 else "HIGH" if value >= 7 else "MODERATE" if value >= 4 else "LOW"
    return "unknown"


def fetch_severity(vuln_id: str, timeout: float) -> str:
    """The severity OSV gives `vuln_id`, or "unknown" when OSV cannot be reached."""
    try:
        with urllib.request.urlopen(OSV_VULN_URL.format(vuln_id), timeout=timeout) as answer:
            return severity_of(json.load(answer))
    except (urllib.error.URLError, OSError, ValueError):
        return "unknown"


def failing(reports: list[LockReport]) -> list[Finding]:
    """Fixable findings of high or critical severity in the gating (3.11) lock."""
    return [f for r in reports if r.gating for f in r.findings if f.fixable and f.severity in HIGH]


def render(reports: list[LockReport]) -> str:
    """Plain-text report of every lock file."""
    lines = []
    for report in reports:
        head = f"{report.name}: {report.audited} packages audited, {report.skipped} not auditable"
        lines.append(head + ("" if report.gating else " (report only)"))
        if report.unreachable:
            lines.append(f"  vulnerability service unreachable or incomplete: {report.unreachable}; not failing")
        for f in report.findings:
            fix = ", ".join(f.fix_versions) or "no fix yet"
            lines.append(f"  {f.package} {f.version}: {f.vuln_id} severity {f.severity}; fixed in {fix}")
        if not report.findings and not report.unreachable:
            lines.append("  no known vulnerabilities")
    return "\n".join(lines)


def audit_lock(name: str, path: Path, gating: bool, timeout: float) -> LockReport:
    """Run pip-audit on one lock file (pinned, no resolution) and parse its report."""
    command = [
        sys.executable,
        "-m",
        "pip_audit",
        "-r",
        str(path),
        "--no-deps",
        "--disable-pip",
        "--format",
        "json",
        "--vulnerability-service",
        "pypi",
        "--progress-spinner",
        "off",
        "--timeout",
        str(int(timeout)),
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout * 20, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        return LockReport(name=name, gating=gating, unreachable=f"pip-audit did not finish ({type(err).__name__})")
    report = parse_audit(name, gating, done.stdout)
    if report.audited == 0 and not report.skipped and done.stderr.strip():
        report.unreachable += f" ({done.stderr.strip().splitlines()[-1][:200]})"
    return report


def main(argv: list[str] | None = None) -> int:
    """Audit both locks, print the report, exit 1 only for a fixable high finding in the 3.11 lock."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--timeout", type=float, default=15.0, help="per-request timeout in seconds")
    args = parser.parse_args(argv)
    reports = [audit_lock(name, path, gating, args.timeout) for name, path, gating in LOCKS]
    for report in reports:
        for finding in report.findings:
            if finding.fixable:
                finding.severity = fetch_severity(finding.vuln_id, args.timeout)
    print(render(reports))
    bad = failing(reports)
    if bad:
        print(f"FAIL: {len(bad)} fixable high-severity finding(s) in the Python 3.11 lock")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
