from sqlalchemy import text

from store.db import make_engine
from store.rasa_tracker import RasaTrackerEraser


def _rasa_like_events(url: str):  # the columns Rasa's SQLTrackerStore writes that matter here
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), data TEXT)"))
        conn.execute(
            text("INSERT INTO events (sender_id, data) VALUES (:s, :d)"),
            [
                {"s": "tg:42", "d": '{"text": "440882197403151236"}'},
                {"s": "tg:42", "d": '{"text": "13812345678"}'},
                {"s": "web:other", "d": '{"text": "hi"}'},
            ],
        )
    return engine


def test_erasing_removes_only_that_conversations_events(tmp_path):
    engine = _rasa_like_events(f"sqlite:///{tmp_path / 'rasa-tracker.db'}")
    assert RasaTrackerEraser(engine).erase("tg:42") == 2
    with engine.connect() as conn:
        assert conn.execute(text("SELECT sender_id FROM events")).scalars().all() == ["web:other"]
    assert RasaTrackerEraser(engine).erase("tg:42") == 0


def test_erasing_before_rasa_created_its_table_is_a_no_op(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    assert RasaTrackerEraser(engine).erase("tg:42") == 0


def _timed_events(url: str, rows: list[tuple[str, str, float]]):
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), type_name VARCHAR(255),"
                " timestamp FLOAT, data TEXT)"
            )
        )
        conn.execute(
            text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, :t, :ts, '{}')"),
            [{"s": s, "t": t, "ts": ts} for s, t, ts in rows],
        )
    return engine


def test_events_older_than_the_age_limit_are_erased_for_every_conversation(tmp_path):
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 12, 4, tzinfo=UTC)
    old, recent = (now - timedelta(days=40)).timestamp(), (now - timedelta(days=1)).timestamp()
    engine = _timed_events(
        f"sqlite:///{tmp_path / 'rasa-tracker.db'}",
        [
            ("web:idle", "session_started", old),  # a conversation idle for 40 days: all of it goes
            ("web:idle", "user", old + 1),
            ("tg:7", "session_started", old),  # still in use: its old session goes, the current one stays
            ("tg:7", "user", old + 1),
            ("tg:7", "session_started", recent),
            ("tg:7", "user", recent + 1),
        ],
    )

    erased = RasaTrackerEraser(engine).erase_older_than(now - timedelta(days=30))

    assert erased == 4
    with engine.connect() as conn:
        left = conn.execute(text("SELECT sender_id, timestamp FROM events ORDER BY id")).all()
    assert left == [("tg:7", recent), ("tg:7", recent + 1)]


def test_an_old_event_of_a_session_still_in_use_is_kept_so_rasa_does_not_rewrite_it(tmp_path):
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 12, 4, tzinfo=UTC)
    old, recent = (now - timedelta(days=40)).timestamp(), (now - timedelta(minutes=5)).timestamp()
    engine = _timed_events(
        f"sqlite:///{tmp_path / 'rasa-tracker.db'}",
        [("web:a", "session_started", old), ("web:a", "user", old + 1), ("web:a", "user", recent)],
    )

    assert RasaTrackerEraser(engine).erase_older_than(now - timedelta(days=30)) == 0
