"""continuous-sharing.rst's template partials in a user's own target page (issue 13 item 4).

The user's page is our target page's template overridden in a template directory of their own, holding the
documentation's snippet word for word after ``{% load targets_extras %}``: the TOM Toolkit's way to customise
its target page. The browser half (create and delete through htmx) is tests/e2e/test_toolkit_template_in_browser.py.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission

from sharing.models import PersistentShare
from tests.compat.documented import TEMPLATE_SNIPPET
from tests.continuous.conftest import SHARE_PERMS

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
USER_PAGE = "{% extends \"base.html\" %}\n{% load targets_extras %}\n{% block content %}\n" + TEMPLATE_SNIPPET \
    + "{% endblock %}\n"


def use_own_target_page(settings, directory: Path) -> None:
    """The user's templates first, as a TOM Toolkit project overrides the toolkit's target page."""
    (directory / "targets").mkdir(parents=True, exist_ok=True)
    (directory / "targets" / "target_detail.html").write_text(USER_PAGE)
    engine = {**settings.TEMPLATES[0]}
    engine["DIRS"] = [directory, *engine["DIRS"]]
    settings.TEMPLATES = [engine]


def ids(html: str) -> Counter:
    return Counter(re.findall(r"""\sid=["']([^"']+)["']""", html))


@pytest.fixture
def own_page(settings, tmp_path, users, editors, target):
    use_own_target_page(settings, tmp_path / "templates")
    editors.permissions.add(*Permission.objects.filter(content_type__app_label="sharing", codename__in=SHARE_PERMS))
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.DATA_SHARING = {"peer": {"DISPLAY_NAME": "Peer", "BASE_URL": "http://127.0.0.1:9/", "USERNAME": "u",
                                      "PASSWORD": "p"}}
    return target


def test_the_documented_snippet_renders_in_a_users_own_target_page_without_duplicate_ids(own_page, client_for):
    PersistentShare.objects.create(target=own_page, destination="peer")
    html = client_for("editor").get(f"/targets/{own_page.pk}/").content.decode()
    assert "Continously Share data for Target" in html  # the user's page, not ours
    counted = ids(html)
    assert counted["target-persistent-share-create"] == counted["target-persistent-share-table"] == 1
    assert [name for name, n in counted.items() if n > 1] == []
    assert "persistent-share-form" in html and "data-share=" in html  # both tags rendered their content


def test_the_tags_answers_replace_only_their_own_element_and_bring_no_ids(own_page, client_for):
    """What htmx swaps in: the form (by ``closest``) and the table (by ``closest``, or reloading itself)."""
    editor = client_for("editor")
    created = editor.post(f"/targets/{own_page.pk}/persistentshare/create/", {"destination": "peer"}, **HTMX)
    html = created.content.decode()
    assert html.lstrip().startswith('<div class="persistent-share-create">') and not ids(html)
    assert created["HX-Trigger"] == "persistent-shares-changed"
    share = PersistentShare.objects.get()
    table = editor.get(f"/targets/{own_page.pk}/persistentshare/table/").content.decode()
    assert 'hx-trigger="persistent-shares-changed from:body"' in table and f'data-share="{share.pk}"' in table
    deleted = editor.post(f"/targets/{own_page.pk}/persistentshare/{share.pk}/delete/", {"scope": "target"}, **HTMX)
    html = deleted.content.decode()
    assert html.lstrip().startswith('<div class="persistent-share-table"') and not ids(html)
    assert "Stopped sharing SN 2024abc with peer." in html and not PersistentShare.objects.exists()


def test_every_htmx_control_of_the_tags_targets_its_closest_element(own_page, client_for):
    PersistentShare.objects.create(target=own_page, destination="peer", last_error="down")
    html = client_for("editor").get(f"/targets/{own_page.pk}/").content.decode()
    targets = re.findall(r'hx-target="([^"]+)"', html)
    assert targets and set(targets) <= {"closest .persistent-share-create", "closest .persistent-share-table"}


def test_our_own_continuous_tab_uses_the_same_snippet_shape_without_duplicate_ids(own_page, client_for):
    html = client_for("editor").get(f"/targets/{own_page.pk}/share/?tab=continuous").content.decode()
    counted = ids(html)
    assert counted["target-persistent-share-create"] == counted["target-persistent-share-table"] == 1
    assert [name for name, n in counted.items() if n > 1] == []


def test_the_manage_page_shows_both_tags_without_a_target(own_page, client_for):
    html = client_for("editor").get("/targets/persistentshare/manage/").content.decode()
    assert 'name="q"' in html and "persistent-share-table" in html
    assert [name for name, n in ids(html).items() if n > 1] == []
