"""The console's pre-application list: statuses in the staff member's language, paged, searchable."""

from __future__ import annotations

import re

from tests.bot.staff.conftest import application_form, login
from tests.factories import sample_form


def rows(page: str) -> list[str]:
    return re.findall(r'<a href="/staff/applications/(ZJ-[0-9-]+)">', page)


def test_statuses_are_shown_in_the_staff_members_language_not_as_codes(client, services, accounts):
    services.applications.submit_application(application_form("1", "ZJ-QS"))
    assert login(client, "qs").status_code == 303

    page = client.get("/staff/applications").text

    assert "<td>已收到，等服务站联系您</td>" in page and "<td>received</td>" not in page


def test_a_busy_station_sees_its_applications_fifty_to_a_page(client, services, accounts):
    for i in range(120):
        services.applications.submit_application(application_form(f"busy-{i}", "ZJ-QS"))
    assert login(client, "qs").status_code == 303

    first = client.get("/staff/applications").text
    last = client.get("/staff/applications?page=3").text

    assert len(rows(first)) == 50 and len(rows(last)) == 20
    assert "第 1 / 3 页，共 120 条" in first
    assert set(rows(first)).isdisjoint(rows(last))


def test_applications_are_found_by_reference_name_and_village(client, services, accounts):
    mine = services.applications.submit_application(
        sample_form(
            form_token="find-me-0001",
            external_id="77",
            name="李保国",
            station_code="ZJ-QS",
            village_zh="东岭村",
            village_en="Dongling Village",
        )
    ).application.reference
    neighbour = services.applications.submit_application(
        sample_form(
            form_token="find-me-0002",
            external_id="78",
            station_code="ZJ-QS",
            village_zh="南坡村",
            village_en="Nanpo Village",
        )
    ).application.reference
    assert login(client, "qs").status_code == 303

    by_name = rows(client.get("/staff/applications", params={"q": "李保国"}).text)
    by_reference = rows(client.get("/staff/applications", params={"q": mine.lower()}).text)
    by_village = rows(client.get("/staff/applications", params={"q": "东岭"}).text)
    by_village_en = rows(client.get("/staff/applications", params={"q": "nanpo"}).text)
    by_township = rows(client.get("/staff/applications", params={"q": "青山镇"}).text)

    assert by_name == [mine] and by_reference == [mine]
    assert by_village == [mine] and by_village_en == [neighbour]
    assert by_township == []  # every row of the station shares its township: not a search key
