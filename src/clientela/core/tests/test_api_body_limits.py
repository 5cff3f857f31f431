"""Bodies too deep or too large get the API's JSON errors (422, 413), never a 500, and
nothing is written."""

from __future__ import annotations

import pytest

from clientela.parties.models import Contact
from clientela.testing.api import ApiClient

pytestmark = pytest.mark.django_db


def _nested(levels: int) -> str:
    return '{"last_name": "Deep", "custom": {"a": ' + "[" * levels + '"x"' + "]" * levels + "}}"


@pytest.mark.parametrize("levels", [256, 100_000])
def test_a_body_nested_hundreds_of_levels_deep_is_a_422_naming_the_body(cast, levels):
    response = ApiClient(cast.sales_north).post("/contacts", raw=_nested(levels))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"
    assert response.json()["errors"][0]["code"] == "too_deep"
    assert not Contact.objects.filter(last_name="Deep").exists()


def test_a_body_nested_as_deep_as_requests_go_is_read(cast):
    response = ApiClient(cast.sales_north).post("/contacts", raw=_nested(3))
    assert response.status_code == 422  # read, then refused by the custom-field rules, not the parser
    assert response.json()["errors"][0]["field"] != "body"


def test_a_body_over_the_size_limit_is_a_json_413(cast, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    response = ApiClient(cast.sales_north).post("/contacts", {"last_name": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["errors"][0] == {
        "field": "body",
        "code": "too_large",
        "message": "the body is larger than 1 MB",
    }
