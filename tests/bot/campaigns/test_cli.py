import csv
import io
import re

import pytest
from typer.testing import CliRunner

from bot.campaigns.keys import decode_campaign_key, generate_campaign_key
from bot.campaigns.payloads import PayloadSigner
from bot.cli import app

KEY = generate_campaign_key()


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("NONGHUI_HOME", str(tmp_path))
    monkeypatch.setenv("NONGHUI_CAMPAIGN_KEY", KEY)
    monkeypatch.setenv("NONGHUI_TELEGRAM_BOT_USERNAME", "NonghuiBot")
    monkeypatch.setenv("NONGHUI_PUBLIC_WEB_URL", "https://chat.example.cn/")
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(app, ["campaign", *args])

    return invoke


def add(run, slug="qs-scam", topic="scam", start="2026-11-01", end="2027-01-31"):
    return run(
        "add", slug, "--name", "冬季防骗", "--organiser", "县金融办", "--topic", topic, "--start", start, "--end", end
    )


def test_add_place_list_and_links(run):
    assert add(run).exit_code == 0
    placed = run("place", "qs-scam", "--location", "李家村村委会", "--kind", "poster")
    assert placed.exit_code == 0, placed.output
    payload = re.search(r"payload:\s+(\S+)", placed.output).group(1)
    assert PayloadSigner(decode_campaign_key(KEY)).check(payload).outcome == "campaign"
    assert f"https://t.me/NonghuiBot?start={payload}" in placed.output
    assert f"https://chat.example.cn/?start={payload}" in placed.output
    listed = run("list")
    assert "qs-scam" in listed.output and "李家村村委会" in listed.output
    assert payload in run("links", "qs-scam").output


def test_bad_input_gets_a_clear_message(run):
    assert add(run, topic="weather").exit_code == 2
    assert add(run, start="2026-12-05", end="2026-12-01").exit_code == 2
    assert add(run, start="yesterday").exit_code == 2
    unknown = run("place", "nope", "--location", "x")
    assert unknown.exit_code == 1 and "no campaign 'nope'" in unknown.output
    assert add(run).exit_code == 0
    assert run("place", "qs-scam", "--location", "x", "--kind", "billboard").exit_code == 2


def test_report_prints_a_table_and_csv(run, tmp_path):
    add(run)
    run("place", "qs-scam", "--location", "李家村")
    table = run("report")
    assert table.exit_code == 0 and "李家村" in table.output and "attribution: first-touch" in table.output
    printed = run("report", "qs-scam", "--model", "last", "--csv", "-")
    rows = list(csv.DictReader(io.StringIO(printed.output)))
    assert rows[0]["row"] == "total" and rows[0]["arrivals"] == "0"
    out = tmp_path / "funnel.csv"
    assert run("report", "--csv", str(out)).exit_code == 0 and out.read_text(encoding="utf-8").startswith("row,day")
    assert run("report", "--model", "middle").exit_code == 2


def test_posters_are_written_and_checked(run, tmp_path):
    add(run)
    run("place", "qs-scam", "--location", "李家村")
    made = run("posters", "qs-scam", "--out", str(tmp_path / "posters"))
    assert made.exit_code == 0, made.output
    assert "QR codes checked" in made.output
    assert len(list((tmp_path / "posters").glob("qs-scam-*.pdf"))) == 1
    assert len(list((tmp_path / "posters").glob("qs-scam-*.png"))) == 1


def test_production_without_key_refuses_politely(run, monkeypatch):
    monkeypatch.delenv("NONGHUI_CAMPAIGN_KEY")
    monkeypatch.setenv("NONGHUI_ENV", "production")
    result = run("list")
    assert result.exit_code == 2 and "NONGHUI_CAMPAIGN_KEY must be set" in result.output


def test_load_the_sample_registry_twice_adds_only_once(run):
    from bot.campaigns.registry_file import SAMPLE_FILE

    first = run("load", str(SAMPLE_FILE))
    assert first.exit_code == 0, first.output
    assert "campaigns: 2 added, 0 already there; placements: 4 added, 0 already there" in first.output
    again = run("load", str(SAMPLE_FILE))
    assert "campaigns: 0 added, 2 already there; placements: 0 added, 4 already there" in again.output
    listed = run("list").output
    assert "qs-scam-2026w" in listed and "东岭村村民大会" in listed


def test_load_reports_the_first_problem_of_a_bad_file(run, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("campaigns:\n  - slug: x1\n    name: n\n    organiser: o\n    topic: weather\n", encoding="utf-8")
    result = run("load", str(bad))
    assert result.exit_code == 2 and "topic" in result.output
    bad.write_text("campaigns: [", encoding="utf-8")
    assert run("load", str(bad)).exit_code == 2
    assert run("load", str(tmp_path / "missing.yaml")).exit_code == 2
