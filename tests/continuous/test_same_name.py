"""Two TOMs of ours that both keep the default name "TOM" share one target with each other, continuously.

Real servers and real ``db_worker`` processes (tests/continuous/peers.py). Names decided echoes before, and
data made at either TOM carry its name as their source: each side sent nothing ("Sent 0, Not sent back 7").
Now each side knows the other by the id it gives at GET /api/, and every datum crosses exactly once.
"""
from __future__ import annotations

import time

import pytest

from tests.continuous.peers import light_curve, start_pair, wait_for


@pytest.fixture(scope="module")
def twins(tmp_path_factory):
    a, b = start_pair(tmp_path_factory.mktemp("same-name"), names=("TOM", "TOM"))
    try:
        yield a, b
    finally:
        a.stop_all()
        b.stop_all()


def continuous_counts(tom) -> list[int]:
    """[created, already there] over this TOM's continuous ShareRecords."""
    return tom.shell_json(
        "import json; from sharing.models import ShareRecord\n"
        "r = ShareRecord.objects.filter(via='continuous')\n"
        "print('JSON ' + json.dumps([sum(x.created_count for x in r), sum(x.existing_count for x in r)]))\n")


def test_two_toms_with_the_same_name_send_each_datum_across_exactly_once(twins):
    a, b = twins
    assert a.call("GET", "api/")["name"] == b.call("GET", "api/")["name"] == "TOM"
    assert a.call("GET", "api/")["id"] != b.call("GET", "api/")["id"]
    at_a = a.create_target("SN 2026twin", ra=70.0, dec=-8.0)
    a.let_peers_change(at_a)
    a_share = a.share_continuously(at_a, "b")
    at_b = wait_for(lambda: b.target_id("SN 2026twin"), what="the target to be created at B")
    b_share = b.share_continuously(at_b, "a")
    wait_for(lambda: b.share_state(b_share)["waiting"] == 0, what="B's first delivery")

    # Each side uploads its own points on the target's page: data made here, whose source is this TOM's name.
    a.upload_on_page(at_a, light_curve(7, 63000, "r"), "a.csv")
    assert a.shell_json("from dataproducts.models import ReducedDatum as R; import json\n"
                        "print('JSON ' + json.dumps(sorted(set(R.objects.values_list('source_name', 'ingest__origin')))))"
                        ) == [["TOM", "upload"]]
    b.upload_on_page(at_b, light_curve(5, 64000, "i"), "b.csv")
    wait_for(lambda: a.datum_count(at_a) == 12 and b.datum_count(at_b) == 12, what="both sides to hold 12")
    wait_for(lambda: a.share_state(a_share)["waiting"] == b.share_state(b_share)["waiting"] == 0,
             what="both queues to drain")
    time.sleep(1.5)  # an echo would still be travelling: give it several worker polls
    assert a.datum_count(at_a) == b.datum_count(at_b) == 12
    a_state, b_state = a.share_state(a_share), b.share_state(b_share)
    assert (a_state["sent_count"], a_state["skipped_count"], a_state["last_error"]) == (7, 5, "")
    assert (b_state["sent_count"], b_state["skipped_count"], b_state["last_error"]) == (5, 7, "")
    assert continuous_counts(a) == [7, 0]  # each side's own points created once at the other, nothing came back
    assert continuous_counts(b) == [5, 0]
