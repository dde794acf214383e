from sqlalchemy import select

from loans.stations import load_stations
from store.db import session_scope
from store.models import Station
from store.stations import sync_stations


def test_sync_creates_then_updates_then_deactivates(sessions):
    stations = load_stations()
    with session_scope(sessions) as session:
        first = sync_stations(session, stations)
    assert (first.created, first.updated, first.deactivated) == (len(stations), 0, 0)
    with session_scope(sessions) as session:
        again = sync_stations(session, stations)
    assert (again.created, again.updated, again.deactivated) == (0, 0, 0)
    changed = [stations[0].model_copy(update={"phone": "0759-0000009"}), *stations[1:-1]]
    with session_scope(sessions) as session:
        report = sync_stations(session, changed)
    assert (report.created, report.updated, report.deactivated) == (0, 1, 1)
    with session_scope(sessions) as session:
        rows = {row.code: row for row in session.scalars(select(Station))}
    assert rows[stations[0].code].phone == "0759-0000009"
    assert rows[stations[-1].code].active is False and len(rows) == len(stations)
