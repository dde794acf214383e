"""The loan pre-application end to end through the web API: real bot, Rasa server, action server and database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.conftest import chat
from tests.integration.preapplication_stack import FormStack, sync_sample_stations

pytestmark = pytest.mark.integration
RESIDENT_ID = "440882197403151236"


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FormStack]:
    stack = FormStack(tmp_path_factory.mktemp("forms"))
    sync_sample_stations(stack.database_url)
    stack.start_all()
    yield stack
    stack.stop_all()


class Farmer:
    """One web chat: sends turns and keeps the last replies."""

    def __init__(self, stack: FormStack, sender: str, lang: str | None = None) -> None:
        self.stack, self.sender, self.lang = stack, sender, lang
        self.replies: list[dict] = []
        self.turns = 0

    def say(self, text: str) -> str:
        self.turns += 1
        self.replies = chat(self.stack.web_url, self.sender, text, self.lang)["replies"]
        return "\n".join(r["text"] for r in self.replies)

    def payload(self, title: str) -> str:
        return next(b["payload"] for r in self.replies for b in r["buttons"] if title in b["title"])

    def tap(self, title: str) -> str:
        return self.say(self.payload(title))


def test_a_farmer_completes_the_form_with_a_typo_a_question_and_a_correction(forms: FormStack):
    farmer = Farmer(forms, "form-happy")

    assert "第 1 步" in farmer.say("我想申请贷款")
    assert "第 2 步" in farmer.say("王秀英")
    assert "第 3 步" in farmer.say("138 1234 5678")
    assert "第 4 步" in farmer.say("4408 8219 7403 1512 36")
    assert "您说的是不是" in farmer.say("东领村")
    assert "第 5 步" in farmer.tap("东岭村")
    assert "第 6 步" in farmer.say("脱贫户")
    assert "想借多少钱" in farmer.say("放牛的")
    mid_form = farmer.say("贷款要抵押吗")
    assert "想借多少钱" in mid_form and len(farmer.replies) >= 2  # answered, then asked again
    assert "想借多久" in farmer.say("3w")
    assert "第 9 步" in farmer.say("两年")
    assert "您同意吗" in farmer.say("没有")
    summary = farmer.say("同意")
    assert "4408**********1236" in summary and RESIDENT_ID not in summary
    assert "年龄 52 岁" in summary and "等额本息" in summary
    assert "第 2 步" in farmer.say("电话填错了")
    assert "139****5678" in farmer.say("13912345678")
    confirm = farmer.payload("确认提交")
    done = farmer.say(confirm)
    assert "ZJ-2026-" in done and "青山镇" in done and "身份证" in done

    farmer.say(confirm)  # a double tap after sending

    stored = forms.applications()
    assert len(stored) == 1 and stored[0][0] in done
    assert forms.slots("form-happy")["form_token"] is None
    status = farmer.say("我的申请怎么样了")
    assert stored[0][0] in status and "已收到" in status


def test_an_english_farmer_cancels_and_nothing_is_kept(forms: FormStack):
    farmer = Farmer(forms, "form-cancel", lang="en")

    assert "Step 1" in farmer.say("I want to apply for a loan")
    assert "Step 2" in farmer.say("Li Jianguo")
    assert "cancelled" in farmer.say("cancel")

    assert forms.slots("form-cancel")["applicant_name"] is None
    assert "no pre-application" in farmer.say("what is the status of my application")


def test_a_farmer_deletes_their_data_after_confirming(forms: FormStack):
    farmer = Farmer(forms, "form-delete")
    assert "第 1 步" in farmer.say("我想申请贷款")
    farmer.say("赵铁柱")

    assert "确定要删除" in farmer.say("删除我的信息")
    assert "没有保存您的个人信息" in farmer.tap("确认删除") or "已删除" in farmer.replies[0]["text"]
    assert forms.slots("form-delete")["applicant_name"] is None
