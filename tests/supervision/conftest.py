"""The people of the supervision tests: issuers (district, supervisor), addressees (towns, a village) and others."""
import pytest

from accounts.models import Role
from tests.factories import DISTRICT, TOWN_A, TOWN_B, make_user

V1 = "310112102201"


@pytest.fixture
def people(geography):
    return {
        "district": make_user(Role.DISTRICT, DISTRICT),
        "supervisor": make_user(Role.SUPERVISOR, DISTRICT),
        "town_a": make_user(Role.TOWN, TOWN_A),
        "town_b": make_user(Role.TOWN, TOWN_B),
        "village": make_user(Role.VILLAGE, V1),
        "leader": make_user(Role.LEADER, DISTRICT),
        "inspector": make_user(Role.INSPECTOR, DISTRICT),
    }
