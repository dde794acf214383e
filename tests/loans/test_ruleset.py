from decimal import Decimal

import pytest

from loans.ruleset import RulesError, available_regions, load_rules


def test_national_profile_matches_the_facts_sheet():
    rules = load_rules("national")
    assert rules.eligible_statuses == ["lifted_out", "monitored"]
    assert (rules.age.min, rules.age.max) == (18, 65)
    assert rules.amount.cap_yuan == 50000 and rules.term.cap_months == 36
    assert {p.id for p in rules.purposes.allowed} == {"planting", "livestock", "processing", "small_business"}
    assert {"house_building", "wedding", "consumption", "investing", "company"} == {
        p.id for p in rules.purposes.forbidden
    }
    assert rules.subsidy.varies_locally


def test_interest_band_follows_the_term():
    rules = load_rules("national")
    assert rules.interest.annual_rate(12) == rules.interest.lpr_1y_percent / 100
    assert rules.interest.annual_rate(13) == rules.interest.lpr_5y_percent / 100
    assert rules.interest.annual_rate(36) == rules.interest.lpr_5y_percent / 100


def test_county_profile_overrides_only_what_it_names():
    national, county = load_rules("national"), load_rules("sample-county-zj")
    assert county.sample and county.age.max == 60 and county.subsidy.share == Decimal("0.7")
    assert county.amount == national.amount and county.purposes == national.purposes


def test_every_profile_in_the_folder_loads():
    regions = available_regions()
    assert {"national", "sample-county-zj"} <= set(regions)
    for region in regions:
        assert load_rules(region).version


def test_profiles_extending_each_other_in_a_loop_are_refused(tmp_path):
    (tmp_path / "a.yaml").write_text("id: a\nextends: b\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("id: b\nextends: a\n", encoding="utf-8")
    with pytest.raises(RulesError, match="loop"):
        load_rules("a", rules_dir=tmp_path)


def test_missing_or_malformed_profile_raises_rules_error(tmp_path):
    (tmp_path / "bad.yaml").write_text("id: bad\nversion: '1'\n", encoding="utf-8")
    with pytest.raises(RulesError):
        load_rules("bad", rules_dir=tmp_path)
    with pytest.raises(RulesError):
        load_rules("nowhere", rules_dir=tmp_path)
    with pytest.raises(RulesError):
        load_rules("../etc/passwd", rules_dir=tmp_path)
