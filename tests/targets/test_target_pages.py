from __future__ import annotations

import pytest
from django.urls import reverse
from guardian.shortcuts import get_perms

from targets.models import Target, TargetList
from targets.services import create_target
from tests.conftest import sidereal


def create_form(**overrides):
    data = {"name": "AT 2025xyz", "type": "SIDEREAL", "ra": "12:30:00", "dec": "-45:15:00",
            "aliases": "Gaia25abc\nZTF25aaaaaab", "extras": "redshift = 0.1\nhost: NGC 4993"}
    data.update(overrides)
    return data


def test_editor_creates_a_target_with_sexagesimal_coordinates(client_for, users, viewers):
    users["editor"].groups.add(viewers)
    response = client_for("editor").post(reverse("targets:create"), create_form(view_groups=[viewers.pk]))
    target = Target.objects.get(name="AT 2025xyz")
    assert response.status_code == 302 and response["Location"] == target.get_absolute_url()
    assert target.ra == pytest.approx(187.5) and target.dec == pytest.approx(-45.25)
    assert target.alias_names() == ["Gaia25abc", "ZTF25aaaaaab"]
    assert {e.key: e.typed_value for e in target.extras.all()} == {"redshift": 0.1, "host": "NGC 4993"}
    assert set(get_perms(users["editor"], target)) == {"view_target", "change_target", "delete_target", "share_target"}
    assert get_perms(viewers, target) == ["view_target"]
    assert get_perms(users["outsider"], target) == []


@pytest.mark.parametrize("overrides,field,message", [
    ({"ra": "400"}, "ra", "Right ascension must be in [0, 360)"),
    ({"ra": "25:00:00"}, "ra", "Cannot read right ascension"),
    ({"dec": "north"}, "dec", "Cannot read declination"),
    ({"dec": ""}, "dec", "Required for a sidereal target"),
    ({"name": ""}, "name", "required"),
    ({"aliases": "sn-2024 ABC"}, "aliases", "already used by target"),
    ({"name": "at_2024abc"}, "name", "already used by target"),
    ({"extras": "no separator here"}, "extras", "Line 1"),
    ({"type": "NON_SIDEREAL", "scheme": "MPC_COMET"}, "epoch_of_elements", "Required for a non-sidereal target"),
])
def test_bad_input_names_the_field_and_creates_nothing(client_for, target, overrides, field, message):
    before = Target.objects.count()
    response = client_for("editor").post(reverse("targets:create"), create_form(**overrides))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert message.split("[")[0] in response.content.decode()
    assert Target.objects.count() == before


def test_non_sidereal_target_with_its_scheme_elements(client_for):
    data = {"name": "2P/Encke", "type": "NON_SIDEREAL", "scheme": "MPC_COMET", "epoch_of_elements": "60600",
            "inclination": "11.4", "lng_asc_node": "334.2", "arg_of_perihelion": "187.0", "eccentricity": "0.847",
            "perihdist": "0.339", "epoch_of_perihelion": "60240.5"}
    assert client_for("editor").post(reverse("targets:create"), data).status_code == 302
    comet = Target.objects.get(name="2P/Encke")
    assert comet.ra is None and comet.perihdist == 0.339
    page = client_for("editor").get(reverse("targets:section", args=[comet.pk, "coordinates"])).content.decode()
    assert "Orbital elements" in page and "0.339" in page


def test_edit_replaces_aliases_extras_and_groups(client_for, users, target, editors, viewers):
    users["editor"].groups.add(viewers)
    client = client_for("editor")
    form = client.get(reverse("targets:update", args=[target.pk])).context["form"]
    assert form.initial["aliases"] == "AT 2024abc\nZTF24aaaaaaa"
    response = client.post(reverse("targets:update", args=[target.pk]), {
        "name": "SN 2024abc", "type": "SIDEREAL", "ra": "150", "dec": "0", "aliases": "AT 2024abc",
        "extras": "redshift = 0.06", "view_groups": [viewers.pk], "change_groups": [editors.pk],
    })
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.dec == 0.0 and target.alias_names() == ["AT 2024abc"]
    assert target.extras.get().value == "0.06"


def test_edit_with_a_clashing_alias_changes_nothing(client_for, users, target):
    create_target(users["superuser"], sidereal("Other"))
    response = client_for("editor").post(reverse("targets:update", args=[target.pk]), {
        "name": "SN 2024abc", "type": "SIDEREAL", "ra": "1", "dec": "1", "aliases": "other",
    })
    # "Other" is a target the editor may not view: the refusal does not name it
    assert response.status_code == 400 and "already used by another target" in response.content.decode()
    assert "Other" not in response.content.decode()
    target.refresh_from_db()
    assert target.ra == 150.0 and target.alias_names() == ["AT 2024abc", "ZTF24aaaaaaa"]


def test_delete_asks_then_deletes(client_for, target):
    client = client_for("editor")
    assert "cannot be undone" in client.get(reverse("targets:delete", args=[target.pk])).content.decode()
    assert client.post(reverse("targets:delete", args=[target.pk])).status_code == 302
    assert not Target.objects.filter(pk=target.pk).exists()


def test_detail_page_loads_its_sections_with_htmx(client_for, target):
    client = client_for("viewer")
    page = client.get(target.get_absolute_url()).content.decode()
    for section in ("coordinates", "names", "extras", "lists"):
        assert f'hx-get="{reverse("targets:section", args=[target.pk, section])}"' in page
    assert "Edit" not in page  # a viewer may not change it
    coords = client.get(reverse("targets:section", args=[target.pk, "coordinates"])).content.decode()
    assert "10:00:00.000" in coords and "+02:30:00.00" in coords  # sexagesimal
    assert "Galactic" in coords
    names = client.get(reverse("targets:section", args=[target.pk, "names"])).content.decode()
    assert "ZTF24aaaaaaa" in names
    extras = client.get(reverse("targets:section", args=[target.pk, "extras"])).content.decode()
    assert "redshift" in extras and "0.05" in extras
    assert client.get(reverse("targets:section", args=[target.pk, "nonsense"])).status_code == 404


def test_add_and_remove_a_target_from_a_list_on_its_page(client_for, target, users, editors):
    from targets.services import create_target_list

    other = create_target_list(users["superuser"], "Follow-up", [], [editors])
    client = client_for("editor")
    url = reverse("targets:membership", args=[target.pk])
    response = client.post(url, {"target_list": other.pk, "action": "add"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert other.targets.filter(pk=target.pk).exists()
    client.post(url, {"target_list": other.pk, "action": "remove"}, headers={"HX-Request": "true"})
    assert not other.targets.filter(pk=target.pk).exists()


def test_viewer_cannot_add_a_target_to_a_list_they_may_only_view(client_for, target, target_list):
    section = client_for("viewer").get(reverse("targets:section", args=[target.pk, "lists"])).content.decode()
    assert "Transients" in section and "remove" not in section
    assert "remove" in client_for("editor").get(reverse("targets:section", args=[target.pk, "lists"])).content.decode()
    target_list.targets.clear()
    response = client_for("viewer").post(reverse("targets:membership", args=[target.pk]),
                                         {"target_list": target_list.pk, "action": "add"})
    assert response.status_code == 403
    assert not target_list.targets.exists()
    assert client_for("viewer").post(reverse("targets:membership", args=[target.pk]),
                                     {"target_list": "x"}).status_code == 404


class TestTargetList:
    @pytest.fixture
    def sky(self, users, viewers):
        targets = [
            ("Near A", 150.0010, 2.5005, ["Alpha one"]),
            ("Near B", 150.0200, 2.5100, []),
            ("Far C", 210.0, -40.0, ["Gamma"]),
            ("Wrap D", 359.999, 0.0, []),
            ("Wrap E", 0.001, 0.0, []),
        ]
        made = {}
        for name, ra, dec, aliases in targets:
            made[name] = create_target(users["superuser"], sidereal(name, ra, dec, aliases), view_groups=[viewers])
        create_target(users["superuser"], sidereal("Hidden", 150.0, 2.5))  # no group may view it
        return made

    def names(self, response):
        return [t.name for t in response.context["page"].objects]

    def test_search_by_name_or_alias_prefix_in_any_spelling(self, client_for, sky, target):
        client = client_for("viewer")
        assert self.names(client.get("/targets/", {"q": "near"})) == ["Near B", "Near A"]
        assert self.names(client.get("/targets/", {"q": "alpha-ONE"})) == ["Near A"]
        assert self.names(client.get("/targets/", {"q": "ztf24"})) == ["SN 2024abc"]
        assert self.names(client.get("/targets/", {"q": "hidden"})) == []

    def test_cone_search_in_degrees_or_sexagesimal_sorted_by_distance(self, client_for, sky, target):
        client = client_for("viewer")
        response = client.get("/targets/", {"cone_ra": "10:00:00", "cone_dec": "+02:30:00", "cone_radius": "2 arcmin"})
        assert self.names(response) == ["SN 2024abc", "Near A", "Near B"]
        seps = [t.separation for t in response.context["page"].objects]
        assert seps[0] == pytest.approx(0, abs=1e-6) and seps[1] == pytest.approx(4.02, abs=0.05)
        assert self.names(client.get("/targets/", {"cone_ra": "150", "cone_dec": "2.5", "cone_radius": "5"})) == ["SN 2024abc", "Near A"]

    def test_cone_search_across_ra_zero(self, client_for, sky):
        response = client_for("viewer").get("/targets/", {"cone_ra": "0", "cone_dec": "0", "cone_radius": "10"})
        assert sorted(self.names(response)) == ["Wrap D", "Wrap E"]

    def test_bad_cone_search_says_which_field(self, client_for, sky):
        response = client_for("viewer").get("/targets/", {"cone_ra": "xx", "cone_dec": "0", "cone_radius": "10"})
        assert response.status_code == 400 and self.names(response) == []
        assert "Cannot read right ascension" in response.content.decode()
        response = client_for("viewer").get("/targets/", {"cone_ra": "10", "cone_dec": "0"})
        assert "needs RA, Dec and a radius" in response.content.decode()

    @pytest.mark.parametrize("radius", ["1e1 arcsec", "1.5e-1 arcmin", "10\"", "0.15'", "1e4 mas", "2.5e-3 deg"])
    def test_cone_radius_takes_any_float_syntax_with_a_unit(self, client_for, sky, target, radius):
        response = client_for("viewer").get("/targets/", {"cone_ra": "150", "cone_dec": "2.5", "cone_radius": radius})
        assert response.context["form"].errors == {}
        assert self.names(response) == ["SN 2024abc", "Near A"]

    def test_a_radius_in_a_unit_that_is_no_angle_is_named(self, client_for, sky):
        response = client_for("viewer").get("/targets/", {"cone_ra": "150", "cone_dec": "2.5", "cone_radius": "1e3 parsec"})
        assert list(response.context["form"].errors) == ["cone_radius"]
        assert "Cannot read radius '1e3 parsec' ('parsec' is not an angle unit)" in response.context["form"].errors["cone_radius"][0]
        assert "parsec&#x27; is not an angle unit" in response.content.decode() and self.names(response) == []

    def test_filter_by_list_type_and_sort(self, client_for, sky, target, target_list):
        client = client_for("viewer")
        assert self.names(client.get("/targets/", {"target_list": target_list.pk})) == ["SN 2024abc"]
        assert self.names(client.get("/targets/", {"sort": "name"}))[:3] == ["Far C", "Near A", "Near B"]
        assert self.names(client.get("/targets/", {"sort": "-name"}))[0] == "Wrap E"
        assert self.names(client.get("/targets/", {"type": "NON_SIDEREAL"})) == []

    def test_pagination(self, client_for, sky, target, settings):
        settings.TARGET_LIST_PAGE_SIZE = 2
        client = client_for("viewer")
        first = client.get("/targets/", {"sort": "name"})
        assert first.context["page"].count == 6 and first.context["page"].has_next
        third = client.get("/targets/", {"sort": "name", "page": 3})
        assert self.names(third) == ["Wrap D", "Wrap E"] and not third.context["page"].has_next
        assert "Page 3 of 3" in third.content.decode()
        assert self.names(client.get("/targets/", {"page": "999"})) == []

    def test_broad_and_narrow_searches_find_the_same_targets(self, client_for, sky, target, monkeypatch):
        client = client_for("viewer")
        narrow = self.names(client.get("/targets/", {"q": "near"}))
        monkeypatch.setattr(Target.objects._queryset_class, "SEARCH_ID_LIST_LIMIT", 0)  # force the EXISTS shape
        broad = client.get("/targets/", {"q": "near"})
        assert self.names(broad) == narrow == ["Near B", "Near A"] and broad.context["page"].count == 2

    def test_deep_pages_count_to_their_end_and_empty_pages_say_so(self, client_for, sky, target, settings):
        settings.TARGET_LIST_PAGE_SIZE = 2
        settings.TARGET_LIST_COUNT_LIMIT = 1
        page = client_for("viewer").get("/targets/", {"sort": "name", "page": 2}).context["page"]
        assert (page.start_index, page.end_index, page.count, page.count_capped) == (3, 4, 4, True)
        empty = client_for("viewer").get("/targets/", {"page": 9}).context["page"]
        assert (empty.start_index, empty.end_index, empty.objects) == (0, 0, [])

    def test_count_stops_at_the_limit(self, client_for, sky, target, settings):
        settings.TARGET_LIST_PAGE_SIZE = 2
        settings.TARGET_LIST_COUNT_LIMIT = 3
        page = client_for("viewer").get("/targets/").context["page"]
        assert page.count == 3 and page.count_capped and page.last_number is None

    def test_htmx_search_returns_only_the_table(self, client_for, sky):
        response = client_for("viewer").get("/targets/", {"q": "far"}, headers={"HX-Request": "true"})
        body = response.content.decode()
        assert "<html" not in body and "Far C" in body and "Near A" not in body

    def test_export_is_filtered_like_the_page(self, client_for, sky, target):
        response = client_for("viewer").get("/targets/export.csv", {"q": "near"})
        assert response["Content-Type"].startswith("text/csv")
        lines = b"".join(response.streaming_content).decode().splitlines()
        assert lines[0].startswith("name,type,ra,dec")
        assert [line.split(",")[0] for line in lines[1:]] == ["Near B", "Near A"]
        everything = b"".join(client_for("viewer").get("/targets/export.csv").streaming_content).decode()
        assert "Hidden" not in everything and "redshift" in everything.splitlines()[0]

    def test_bulk_add_selected_targets_to_a_list(self, client_for, sky, users, editors, viewers):
        from targets.services import create_target_list

        tl = create_target_list(users["superuser"], "Tonight", [viewers], [editors])
        picked = [sky["Near A"].pk, sky["Far C"].pk]
        response = client_for("viewer").post(reverse("targets:list-add"), {"targets": picked, "target_list": tl.pk})
        assert response.status_code == 302 and not tl.targets.exists()  # viewer may not change the list
        users["editor"].groups.add(viewers)  # so the editor sees these targets
        editor = client_for("editor")
        assert editor.post(reverse("targets:list-add"), {"targets": picked, "target_list": tl.pk}).status_code == 302
        assert set(tl.targets.values_list("name", flat=True)) == {"Near A", "Far C"}


def test_groups_offered_are_the_users_own(client_for, users, viewers):
    response = client_for("editor").post(reverse("targets:create"), create_form(view_groups=[viewers.pk]))
    assert response.status_code == 400 and "view_groups" in response.context["form"].errors
    assert not Target.objects.filter(name="AT 2025xyz").exists()


def test_target_list_pages(client_for, users, target, editors, viewers):
    users["editor"].groups.add(viewers)
    client = client_for("editor")
    response = client.post(reverse("targets:list-create"), {"name": "  Spectra wanted ", "view_groups": [viewers.pk]})
    tl = TargetList.objects.get(name="Spectra wanted")
    assert response["Location"] == tl.get_absolute_url()
    assert client.post(reverse("targets:list-create"), {"name": "   "}).status_code == 400
    client.post(reverse("targets:list-add"), {"targets": [target.pk], "target_list": tl.pk})
    page = client_for("viewer").get(tl.get_absolute_url())
    assert [t.name for t in page.context["page"].objects] == ["SN 2024abc"]
    assert "Rename" not in page.content.decode()
    assert client.post(reverse("targets:list-update", args=[tl.pk]), {"name": "Spectra tonight"}).status_code == 302
    tl.refresh_from_db()
    assert tl.name == "Spectra tonight"
    client.post(reverse("targets:list-remove", args=[tl.pk]), {"targets": [str(target.pk)]})
    assert not tl.targets.exists()
    lists = client_for("viewer").get(reverse("targets:lists")).content.decode()
    assert "Spectra tonight" in lists
    assert client.post(reverse("targets:list-delete", args=[tl.pk])).status_code == 302
    assert not TargetList.objects.filter(pk=tl.pk).exists() and Target.objects.filter(pk=target.pk).exists()


def test_list_sizes_count_only_targets_the_user_may_view(client_for, users, target, target_list):
    create = create_target(users["superuser"], sidereal("Secret"))
    target_list.targets.add(create)
    page = client_for("viewer").get(reverse("targets:lists"))
    assert [(tl.name, tl.size) for tl in page.context["page"].objects] == [("Transients", 1)]
