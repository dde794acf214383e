"""The name step end to end through the web API: any characters are a name, a place is not, doubt is asked about."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.preapplication_stack import FormStack, sync_sample_stations
from tests.integration.test_preapplication_web import Farmer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def names_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FormStack]:
    stack = FormStack(tmp_path_factory.mktemp("names"))
    sync_sample_stations(stack.database_url)
    stack.start_all()
    yield stack
    stack.stop_all()


@pytest.mark.parametrize(("sender", "name"), [("qian", "钱桂兰"), ("li", "李保国"), ("wang", "王想平")])
def test_ordinary_names_the_old_check_refused_go_to_the_next_step(names_stack: FormStack, sender: str, name: str):
    farmer = Farmer(names_stack, f"name-{sender}")
    assert "第 1 步" in farmer.say("我想申请贷款")

    assert "第 2 步" in farmer.say(name)
    assert names_stack.slots(farmer.sender)["applicant_name"] == name


def test_a_place_is_not_taken_as_the_name(names_stack: FormStack):
    farmer = Farmer(names_stack, "name-place")
    farmer.say("我想申请贷款")

    reply = farmer.say("河西镇新塘村")

    assert "地名" in reply and "第 2 步" not in reply
    assert names_stack.slots(farmer.sender)["applicant_name"] is None


def test_a_doubtful_name_is_asked_about_once_and_yes_takes_it(names_stack: FormStack):
    farmer = Farmer(names_stack, "name-doubt")
    farmer.say("我想申请贷款")

    asked = farmer.say("买买提艾力")

    assert "您的名字是「买买提艾力」，对吗？" in asked and "第 1 步" not in asked
    assert "第 2 步" in farmer.tap("是")
    assert names_stack.slots(farmer.sender)["applicant_name"] == "买买提艾力"
