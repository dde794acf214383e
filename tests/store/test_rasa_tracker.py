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
