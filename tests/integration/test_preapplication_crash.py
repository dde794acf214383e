"""Kill every process mid-form and after confirming: the form resumes, and the application exists once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.conftest import chat
from tests.integration.preapplication_stack import FormStack, sync_sample_stations

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SENDER = "form-crash"


@pytest.fixture
def forms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FormStack]:
    stack = FormStack(tmp_path_factory.mktemp("crash"))
    sync_sample_stations(stack.database_url)
    stack.start_all()
    yield stack
    stack.stop_all()


def say(stack: FormStack, text: str) -> tuple[str, list[str]]:
    replies = chat(stack.web_url, SENDER, text)["replies"]
    return "\n".join(r["text"] for r in replies), [b["payload"] for r in replies for b in r["buttons"]]


def test_a_half_finished_form_survives_killing_every_process_and_a_confirm_is_stored_once(forms: FormStack):
    for answer, expected in [("我要申请贷款", "第 1 步"), ("黄桂兰", "第 2 步"), ("13812345678", "第 3 步")]:
        assert expected in say(forms, answer)[0]

    forms.kill_all()
    forms.start_all()

    assert "第 4 步" in say(forms, "440882197403151236")[0]  # the form went on where it stopped
    for answer in ["河西镇新塘村", "监测户", "种果树", "2万", "一年", "有"]:
        say(forms, answer)
    summary, buttons = say(forms, "我同意")
    assert "黄桂兰" in summary
    confirm = next(p for p in buttons if '"yes"' in p)
    reference_text, _ = say(forms, confirm)
    assert "ZJ-2026-" in reference_text

    forms.kill_all()
    forms.start_all()
    say(forms, confirm)  # the farmer taps the old button again after the restart

    stored = forms.applications()
    assert len(stored) == 1 and stored[0][1] == "received" and stored[0][0] in reference_text
