"""What the database layer does for privacy: hidden statement values, private files, overwritten deletions."""

from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from store.db import make_engine


def test_a_database_error_never_shows_the_values_of_the_statement(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'e.db'}")
    with pytest.raises(OperationalError) as caught, engine.begin() as conn:
        conn.execute(text("INSERT INTO missing_table (phone) VALUES (:phone)"), {"phone": "13812345678"})
    assert "13812345678" not in str(caught.value)


def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path) -> None:
    previous = os.umask(0o022)
    try:
        engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x TEXT)"))
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "new.db").stat().st_mode) == 0o600


def test_deleted_personal_data_is_overwritten_in_the_file(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'd.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x TEXT)"))
        conn.execute(text("INSERT INTO t VALUES ('身份证 440882197403151236'), ('keep me')"))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM t WHERE x LIKE '身份证%'"))
    with engine.begin() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()
    data = (tmp_path / "d.db").read_bytes()
    assert b"keep me" in data and b"440882197403151236" not in data
