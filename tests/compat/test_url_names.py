"""URL names a TOM Toolkit template reverses resolve to our pages (issue 13 item 10).

The ``{% url %}`` tags below are copied from the TOM Toolkit's own templates (3.1.0) and its documentation; each
must reverse, and the link must open our page for someone who may see it (and be a 404 for someone who may not).
"""
from __future__ import annotations

import tomllib

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from tests.compat.documented import TEMPLATE_SNIPPET
from tests.servers import ROOT

pytestmark = pytest.mark.django_db

TOOLKIT_TAGS = {  # the tag as a TOM Toolkit template writes it: (our page's URL name, its arguments)
    "{% url 'targets:detail' pk=target.id %}": ("targets:detail", "target"),
    "{% url 'targets:detail' target.id %}": ("targets:detail", "target"),
    "{% url 'targets:share' pk=target.id %}": ("sharing:share", "target"),
    "{% url 'targets:share-group' pk=target_list.id %}": ("sharing:list-share", "target_list"),
    "{% url 'targets:share-group' group.id%}": ("sharing:list-share", "target_list"),
    "{% url 'targets:targetgrouping' %}": ("targets:lists", None),
    "{% url 'targets:persistent-share-manage-form' %}": ("sharing:persistentshare-manage", None),
    "{% url 'targets:list' %}": ("targets:list", None),
}


def render(text: str, **context) -> str:
    return Template(text).render(Context(context)).strip()


@pytest.mark.parametrize("tag", TOOLKIT_TAGS)
def test_a_toolkit_templates_url_tag_reverses_to_our_page(tag, target, target_list, client_for):
    ours, argument = TOOLKIT_TAGS[tag]
    objects = {"target": target, "target_list": target_list}
    url = render(tag, target=target, target_list=target_list, group=target_list)
    assert url == reverse(ours, args=[objects[argument].pk] if argument else [])
    assert client_for("editor").get(url).status_code == 200
    if argument:
        assert client_for("outsider").get(url).status_code == 404


def test_the_documented_snippet_reverses_targets_detail(target, users):
    request = RequestFactory().get("/")
    request.user = users["editor"]
    html = render("{% load targets_extras %}" + TEMPLATE_SNIPPET, target=target, request=request)
    assert html.count(f'href="/targets/{target.pk}/"') == 2


def test_the_compat_packages_are_shipped():
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    assert {"tom_targets*", "tom_dataproducts*"} <= set(include)
