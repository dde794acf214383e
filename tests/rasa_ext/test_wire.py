"""The Nonghui input channel's stdlib half (rasa_ext/wire.py) and the Rasa launcher's argument handling."""

from pathlib import Path

import pytest

from rasa_ext.serve import arguments
from rasa_ext.wire import BadTurn, form_of, parse_turn, read_token, token_matches, turn_answer


def test_token_matches_only_the_exact_token() -> None:
    assert token_matches("s3cret-token", "s3cret-token")
    assert not token_matches("s3cret-tokeN", "s3cret-token")
    assert not token_matches("s3cret", "s3cret-token")
    assert not token_matches(None, "s3cret-token")
    assert not token_matches("", "")


def test_token_is_read_from_the_environment_then_from_the_file_it_names(tmp_path: Path) -> None:
    secret_file = tmp_path / "token"
    secret_file.write_text("from-file\n", encoding="utf-8")

    assert read_token({"NONGHUI_RASA_TOKEN": "from-env", "NONGHUI_RASA_TOKEN_FILE": str(secret_file)}) == "from-env"
    assert read_token({"NONGHUI_RASA_TOKEN_FILE": str(secret_file)}) == "from-file"
    assert read_token({}) is None


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"message": "hi"},
        {"sender": "", "message": "hi"},
        {"sender": "web:x", "message": 3},
        {"sender": "web:x", "message": "hi", "metadata": []},
        {"sender": "x" * 256, "message": "hi"},
    ],
)
def test_a_body_that_is_not_a_turn_is_refused(body: object) -> None:
    with pytest.raises(BadTurn):
        parse_turn(body)


def test_a_turn_is_parsed_with_its_metadata() -> None:
    assert parse_turn({"sender": "tg:1", "message": "你好", "metadata": {"lang": "zh"}}) == (
        "tg:1",
        "你好",
        {"lang": "zh"},
    )


def test_the_answer_carries_messages_intent_and_only_known_languages() -> None:
    messages = [{"recipient_id": "tg:1", "text": "您好"}]

    answer = turn_answer(messages, {"name": "greet", "confidence": 0.97, "id": 1}, "en")
    unknown = turn_answer([], {"name": "", "confidence": 1}, "fr")

    assert answer == {
        "messages": messages,
        "intent": {"name": "greet", "confidence": 0.97},
        "lang": "en",
        "form": None,
    }
    assert unknown == {"messages": [], "intent": None, "lang": None, "form": None}


def test_the_answer_carries_the_open_forms_token_and_step_and_nothing_of_a_closed_one() -> None:
    open_form = form_of("preapplication_form", "pa-0123456789ab", "phone")
    closed = form_of(None, "pa-0123456789ab", "phone")

    answer = turn_answer([], None, "zh", open_form)

    assert answer["form"] == {"token": "pa-0123456789ab", "step": "phone"}
    assert closed == {"token": None, "step": None}


def test_launcher_adds_the_token_to_rasa_run_inside_the_process_once() -> None:
    assert arguments(["run", "--enable-api"], "tok") == ["run", "--enable-api", "--auth-token", "tok"]
    assert arguments(["run", "--auth-token", "x"], "tok") == ["run", "--auth-token", "x"]
    assert arguments(["train"], "tok") == ["train"]
    assert arguments(["run"], None) == ["run"]


def test_rasa_run_starts_without_importing_jax(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import importlib
    import sys

    from rasa_ext.serve import skip_unused_imports

    monkeypatch.delitem(sys.modules, "jax", raising=False)
    skip_unused_imports()
    monkeypatch.setitem(sys.modules, "jax", sys.modules["jax"])  # undone after the test

    with pytest.raises(ImportError):
        importlib.import_module("jax")
