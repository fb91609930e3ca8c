"""Two TOMs of ours, real servers and real ``db_worker`` processes: outages lose nothing, echoes stop at once.

Everything goes through the stored queue: uploads at TOM A store Delivery rows and task rows in A's database,
and A's worker (a separate process) sends them to TOM B over HTTP.
"""
from __future__ import annotations

import time

import pytest

from tests.continuous.peers import light_curve, start_pair, wait_for


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    a, b = start_pair(tmp_path_factory.mktemp("continuous-pair"))
    try:
        yield a, b
    finally:
        a.stop_all()
        b.stop_all()


def test_500_datums_uploaded_while_the_destination_is_down_all_arrive_exactly_once(pair):
    a, b = pair
    target = a.create_target("SN 2026dur")
    share = a.share_continuously(target, "b")
    remote = wait_for(lambda: b.target_id("SN 2026dur"), what="the target to be created at B")
    assert b.datum_count(remote) == 0

    b.stop()
    for upload in range(5):  # arrive while B is down: stored and queued at A, uploads unaffected
        a.upload_photometry(target, light_curve(100, 60000 + upload), f"night{upload}.csv")
    assert a.datum_count(target) == 500
    state = wait_for(lambda: (s := a.share_state(share))["retry_at"] and s, what="A to notice B is down")
    assert "Could not reach TOM B" in state["last_error"]
    assert state["waiting"] == 5 and state["sent_count"] == 0

    b.start()
    wait_for(lambda: a.share_state(share)["waiting"] == 0, what="A's deliveries to be sent")
    assert b.datum_count(remote) == 500
    state = a.share_state(share)
    assert (state["sent_count"], state["skipped_count"], state["last_error"], state["retry_at"]) == (500, 0, "", None)
    records = a.shell_json(
        "import json; from sharing.models import ShareRecord\n"
        "r = ShareRecord.objects.filter(via='continuous', outcome='sent')\n"
        "print('JSON ' + json.dumps([sum(x.created_count for x in r), sum(x.existing_count for x in r)]))\n")
    assert records == [500, 0]  # each datum created once, none sent twice
    failures = a.shell_json(
        "import json; from sharing.models import Delivery\n"
        "print('JSON ' + json.dumps(sorted(set(Delivery.objects.values_list('status', flat=True)))))\n")
    assert failures == ["sent"]


def test_two_toms_sharing_one_target_with_each_other_send_each_datum_across_once(pair):
    a, b = pair
    at_a = a.create_target("SN 2026echo", ra=33.0, dec=-4.0)
    a.let_peers_change(at_a)  # A's administrator lets B's account find the target and add data to it
    a_share = a.share_continuously(at_a, "b")
    at_b = wait_for(lambda: b.target_id("SN 2026echo"), what="the target to be created at B")
    b_share = b.share_continuously(at_b, "a")  # B finds A's target by name: one target on each side
    wait_for(lambda: b.share_state(b_share)["waiting"] == 0, what="B's first delivery")

    a.upload_photometry(at_a, light_curve(50, 61000, "r"), "a.csv")
    b.upload_photometry(at_b, light_curve(30, 62000, "i"), "b.csv")
    wait_for(lambda: a.datum_count(at_a) == 80 and b.datum_count(at_b) == 80, what="both sides to hold 80")
    wait_for(lambda: a.share_state(a_share)["waiting"] == b.share_state(b_share)["waiting"] == 0,
             what="both queues to drain")
    time.sleep(1.5)  # a loop would still be going: give it the time of several worker polls
    assert a.datum_count(at_a) == b.datum_count(at_b) == 80
    a_state, b_state = a.share_state(a_share), b.share_state(b_share)
    assert (a_state["sent_count"], a_state["skipped_count"]) == (50, 30)  # B's 30 were not sent back to B
    assert (b_state["sent_count"], b_state["skipped_count"]) == (30, 50)
    created_at_b = b.shell_json(
        "import json; from sharing.models import ShareRecord\n"
        "r = ShareRecord.objects.filter(via='continuous')\n"
        "print('JSON ' + json.dumps([sum(x.created_count for x in r), sum(x.existing_count for x in r)]))\n")
    assert created_at_b == [30, 0]  # B sent exactly its own 30, nothing of A's came back
    assert a.shell_json("from targets.models import Target; print('JSON', Target.objects.count())") == 2
