"""/api/v1/ping/: the benchmark baseline answers a logged-in caller and refuses anyone else in the one error shape."""

import datetime

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_ping_answers_the_caller_and_the_time(client_for, staff):
    response = client_for(staff).get("/api/v1/ping/")
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == staff.pk
    assert datetime.datetime.fromisoformat(body["time"]).tzinfo is not None


def test_ping_refuses_anonymous_callers_in_the_error_shape():
    response = Client().get("/api/v1/ping/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "not_authenticated"
    assert error["message"]
    assert error["fields"] == {}
