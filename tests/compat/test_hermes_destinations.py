"""DATA_SHARING entries are Hermes or a TOM by their keys, never their name; ``<key>:<topic>`` destinations (the
TOM Toolkit's, as 2.x stored them) work; a continuous Hermes share names its topic (issue 13 item 9).

The documented entries (sharing-via-hermes.rst, tom-direct-sharing.rst) are evaluated as written, with the
environment they read set; only their key names (and, for the local broker, our BROKER_URL / BROKER_AUTH and a
topic of this test's own) are changed where a test says so.
"""
from __future__ import annotations

import os
import textwrap

import pytest
from confluent_kafka.admin import AdminClient
from django.test import Client
from hop import Stream
from hop.io import StartPosition

from dataproducts.services import save_datums
from sharing.continuous import create_persistent_share
from sharing.continuous_forms import destination_choices
from sharing.destinations import Destination, HermesDestination, TomDestination, parse, split_destination
from sharing.models import PersistentShare
from tests.api.conftest import basic
from tests.continuous.conftest import photometry

HERMES_ENTRY = textwrap.dedent("""\
    {
           'DISPLAY_NAME': os.getenv('HERMES_DISPLAY_NAME', 'Hermes'),
           'BASE_URL': os.getenv('HERMES_BASE_URL', 'https://hermes.lco.global/'),
           'CREDENTIAL_USERNAME': os.getenv('SCIMMA_CREDENTIAL_USERNAME',
                                             'set SCIMMA_CREDENTIAL_USERNAME value in environment'),
           'CREDENTIAL_PASSWORD': os.getenv('SCIMMA_CREDENTIAL_PASSWORD',
                                             'set SCIMMA_CREDENTIAL_PASSWORD value in environment'),
           'USER_TOPICS': ['hermes.test', 'tomtoolkit.test']
        }""")
TOM_ENTRY = textwrap.dedent("""\
    {
            # For sharing data with another TOM
            'DISPLAY_NAME': os.getenv('NOT_MY_TOM_DISPLAY_NAME', 'Not My Tom'),
            'BASE_URL': os.getenv('NOT_MY_TOM_BASE_URL', 'http://notmytom.com/'),
            'USERNAME': os.getenv('NOT_MY_TOM_USERNAME', 'set NOT_MY_TOM_USERNAME value in environment'),
            'PASSWORD': os.getenv('NOT_MY_TOM_PASSWORD', 'set NOT_MY_TOM_PASSWORD value in environment'),
        }""")
ENVIRONMENT = {"SCIMMA_CREDENTIAL_USERNAME": "scimma-user", "SCIMMA_CREDENTIAL_PASSWORD": "scimma-pw",
               "NOT_MY_TOM_USERNAME": "tom-user", "NOT_MY_TOM_PASSWORD": "tom-pw"}


@pytest.fixture
def documented(monkeypatch):
    """The documentation's two entries, evaluated as a settings file would, with their environment set."""
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    return {"hermes": eval(HERMES_ENTRY, {"os": os}), "tom": eval(TOM_ENTRY, {"os": os})}


@pytest.mark.parametrize("name", ["hermes-mirror", "Hermes", "our-hermes-tom"])
def test_a_tom_entry_named_like_hermes_is_a_tom(documented, name):
    found = parse(name, documented["tom"])
    assert isinstance(found, TomDestination) and found.configured
    assert found.username == "tom-user"


@pytest.mark.parametrize("name", ["scimma", "hop", "hermes"])
def test_the_documented_hermes_entry_is_hermes_whatever_its_name(documented, name):
    found = parse(name, documented["hermes"])
    assert isinstance(found, HermesDestination) and found.configured
    assert found.topics == ("hermes.test", "tomtoolkit.test")


def test_an_entry_with_neither_kind_of_credentials_says_what_to_set():
    found = parse("hermes", {"DISPLAY_NAME": "Hermes", "BASE_URL": "https://hermes.lco.global/"})
    assert type(found) is Destination and not found.configured
    assert "Set USERNAME and PASSWORD (another TOM), or HERMES_API_KEY" in found.problems[0]


def test_an_entry_with_both_kinds_is_refused_naming_them(documented):
    found = parse("both", {**documented["tom"], "HERMES_API_KEY": "k"})
    assert not found.configured and "USERNAME, PASSWORD" in found.problems[0] and "HERMES_API_KEY" in found.problems[0]
    assert "tom-pw" not in found.problems[0] and "k" not in repr(found.problems).replace("keep", "").replace(
        "key", "").replace("kind", "")


def test_key_and_topic_destinations_are_read_as_the_toolkit_writes_them(settings, documented):
    settings.DATA_SHARING = {"hermes": documented["hermes"], "not-my-tom": documented["tom"],
                             "odd:name": documented["tom"]}
    assert split_destination("hermes:tomtoolkit.test") == ("hermes", "tomtoolkit.test")
    assert split_destination("hermes") == ("hermes", "")
    assert split_destination("odd:name") == ("odd:name", "")  # a key holding a colon stays whole
    assert split_destination("not-my-tom:x") == ("not-my-tom:x", "")  # a TOM has no topics: refused by name later
    assert ("hermes:tomtoolkit.test", "Hermes: tomtoolkit.test") in destination_choices()
    assert ("not-my-tom", "Not My Tom") in destination_choices()


@pytest.mark.django_db
class TestTheRestApiTakesToolkitDestinations:
    @pytest.fixture(autouse=True)
    def sharing_setting(self, settings, documented, sharer):
        settings.DATA_SHARING = {"hermes": documented["hermes"], "hermes-mirror": documented["tom"]}
        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}

    def post(self, target, **body):
        return Client(headers=basic("editor", "pw-editor")).post(
            "/targets/persistentshare/", {"target": target.pk, **body}, content_type="application/json")

    def test_a_hermes_topic_written_the_toolkit_way(self, target):
        response = self.post(target, destination="hermes:tomtoolkit.test")
        assert response.status_code == 201, response.content
        assert (response.json()["destination"], response.json()["topic"]) == ("hermes", "tomtoolkit.test")
        share = PersistentShare.objects.get()
        assert (share.destination, share.topic, share.where) == ("hermes", "tomtoolkit.test", "hermes:tomtoolkit.test")

    def test_a_hermes_share_without_a_topic_keeps_the_first_one(self, target):
        assert self.post(target, destination="hermes").json()["topic"] == "hermes.test"
        assert self.post(target, destination="hermes", topic="tomtoolkit.test").status_code == 201
        assert self.post(target, destination="hermes:hermes.test").json()["non_field_errors"]  # the same share

    def test_a_tom_named_like_hermes_is_shared_with_as_a_tom(self, target):
        response = self.post(target, destination="hermes-mirror")
        assert response.status_code == 201 and response.json()["topic"] == ""

    @pytest.mark.parametrize("body,field,words", [
        ({"destination": "hermes:gcn.circular"}, "topic", "'gcn.circular' is not one of Hermes's USER_TOPICS"),
        ({"destination": "hermes-mirror:hermes.test"}, "destination", "'hermes-mirror:hermes.test' is not a destination"),
        ({"destination": "hermes-mirror", "topic": "hermes.test"}, "topic", "only a Hermes destination has topics"),
        ({"destination": "hermes:hermes.test", "topic": "tomtoolkit.test"}, "topic", "already names the topic"),
    ])
    def test_a_bad_topic_is_refused_naming_the_field(self, target, body, field, words):
        response = self.post(target, **body)
        assert response.status_code == 400 and words in " ".join(response.json()[field])
        assert not PersistentShare.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["named topic", "2.x row"])
def test_a_continuous_hermes_share_publishes_to_its_own_topic(immediate, settings, documented, kafka_broker, sharer,
                                                               target, how):
    """The documented Hermes entry, on the test broker (our BROKER_URL / BROKER_AUTH), with two fresh topics: the
    share names the second, and only the second gets the data. A row stored as TOM Toolkit 2.x stored it
    (``hermes:<topic>`` in ``destination``) publishes there too."""
    first, second = kafka_broker.new_topic("first"), kafka_broker.new_topic("second")
    settings.DATA_SHARING = {"hermes": {**documented["hermes"], "USER_TOPICS": [first, second],
                                        "BROKER_URL": kafka_broker.url, "BROKER_AUTH": False}}
    if how == "named topic":
        share = create_persistent_share(sharer, target, f"hermes:{second}")
    else:
        share = PersistentShare.objects.create(target=target, destination=f"hermes:{second}", user=sharer)
    save_datums(target, photometry(3), origin="manual", user=sharer)

    def published(topic: str) -> list[dict]:
        stream = Stream(auth=False, start_at=StartPosition.EARLIEST, until_eos=True)
        with stream.open(kafka_broker.topic_url(topic), "r") as reader:
            return [m.content for m in reader.read()]

    messages = published(second)
    assert len(messages) == 1 and messages[0]["topic"] == second
    assert len(messages[0]["data"]["photometry"]) == 3
    topics = AdminClient({"bootstrap.servers": kafka_broker.bootstrap}).list_topics(timeout=10).topics
    assert second in topics and first not in topics  # a topic exists once something is published to it
    share.refresh_from_db()
    assert (share.sent_count, share.last_error) == (3, "")
