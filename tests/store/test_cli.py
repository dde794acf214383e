from sqlalchemy import select

from loans.stations import load_stations
from store.__main__ import main
from store.db import make_engine, session_factory, session_scope
from store.models import Station


def test_sync_stations_command_fills_the_database(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["sync-stations", "--database-url", url]) == 0
    assert f"{len(load_stations())} created" in capsys.readouterr().out
    engine = make_engine(url)
    with session_scope(session_factory(engine)) as session:
        assert {row.code for row in session.scalars(select(Station))} == {s.code for s in load_stations()}
    engine.dispose()
    assert main(["sync-stations", "--database-url", url]) == 0
    assert "0 created, 0 updated" in capsys.readouterr().out


def test_sync_stations_command_reports_a_bad_file(tmp_path, capsys):
    assert main(["sync-stations", "--file", str(tmp_path / "none.yaml"), "--database-url", "sqlite://"]) == 2
    assert "cannot load stations" in capsys.readouterr().err
