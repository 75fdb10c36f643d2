"""The directory: every member sees the active people of their own agency, to pick them on a document,
and those of another agency when asked (a meeting's delegates come from several)."""

from __future__ import annotations

import pytest

from eoffice.extensions import db
from tests.factories import create_agency, create_user


@pytest.fixture
def people(agency):
    other = create_agency("000.00.01.H49", "Sở Nội vụ", units=["Văn phòng Sở"])
    unit = agency.units[0]
    users = {
        "clerk": create_user("vanthu", roles=["clerk"], unit_id=unit.id, full_name="Nguyễn Thị Hoa"),
        "leader": create_user("lanhdao", roles=["leader"], unit_id=unit.id, full_name="Trần Văn Minh"),
        "deputy": create_user("phogiamdoc", roles=["leader"], full_name="Võ Văn Dũng"),
        "specialist": create_user("chuyenvien", roles=["specialist"], full_name="Lê Thị Thu Trang"),
        "retired": create_user("nghihuu", roles=["leader"], full_name="Đỗ Văn Cũ"),
        "elsewhere": create_user(
            "lanhdao.snv",
            roles=["leader"],
            agency_id=other.id,
            unit_id=other.units[0].id,
            full_name="Đặng Hùng",
        ),
    }
    users["retired"].is_active = False
    db.session.commit()
    return users


def test_a_clerk_lists_the_leaders_of_her_agency_only(client, login, people):
    response = client.get("/api/v1/people?role=leader", headers=login("vanthu"))
    assert response.status_code == 200
    assert [person["full_name"] for person in response.get_json()] == ["Trần Văn Minh", "Võ Văn Dũng"]
    leader = response.get_json()[0]
    assert leader == {
        "id": people["leader"].id,
        "full_name": "Trần Văn Minh",
        "agency_id": people["leader"].agency_id,
        "unit_id": people["leader"].unit_id,
        "unit_name": "Văn phòng",
        "roles": ["leader"],
    }


def test_people_are_found_by_part_of_their_name_or_unit(client, login, people):
    headers = login("lanhdao")
    found = client.get("/api/v1/people", query_string={"q": "trang"}, headers=headers).get_json()
    assert [person["id"] for person in found] == [people["specialist"].id]
    in_unit = client.get(
        "/api/v1/people", query_string={"unit_id": people["clerk"].unit_id}, headers=headers
    ).get_json()
    assert {person["id"] for person in in_unit} == {people["clerk"].id, people["leader"].id}


def test_people_are_found_without_accents_or_case_and_by_username(client, login, people):
    headers = login("vanthu")

    def found(q, **filters):
        response = client.get("/api/v1/people", query_string={"q": q, **filters}, headers=headers)
        assert response.status_code == 200
        return [person["id"] for person in response.get_json()]

    # "Đ" is not ASCII: a database's lower() may not know it.
    for q in ("Đặng", "đặng hùng", "DANG HUNG", "dang"):
        assert found(q, agency_id="000.00.01.H49") == [people["elsewhere"].id], q
    assert found("VÕ VĂN") == [people["deputy"].id]
    assert found("lanhdao.snv", agency_id="000.00.01.H49") == [people["elsewhere"].id]
    assert found("phogiam") == [people["deputy"].id]
    # A username's "_" or "%" is a character, not a pattern.
    assert found("%") == [] and found("_") == []
    assert found("Hùng") == []  # not of the caller's agency


def test_the_directory_needs_a_login_and_a_known_role(client, login, people):
    assert client.get("/api/v1/people").status_code == 401
    response = client.get("/api/v1/people?role=boss", headers=login("vanthu"))
    assert response.status_code == 422
    assert "role" in response.get_json()["error"]["message"]


def test_another_agencys_people_are_listed_when_asked_for_by_its_identifier(client, login, people):
    headers = login("vanthu")
    response = client.get("/api/v1/people", query_string={"agency_id": "000.00.01.H49"}, headers=headers)
    assert response.status_code == 200
    assert response.get_json() == [
        {
            "id": people["elsewhere"].id,
            "full_name": "Đặng Hùng",
            "agency_id": "000.00.01.H49",
            "unit_id": people["elsewhere"].unit_id,
            "unit_name": "Văn phòng Sở",
            "roles": ["leader"],
        }
    ]
    # Without it, still the caller's own agency only; the filters apply to the other agency alike.
    own = client.get("/api/v1/people", headers=headers).get_json()
    assert people["elsewhere"].id not in {person["id"] for person in own}
    assert len(own) == 4
    none = client.get(
        "/api/v1/people", query_string={"agency_id": "000.00.01.H49", "role": "clerk"}, headers=headers
    )
    assert none.get_json() == []


def test_an_unknown_agency_is_refused_naming_it(client, login, people):
    headers = login("vanthu")
    for agency_id, text in [("000.00.99.H49", "unknown agency 000.00.99.H49"), ("", "agency_id")]:
        response = client.get("/api/v1/people", query_string={"agency_id": agency_id}, headers=headers)
        assert response.status_code == 422
        assert text in response.get_json()["error"]["message"]
