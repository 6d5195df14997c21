import pytest

from tests.factories import DISTRICT, make_user

pytestmark = pytest.mark.django_db


def test_an_english_phone_still_gets_chinese_errors(geography, client):
    """The interface language is Chinese whatever the browser asks for: the phone app shows the API's error text to
    the inspector, and a phone set to English must not turn it into English."""
    client.force_login(make_user("inspector", DISTRICT))
    r = client.post("/api/issues/", {"type": "Feature"}, content_type="application/json",
                    HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert r.status_code == 400
    text = r.content.decode()
    assert "This field is required" not in text and "必填" in text
