"""403, 404 and 500 in the site's layout, an alert for htmx, JSON under the API (core/errors.py; issue 12 items 1, 12).

Django shows these only with DEBUG off, which is how the tests run (and how the TOM is deployed).
"""
from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.urls")]
HTMX = {"HX-Request": "true"}


def in_the_layout(html: str) -> bool:
    return "<title>" in html and "· Test TOM</title>" in html and 'class="navbar' in html and "tom/tom.js" in html


@pytest.mark.parametrize("url,status,words", [
    ("/test-errors/refuse/", 403, "You may not frobnicate this target."),
    ("/test-errors/missing/", 404, "No such frobnicator."),
    ("/no/such/page/", 404, "There is no such page, or you may not view it."),
])
def test_refusals_are_pages_of_the_site(client_for, settings, url, status, words):
    assert not settings.DEBUG
    response = client_for("viewer").get(url)
    html = response.content.decode()
    assert response.status_code == status and in_the_layout(html)
    assert f'id="error-message">{words}</div>' in html
    assert 'href="/targets/"' in html  # the menu of a logged-in user: the page has the request's context
    assert "tried" not in html and "no/such/page" not in html  # Django's URL patterns are never shown


def test_an_object_the_user_may_not_view_is_not_found_in_words(client_for, target):
    for role in ("outsider", "viewer"):  # may not view it; may view it but it does not exist
        pk = target.pk if role == "outsider" else target.pk + 1000
        html = client_for(role).get(f"/targets/{pk}/").content.decode()
        assert "No such target: it does not exist, or you may not view it." in html


@pytest.mark.parametrize("url,status,words", [
    ("/test-errors/refuse/", 403, "<strong data-title>Not allowed:</strong> <span data-message>You may not frobnicate"),
    ("/test-errors/missing/", 404, "<strong data-title>Not found:</strong> <span data-message>No such frobnicator."),
    ("/no/such/page/", 404, "<span data-message>There is no such page, or you may not view it."),
])
def test_htmx_gets_an_alert_beside_what_the_user_acted_on(client_for, url, status, words):
    response = client_for("viewer").get(url, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == status and words in html
    assert "<html" not in html and 'role="alert"' in html and "btn-close" in html
    assert response["HX-Reswap"] == "afterbegin"  # at the top of the request's target: the form stays


def test_a_bad_request_through_htmx_is_an_alert_too(client_for, target):
    response = client_for("editor").post(f"/targets/{target.pk}/lists/", {"target_list": "9" * 30}, headers=HTMX)
    assert response.status_code == 404 and response["HX-Reswap"] == "afterbegin"
    response = client_for("editor").get(f"/targets/{target.pk}/share/", {"product": "x"}, headers=HTMX)
    assert response.status_code == 400 and "product: &#x27;x&#x27; is not a valid id." in response.content.decode()
    assert response["HX-Reswap"] == "afterbegin" and "<html" not in response.content.decode()


def test_the_api_answers_in_json(client):
    response = client.get("/api/no/such/thing/")
    assert response.status_code == 404 and response.json() == {"detail": "There is no such page, or you may not view it."}
    crashed = Client(raise_request_exception=False).get("/api/test-errors/crash/")
    assert crashed.status_code == 500 and crashed.json() == {"detail": "The server failed to answer this request."}


def refuse_every_query(execute, sql, params, many, context):
    raise AssertionError(f"the 500 page queried the database: {sql}")


def test_a_server_error_is_a_page_of_the_site_even_with_the_database_down(users):
    client = Client(raise_request_exception=False)
    client.force_login(users["viewer"])
    with connection.execute_wrapper(refuse_every_query):  # no session, user or message lookup may run
        response = client.get("/test-errors/crash/")
    html = response.content.decode()
    assert response.status_code == 500 and in_the_layout(html)
    assert "The TOM failed to answer this request." in html and "<title>Server error · Test TOM</title>" in html
    assert "no such table" not in html  # what failed is in the log, not the page


def test_the_500_page_has_a_plain_fallback(settings, tmp_path):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path], "APP_DIRS": False}]  # no 500.html to find
    response = Client(raise_request_exception=False).get("/test-errors/crash/")
    assert response.status_code == 500 and response.content == b"Server error: the TOM failed to answer this request."


def test_the_favicon(client):
    page = client.get("/accounts/login/").content.decode()
    assert '<link rel="icon" href="/static/tom/favicon.svg" type="image/svg+xml">' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == "/static/tom/favicon.svg"
    icon = client.get("/static/tom/favicon.svg")
    assert icon.status_code == 200 and icon["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(icon.streaming_content)


def test_a_stale_form_token_says_to_reload(users, target):
    """A page loaded before the user logged in again carries an old CSRF token: words, not Django's own page."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["editor"])
    response = client.post(f"/targets/{target.pk}/lists/", {"target_list": "1"}, headers=HTMX)
    assert response.status_code == 403 and response["HX-Reswap"] == "afterbegin"
    assert "form token is out of date" in response.content.decode() and "<html" not in response.content.decode()
    page = client.post(f"/targets/{target.pk}/lists/", {"target_list": "1"})
    assert page.status_code == 403 and in_the_layout(page.content.decode()) and "reload the page" in page.content.decode()
