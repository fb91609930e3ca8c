"""DATA_SHARING in the TOM Toolkit's documented shape, parsed into destinations; placeholders are "not configured"."""
from __future__ import annotations

from django.core import checks
from django.test import override_settings

from sharing.destinations import HermesDestination, TomDestination, destination, destinations

DOCUMENTED = {  # shared/docs/sharing-via-hermes.rst, with nothing set in the environment
    "hermes": {
        "DISPLAY_NAME": "Hermes", "BASE_URL": "https://hermes.lco.global/",
        "CREDENTIAL_USERNAME": "set SCIMMA_CREDENTIAL_USERNAME value in environment",
        "CREDENTIAL_PASSWORD": "set SCIMMA_CREDENTIAL_PASSWORD value in environment",
        "USER_TOPICS": ["hermes.test", "tomtoolkit.test"],
    },
    "localhost-tom": {
        "DISPLAY_NAME": "Local", "BASE_URL": "http://127.0.0.1:8000/",
        "USERNAME": "set LOCALHOST_TOM_USERNAME value in environment",
        "PASSWORD": "set LOCALHOST_TOM_PASSWORD value in environment",
    },
    "peer": {"DISPLAY_NAME": "Peer", "BASE_URL": "http://127.0.0.1:8001", "USERNAME": "me", "PASSWORD": "s3cret"},
    "keyed-hermes": {"BASE_URL": "http://127.0.0.1:9000/", "HERMES_API_KEY": "abc123"},
    "broken": "not a dict",
}


@override_settings(DATA_SHARING=DOCUMENTED)
def test_the_documented_configuration_parses_without_raising():
    found = destinations()
    assert list(found) == ["hermes", "localhost-tom", "peer", "keyed-hermes", "broken"]
    peer = found["peer"]
    assert isinstance(peer, TomDestination) and peer.configured and peer.base_url == "http://127.0.0.1:8001/"
    assert (peer.username, peer.password) == ("me", "s3cret") and "s3cret" not in repr(peer)
    local = found["localhost-tom"]
    assert not local.configured and local.problems == ("USERNAME is not set.", "PASSWORD is not set.")
    assert local.label == "Local (not configured)"
    hermes = found["hermes"]
    assert isinstance(hermes, HermesDestination) and not hermes.configured
    assert hermes.topics == ("hermes.test", "tomtoolkit.test")
    keyed = found["keyed-hermes"]
    assert keyed.configured and keyed.via_api and "abc123" not in repr(keyed)
    assert not found["broken"].configured
    assert destination("nowhere") is None


@override_settings(DATA_SHARING=DOCUMENTED)
def test_manage_py_check_names_each_unconfigured_destination():
    warnings = [m for m in checks.run_checks(tags=["sharing"]) if m.id == "sharing.W001"]
    text = " ".join(w.msg for w in warnings)
    assert len(warnings) == 3
    assert "DATA_SHARING['localhost-tom'] (Local) is not configured: USERNAME is not set." in text
    assert "set LOCALHOST" not in text and "s3cret" not in text


@override_settings(DATA_SHARING={"t": {"BASE_URL": "ftp://x/", "USERNAME": "a", "PASSWORD": "b"}})
def test_a_bad_base_url_is_a_problem_not_a_crash():
    assert destinations()["t"].problems == ("BASE_URL 'ftp://x/' is not an http(s) URL.",)


def test_no_setting_means_no_destinations(settings):
    del settings.DATA_SHARING
    assert destinations() == {}


def name_warnings() -> dict[str, str]:
    return {m.id: m.msg for m in checks.run_checks(tags=["sharing"]) if m.id in ("sharing.W002", "sharing.W003")}


def test_manage_py_check_warns_about_the_default_tom_name(settings):
    settings.TOM_NAME = "TOM"
    assert "TOM_NAME is still the default 'TOM'" in name_warnings()["sharing.W002"]
    settings.TOM_NAME = "Our survey's TOM"
    assert name_warnings() == {}


@override_settings(DATA_SHARING=DOCUMENTED)
def test_manage_py_check_warns_when_tom_name_is_a_destinations_name(settings):
    settings.TOM_NAME = "peer"  # the key
    assert "TOM_NAME 'peer' is also the name of the destination DATA_SHARING['peer'] (Peer)" in \
        name_warnings()["sharing.W003"]
    settings.TOM_NAME = "hermes"  # a display name, in any case
    assert "DATA_SHARING['hermes']" in name_warnings()["sharing.W003"]
    settings.TOM_NAME = "Local TOM"
    assert name_warnings() == {}


def test_manage_py_check_refuses_a_tom_id_that_is_not_a_uuid(settings):
    settings.TOM_ID = "not-a-uuid"
    errors = [m for m in checks.run_checks() if m.id == "tom.E001"]
    assert len(errors) == 1 and "TOM_ID 'not-a-uuid' is not a UUID." in errors[0].msg
    settings.TOM_ID = "6F9619FF-8B86-D011-B42D-00C04FC964FF"
    assert not [m for m in checks.run_checks() if m.id == "tom.E001"]


def test_tom_id_comes_from_the_setting_or_the_database(db, settings):
    import uuid

    from core.identity import tom_id
    from core.models import TomIdentity

    settings.TOM_ID = ""
    made = tom_id()
    assert uuid.UUID(made) and tom_id() == made and TomIdentity.objects.count() == 1
    settings.TOM_ID = "6F9619FF-8B86-D011-B42D-00C04FC964FF"
    assert tom_id() == "6f9619ff-8b86-d011-b42d-00c04fc964ff"
