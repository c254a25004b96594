"""Comparison figures beside a unit's own: pure rules.

A digest row of an indicator that has a Kolada KPI can show three comparisons:

- **riket**: Sweden as a whole, Kolada's area "0000";
- **the county**: the region's code ("0001".."0025"), the macro unit's `kolada_id` or
  `defaults.kolada.region` in the org file;
- **a peer group**: municipalities like the unit's, named in the org file
  (`defaults.kolada.peers: {name: "Liknande kommuner", members: ["2309", ...]}`); its
  value is the median of the members that have one (never the unit itself).

`areas_of` reads the org's settings, `compare` picks the figures for one period.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

RIKET = "0000"
_CODE = re.compile(r"^\d{4}$")


def is_region(code: str) -> bool:
    """Kolada's region codes are 0001..0025 (0000 is the country)."""
    return bool(_CODE.match(code)) and code.startswith("00") and code != RIKET


@dataclass(frozen=True)
class Areas:
    region: str | None = None
    peers: tuple[str, ...] = ()
    peer_name: str = ""

    @property
    def codes(self) -> list[str]:
        """Every area to fetch for the comparisons, riket first."""
        out = [RIKET]
        if self.region:
            out.append(self.region)
        out.extend(p for p in self.peers if p not in out)
        return out


def areas_of(macro_kolada_id: str | None, defaults: Mapping[str, Any] | None) -> Areas:
    """The comparison areas of a county from its macro unit and the org file's defaults
    (codes that are not four digits are ignored)."""
    kolada = (defaults or {}).get("kolada") or {}
    if not isinstance(kolada, Mapping):
        kolada = {}
    region = macro_kolada_id if macro_kolada_id and is_region(macro_kolada_id) else None
    raw_region = kolada.get("region")
    if region is None and isinstance(raw_region, str) and is_region(raw_region):
        region = raw_region
    peers_raw = kolada.get("peers") or {}
    members: Iterable[Any] = ()
    name = ""
    if isinstance(peers_raw, Mapping):
        members = peers_raw.get("members") or ()
        name = str(peers_raw.get("name") or "")[:60]
    elif isinstance(peers_raw, list):
        members = peers_raw
    peers = tuple(dict.fromkeys(str(m) for m in members if isinstance(m, str) and _CODE.match(m)))
    return Areas(region, peers, name)


@dataclass(frozen=True)
class Comparison:
    riket: float | None = None
    county: float | None = None
    peers: float | None = None  # median of the peer group
    peer_count: int = 0

    @property
    def empty(self) -> bool:
        return self.riket is None and self.county is None and self.peers is None


def compare(values: Mapping[str, float], areas: Areas, own_code: str | None = None) -> Comparison:
    """The comparison figures for one period from the values by area code."""
    peer_values = [values[p] for p in areas.peers if p in values and p != own_code]
    return Comparison(
        riket=values.get(RIKET),
        county=values.get(areas.region) if areas.region else None,
        peers=float(statistics.median(peer_values)) if peer_values else None,
        peer_count=len(peer_values),
    )
