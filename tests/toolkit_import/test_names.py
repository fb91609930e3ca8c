"""How the TOM Toolkit's names become ours (a name or alias unique in any spelling), decided from its data alone."""
from __future__ import annotations

from toolkit_import.targets import plan_names


def test_names_and_aliases_that_do_not_clash_are_kept_as_they_are():
    plans = plan_names([(1, "SN 2024abc"), (2, "Vega")], [(1, "AT 2024abc"), (1, "ZTF24aaa")])
    assert (plans[1].name, plans[1].aliases, plans[1].changes) == ("SN 2024abc", ["AT 2024abc", "ZTF24aaa"], [])
    assert (plans[2].name, plans[2].aliases) == ("Vega", [])


def test_a_later_target_with_the_same_name_in_our_spelling_is_renamed_not_merged():
    plans = plan_names([(7, "sn2024-abc"), (3, "SN 2024abc")], [])
    assert plans[3].name == "SN 2024abc"  # the older one keeps it
    assert plans[7].name == "sn2024-abc (TOM Toolkit id 7)"
    assert "is the same name as target 'SN 2024abc'" in plans[7].changes[0]


def test_a_renamed_long_name_still_fits_in_a_hundred_characters():
    plans = plan_names([(1, "A" * 100), (2, "a" * 100)], [])
    assert len(plans[2].name) == 100 and plans[2].name.endswith(" (TOM Toolkit id 2)")


def test_aliases_that_clash_are_dropped_and_said_why():
    plans = plan_names([(1, "SN 2024abc"), (2, "Gaia24x")],
                       [(2, "sn_2024ABC"), (2, "GAIA 24X"), (1, "AT 2024abc"), (2, "at2024abc"), (1, ""),
                        (1, "x" * 101), (1, "ZTF\x00")])
    assert plans[1].aliases == ["AT 2024abc"] and plans[2].aliases == []
    changes = "\n".join(plans[1].changes + plans[2].changes)
    assert "alias 'sn_2024ABC' dropped: it is also a name of target 'SN 2024abc'" in changes
    assert "alias 'GAIA 24X' dropped: the same as its name" in changes
    assert "alias 'at2024abc' dropped: it is also a name of target 'SN 2024abc'" in changes
    assert changes.count("not a name this TOM can store") == 3  # empty, too long, NUL


def test_primary_names_win_over_older_aliases():
    plans = plan_names([(1, "Gaia24x"), (2, "AT 2024abc")], [(1, "AT2024ABC")])
    assert plans[2].name == "AT 2024abc" and plans[1].aliases == []
