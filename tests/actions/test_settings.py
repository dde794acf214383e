from __future__ import annotations

from pathlib import Path

import pytest

from actions.settings import ActionSettings


def test_paths_default_under_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("NONGHUI_HOME", str(tmp_path))
    monkeypatch.delenv("NONGHUI_INDEX_DIR", raising=False)
    monkeypatch.delenv("NONGHUI_EMBEDDING_MODEL", raising=False)

    settings = ActionSettings()

    assert settings.resolved_index_dir == tmp_path / "index"
    assert settings.resolved_embedding_model == str(tmp_path / "models" / "multilingual-e5-small")
    assert (settings.action_host, settings.action_port) == ("127.0.0.1", 5055)


def test_environment_overrides_index_model_and_port(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("NONGHUI_INDEX_DIR", str(tmp_path / "idx"))
    monkeypatch.setenv("NONGHUI_EMBEDDING_MODEL", "intfloat/multilingual-e5-small")
    monkeypatch.setenv("NONGHUI_ACTION_PORT", "6055")

    settings = ActionSettings()

    assert settings.resolved_index_dir == tmp_path / "idx"
    assert settings.resolved_embedding_model == "intfloat/multilingual-e5-small"
    assert settings.action_port == 6055
