"""core/comparison.py: which areas a county compares with, and the figures picked."""

from __future__ import annotations

from core.comparison import RIKET, Areas, areas_of, compare, is_region


def test_region_codes() -> None:
    assert is_region("0023") and not is_region(RIKET) and not is_region("2380")
    assert not is_region("23")


def test_areas_come_from_the_macro_units_code_or_the_org_files_defaults() -> None:
    defaults = {
        "kolada": {
            "region": "0008",
            "peers": {"name": "Liknande kommuner", "members": ["0880", "0882", "bad", 882]},
        }
    }
    areas = areas_of(None, defaults)
    assert areas == Areas("0008", ("0880", "0882"), "Liknande kommuner")
    assert areas.codes == [RIKET, "0008", "0880", "0882"]
    assert areas_of("0023", defaults).region == "0023"  # the macro unit's own code wins
    assert areas_of("2380", None) == Areas()  # a municipality code is not a region
    assert areas_of(None, {"kolada": {"peers": ["2309", "2309"]}}).peers == ("2309",)
    assert areas_of(None, {"kolada": "nonsense"}) == Areas()


def test_compare_takes_riket_the_county_and_the_peers_median_without_the_unit() -> None:
    areas = Areas("0023", ("2309", "2361", "2380"), "Grannar")
    values = {RIKET: 80.0, "0023": 84.0, "2309": 70.0, "2361": 90.0, "2380": 100.0}
    got = compare(values, areas, own_code="2380")
    assert (got.riket, got.county, got.peers, got.peer_count) == (80.0, 84.0, 80.0, 2)
    assert compare({}, areas).empty
