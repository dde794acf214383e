import pytest

from loans.stations import SAMPLE_STATIONS, StationMatcher, StationsError, load_stations


@pytest.fixture(scope="module")
def matcher():
    return StationMatcher(load_stations(SAMPLE_STATIONS))


def test_sample_registry_has_two_marked_counties():
    stations = load_stations()
    assert {s.county_code for s in stations} == {"ZJ", "HD"}
    assert all(s.sample and "样例" in s.name.zh and "sample" in s.name.en for s in stations)
    assert all(s.phone.startswith(("0759-000000", "0310-000000")) for s in stations)


@pytest.mark.parametrize(
    ("text", "station", "village"),
    [
        ("东岭村", "ZJ-QS", "东岭村"),
        ("我是青山镇东岭村的", "ZJ-QS", "东岭村"),
        ("Dongling village", "ZJ-QS", "东岭村"),
        ("老龙井", "ZJ-QS", "龙井村"),
        ("河西村", "ZJ-HX", "河西村"),
        ("Xintang village, Hexi town", "ZJ-HX", "新塘村"),
        ("李营", "HD-LX", "李家营村"),
        ("东岭村委会", "ZJ-QS", "东岭村"),
    ],
)
def test_exact_village_names_and_aliases_match(matcher, text, station, village):
    result = matcher.match(text)
    assert result.kind == "village" and result.station is not None and result.village is not None
    assert (result.station.code, result.village.zh) == (station, village)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("东领村", "东岭村"),
        ("石乔村", "石桥村"),
        ("沙弯", "沙湾村"),
        ("Donglin", "东岭村"),
        ("yangtian", "盐田村"),
        ("青山镇东领村", "东岭村"),
    ],
)
def test_typos_and_homophones_give_did_you_mean_with_the_right_first_candidate(matcher, text, expected):
    result = matcher.match(text)
    assert result.kind == "suggestions" and 1 <= len(result.candidates) <= 3
    assert result.candidates[0].village is not None and result.candidates[0].village.zh == expected


def test_township_only_gives_that_townships_station(matcher):
    result = matcher.match("东门镇")
    assert result.kind == "township" and result.station is not None and result.station.code == "HD-DM"
    assert "0310-0000002" in result.message("zh") and "0310-0000002" in result.message("en")


def test_unknown_place_and_empty_text_match_nothing_politely(matcher):
    for text in ["", "🐄🐄", "上海浦东新区陆家嘴环路1000号"]:
        result = matcher.match(text)
        assert result.kind == "none"
        assert "乡镇" in result.message("zh") and "township" in result.message("en")


def test_suggestion_message_lists_candidates_in_the_farmers_language(matcher):
    result = matcher.match("东领村")
    assert result.message("zh") == "您说的是不是：东岭村（青山镇）？"
    assert result.message("en") == "Did you mean: Dongling Village (Qingshan Town)?"


def test_exact_match_message_gives_station_phone_and_hours(matcher):
    result = matcher.match("东岭村")
    assert "0759-0000001" in result.message("zh") and "8:30" in result.message("zh")
    assert "is served by" in result.message("en")


def test_malformed_registry_raises_stations_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("counties: [{code: ZJ}]\n", encoding="utf-8")
    with pytest.raises(StationsError):
        load_stations(path)
    with pytest.raises(StationsError):
        load_stations(tmp_path / "missing.yaml")
