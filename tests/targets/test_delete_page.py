"""The delete confirmation says what goes with the target, counted in one query, in each model's own words."""
from __future__ import annotations

import ast
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dataproducts.datums import parse_datum
from dataproducts.services import save_datums
from sharing.models import PersistentShare, ShareRecord
from targets.deletion import what_goes_with
from targets.models import Target
from targets.services import create_target, create_target_list
from tests.conftest import sidereal


def light_curve(n: int) -> list[dict]:
    start = datetime(2025, 3, 1, tzinfo=timezone.utc)
    return [parse_datum({"data_type": "photometry", "timestamp": (start + timedelta(hours=i)).isoformat(),
                         "value": {"magnitude": 17 + i / 100, "error": 0.05, "filter": "r"}}) for i in range(n)]


def listed(response) -> list[str]:
    html = response.content.decode()
    if 'id="deleted-with-it"' not in html:
        return []
    block = html.split('id="deleted-with-it">', 1)[1].split("</ul>", 1)[0]
    return [item.split("</li>", 1)[0] for item in block.split("<li>")[1:]]


def test_the_page_counts_datums_files_shares_memberships_aliases_and_extras(client_for, target, target_list,
                                                                            data_product, users):
    save_datums(target, light_curve(4), origin="manual", user=users["superuser"])
    ShareRecord.objects.create(target=target, destination="peer", what="target", outcome="sent")
    ShareRecord.objects.create(target=target, destination="peer", what="photometry", outcome="sent")
    PersistentShare.objects.create(target=target, destination="peer")
    response = client_for("editor").get(reverse("targets:delete", args=[target.pk]))
    assert response.status_code == 200
    assert listed(response) == [
        "2 aliases", "1 extra field", "1 target list membership", "1 data product", "7 reduced data",
        "2 share records", "1 continuous share",
    ]
    assert "cannot be undone" in response.content.decode()


def test_a_target_with_nothing_else_says_so(client_for, users, editors):
    bare = create_target(users["editor"], sidereal("Bare", 1, 1))
    response = client_for("editor").get(reverse("targets:delete", args=[bare.pk]))
    assert listed(response) == [] and "Nothing else is stored with it." in response.content.decode()


def test_a_list_the_user_may_not_view_is_not_counted(client_for, target, target_list, users):
    create_target_list(users["superuser"], "Private list", targets=[target])  # no fixture group may view it
    assert "1 target list membership" in listed(client_for("editor").get(reverse("targets:delete", args=[target.pk])))
    assert "2 target list memberships" in listed(client_for("superuser").get(reverse("targets:delete", args=[target.pk])))


def test_counting_costs_one_query_whatever_the_numbers(target, users):
    what_goes_with(target, users["editor"])  # the editor's global permissions are read once, then kept

    def queries_for(n_datums: int) -> int:
        save_datums(target, light_curve(n_datums), origin="manual", user=users["superuser"])
        with CaptureQueriesContext(connection) as captured:
            what_goes_with(target, users["editor"])
        return len(captured)

    few, many = queries_for(3), queries_for(500)
    assert few == many == 1


def test_deleting_takes_what_the_page_said(client_for, target, target_list, data_product):
    from dataproducts.models import DataProduct, ReducedDatum

    assert client_for("editor").post(reverse("targets:delete", args=[target.pk])).status_code == 302
    assert not Target.objects.filter(pk=target.pk).exists()
    assert not DataProduct.objects.exists() and not ReducedDatum.objects.exists()
    assert target_list.targets.count() == 0


@pytest.mark.parametrize("module", ["deletion.py"])
def test_targets_learn_of_other_apps_only_through_django(module):
    """DESIGN: targets never depend on dataproducts or sharing; the counts find them through _meta."""
    tree = ast.parse((Path(__file__).resolve().parents[2] / "targets" / module).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not {name for name in imported if name.split(".")[0] in ("dataproducts", "sharing", "alertstreams")}
