"""Names as Chinese people have them: any characters accepted, only clear non-names refused, doubt asked about."""

from __future__ import annotations

import itertools
import random
from datetime import date

import pytest

from loans.names import read_name
from loans.preapplication import PreApplicationService
from loans.stations import StationMatcher, load_stations

# Common surnames, including the ones the old check refused (钱, 申, 保) and compound ones.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚"
    "卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤申保"
)
COMPOUND = ("欧阳", "司马", "诸葛", "上官", "慕容", "皇甫")
# Characters that stand in given names, including those the old check refused (保, 钱, 想, 要, 好, 见, 息, 申).
GIVEN = (
    "保国钱桂兰红梅想平要好见息申秀英建华明军伟芳娟敏静丽强磊洋艳勇杰娜涛超霞刚平辉玲燕鹏飞宇浩凤春花云"
    "福贵德胜富荣喜旺财来根生金银玉兰菊莲梅竹松柏海山林永长庆安康寿志文武忠孝义礼信仁智勤俭昌盛兴发"
)


def _generated_names() -> list[str]:
    rng = random.Random(18)
    singles = [s + g for s, g in itertools.product(SURNAMES, GIVEN[:20])]
    doubles = [s + "".join(rng.sample(GIVEN, 2)) for s in SURNAMES for _ in range(8)]
    compounds = [c + "".join(rng.sample(GIVEN, k)) for c in COMPOUND for k in (1, 2) for _ in range(10)]
    return singles + doubles + compounds


@pytest.fixture(scope="module")
def service() -> PreApplicationService:
    stations = load_stations()
    return PreApplicationService(matcher=StationMatcher(stations), stations=stations, today=lambda: date(2026, 12, 1))


def test_over_a_thousand_generated_names_are_all_accepted_as_they_are():
    names = _generated_names()
    assert len(set(names)) >= 1000

    refused = [n for n in names if read_name(n).verdict != "name" or read_name(n).name != n]

    assert refused == []


@pytest.mark.parametrize(
    "name", ["李保国", "钱桂兰", "申红梅", "王想平", "张要好", "赵见息", "欧阳娜娜", "诸葛亮", "张万年", "王千里"]
)
def test_names_with_characters_the_old_check_refused_are_accepted(service: PreApplicationService, name: str):
    assert service.check("applicant_name", name, {}).updates == {"applicant_name": name, "name_to_confirm": None}


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("阿依古丽·买买提", "阿依古丽·买买提"),
        ("阿依古丽・买买提", "阿依古丽·买买提"),
        ("阿依古丽.买买提", "阿依古丽·买买提"),
        ("我叫 扎西·顿珠", "扎西·顿珠"),
        ("我姓王，叫秀英", "王秀英"),
        ("Li Baoguo", "Li Baoguo"),
        ("my name is Mary-Ann O'Neil", "Mary-Ann O'Neil"),
    ],
)
def test_minority_and_latin_script_names_are_accepted(said: str, name: str):
    reading = read_name(said)

    assert (reading.verdict, reading.name) == ("name", name)


NON_NAMES = [
    "河西镇新塘村", "东岭村", "青山镇", "平安县", "湖南省", "种地", "我想借五万", "我要贷款", "我要申请贷款", "不知道",
    "你好", "谢谢", "123", "王秀英 13812345678", "利息多少？", "借三万块", "是的", "好的", "I want a loan",
    "hello", "养猪的", "怎么填", "五万", "三十岁", "万元", "", "   ",
]  # fmt: skip


@pytest.mark.parametrize("said", NON_NAMES)
def test_non_names_are_refused_or_asked_about_never_taken_as_names(service: PreApplicationService, said: str):
    result = service.check("applicant_name", said, {})

    assert not result.ok
    assert result.reason is not None


@pytest.mark.parametrize("said", ["河西镇新塘村", "种地", "我想借五万", "我要贷款", "不知道", "123"])
def test_clear_non_names_are_refused_with_a_reason(said: str):
    reading = read_name(said)

    assert reading.verdict == "not_a_name"
    assert reading.reason is not None and reading.reason.zh and reading.reason.en


def test_a_place_is_told_apart_from_a_name():
    reading = read_name("河西镇新塘村")

    assert reading.reason is not None and "地名" in reading.reason.zh


@pytest.mark.parametrize("said", ["买买提艾力", "佐藤", "王了", "万元", "Wang"])
def test_a_doubtful_name_is_asked_about_with_yes_and_no(service: PreApplicationService, said: str):
    result = service.check("applicant_name", said, {})

    assert not result.ok and not result.counts_as_failure
    assert result.reason is not None
    assert result.reason.zh == f"您的名字是「{said}」，对吗？"
    assert result.reason.en == f'Is your name "{said}"?'
    assert [c.value for c in result.choices] == ["yes", "no"]
    assert result.updates == {"name_to_confirm": said}


@pytest.mark.parametrize("said", ["choice:yes", "对", "是的", "yes"])
def test_yes_to_the_name_question_takes_the_name(service: PreApplicationService, said: str):
    result = service.check("applicant_name", said, {"name_to_confirm": "买买提艾力"})

    assert result.updates == {"applicant_name": "买买提艾力", "name_to_confirm": None}


@pytest.mark.parametrize("said", ["choice:no", "不是", "no"])
def test_no_to_the_name_question_asks_for_the_name_again(service: PreApplicationService, said: str):
    result = service.check("applicant_name", said, {"name_to_confirm": "买买提艾力"})

    assert not result.ok and not result.counts_as_failure
    assert result.updates == {"name_to_confirm": None}


def test_a_new_name_instead_of_yes_or_no_is_read_as_the_answer(service: PreApplicationService):
    result = service.check("applicant_name", "王秀英", {"name_to_confirm": "佐藤"})

    assert result.updates == {"applicant_name": "王秀英", "name_to_confirm": None}


def test_a_stray_yes_without_a_question_is_not_a_name(service: PreApplicationService):
    assert not service.check("applicant_name", "choice:yes", {}).ok
