"""Loading org files into the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from core.org import OrgPlan, OrgSpec, parse_org_text
from storage.db import Database
from storage.models import AuditEvent, ChannelBinding, Conversation, Person, RoleAssignment, Unit
from storage.org_repo import (
    find_unit_by_name,
    has_history,
    list_units,
    roles_of,
    sync_org,
    unit_tree,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example(name: str, edit: tuple[str, str] | None = None) -> OrgSpec:
    text = (EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8")
    if edit is not None:
        assert edit[0] in text
        text = text.replace(edit[0], edit[1])
    spec = parse_org_text(text)
    assert isinstance(spec, OrgSpec), [str(p) for p in spec]
    return spec


async def load(db: Database, spec: OrgSpec, *, archive: bool = False) -> OrgPlan:
    async with db.session() as s:
        return await sync_org(s, spec, archive=archive, actor="test")


async def snapshot(db: Database) -> list[tuple[object, ...]]:
    async with db.session() as s:
        units = (await s.execute(select(Unit).order_by(Unit.id))).scalars().all()  # type: ignore[arg-type]
        return [(u.id, u.name, u.parent_id, u.updated_at, u.archived_at) for u in units]


async def audit_count(db: Database) -> int:
    async with db.session() as s:
        return int((await s.execute(select(func.count()).select_from(AuditEvent))).scalar_one())


async def bind_channel(db: Database, unit_name: str, channel: str) -> int:
    async with db.session() as s:
        unit = await find_unit_by_name(s, unit_name)
        assert unit is not None and unit.id is not None
        conv = Conversation(
            conversation_id=f"19:{channel}@thread.tacv2", kind="channel", name=channel, reference={}
        )
        s.add(conv)
        await s.flush()
        assert conv.id is not None
        s.add(ChannelBinding(unit_id=unit.id, conversation_pk=conv.id))
        return unit.id


async def test_jamtland_loads_then_loading_again_changes_nothing(db: Database) -> None:
    first = await load(db, example("jamtland"))
    assert first.counts()["created"] == 18 and not first.problems
    before, events = await snapshot(db), await audit_count(db)
    assert events == 19  # one per unit and the summary

    second = await load(db, example("jamtland"))
    assert second.is_empty and second.counts()["unchanged"] == 18
    assert await snapshot(db) == before
    assert await audit_count(db) == events


async def test_tree_parents_roles_and_lookups(db: Database) -> None:
    await load(db, example("jamtland"))
    async with db.session() as s:
        ost = await find_unit_by_name(s, "  ÖSTERSUND ")
        assert ost is not None and ost.kolada_id == "2380" and ost.level == "cluster"
        root = await find_unit_by_name(s, "regionens samverkansråd")
        assert root is not None and ost.parent_id == root.id
        assert ost.defaults["pulse"] == {"cadence": "quarterly", "window_working_days": 5}
        assert await find_unit_by_name(s, "Stockholm") is None
        assert len(await list_units(s)) == 18
        assert await roles_of(s, "Samordnare.Ostersund@example.se") == {ost.id: {"coordinator"}}
        # The bot knows people by object id; the file names them by UPN.
        s.add(
            Person(
                aad_object_id="00000000-0000-0000-0000-00000000000a",
                upn="chef.ostersund@example.se",
            )
        )
        await s.flush()
        assert await roles_of(s, "00000000-0000-0000-0000-00000000000a") == {ost.id: {"manager"}}
        tree = await unit_tree(s)
    assert tree[0].name == "Regionens samverkansråd" and tree[0].depth == 0
    team = next(r for r in tree if r.name == "Hemsjukvård Östersund")
    assert team.depth == 2 and team.channel_name is None and not team.bound
    index = {r.name: i for i, r in enumerate(tree)}
    assert index["Östersund"] < index["Hemsjukvård Östersund"]


async def test_changed_file_updates_units_and_keeps_the_channel_binding(db: Database) -> None:
    await load(db, example("jamtland"))
    unit_id = await bind_channel(db, "Krokom", "Samverkan Krokom")
    edited = example(
        "jamtland", ("- name: Krokom\n", "- name: Krokoms kommun\n        renamed_from: Krokom\n")
    )
    plan = await load(db, edited)
    assert [u.spec.name for u in plan.update] == ["Krokoms kommun"]
    async with db.session() as s:
        unit = await find_unit_by_name(s, "Krokoms kommun")
        assert unit is not None and unit.id == unit_id
        binding = (await s.execute(select(ChannelBinding))).scalar_one()
        assert binding.unit_id == unit_id and binding.active
        row = next(r for r in await unit_tree(s) if r.id == unit_id)
        assert row.channel_name == "Samverkan Krokom" and row.bound
        assert await find_unit_by_name(s, "Krokom") is None
    # The rename is idempotent too.
    assert (await load(db, edited)).is_empty


async def test_roles_follow_the_file_but_other_sources_stay(db: Database) -> None:
    await load(db, example("jamtland"))
    async with db.session() as s:
        berg = await find_unit_by_name(s, "Berg")
        assert berg is not None and berg.id is not None
        s.add(
            RoleAssignment(
                unit_id=berg.id, person="graph.person@example.se", role="manager", source="graph"
            )
        )
    await load(db, example("jamtland", ("chef.berg@example.se", "ny.chef.berg@example.se")))
    async with db.session() as s:
        rows = await s.execute(
            select(col(RoleAssignment.person), col(RoleAssignment.source)).where(
                col(RoleAssignment.unit_id) == berg.id, col(RoleAssignment.role) == "manager"
            )
        )
        assert sorted(rows.all()) == [
            ("graph.person@example.se", "graph"),
            ("ny.chef.berg@example.se", "org"),
        ]


async def test_removing_a_unit_with_history_is_refused_unless_archived(db: Database) -> None:
    await load(db, example("jamtland"))
    unit_id = await bind_channel(db, "Ragunda", "Samverkan Ragunda")
    async with db.session() as s:
        assert await has_history(s, unit_id)
        bracke = await find_unit_by_name(s, "Bräcke")
        assert bracke is not None and bracke.id is not None
        assert not await has_history(s, bracke.id)  # org-load events are not history
    text = (EXAMPLES / "jamtland.yaml").read_text(encoding="utf-8")
    for block in ("Ragunda", "Bräcke"):
        start = text.index(f"      - name: {block}\n")
        end = text.index("      - name:", start + 1)
        text = text[:start] + text[end:]
    spec = parse_org_text(text)
    assert isinstance(spec, OrgSpec)
    before = await snapshot(db)

    refused = await load(db, spec)
    assert [p.message.split("'")[1] for p in refused.problems] == ["Ragunda"]
    assert await snapshot(db) == before  # nothing written, Bräcke not deleted either

    done = await load(db, spec, archive=True)
    assert [r.name for r in done.archive] == ["Ragunda"]
    assert [r.name for r in done.delete] == ["Bräcke"]
    async with db.session() as s:
        ragunda = await s.get(Unit, unit_id)
        assert ragunda is not None and ragunda.archived_at is not None
        assert await find_unit_by_name(s, "Ragunda") is None
        assert (await s.execute(select(ChannelBinding))).scalar_one().unit_id == unit_id
        assert await s.get(Unit, bracke.id) is None
        roles = await s.execute(
            select(RoleAssignment).where(col(RoleAssignment.unit_id) == unit_id)
        )
        assert roles.scalars().all() == []
        assert "Ragunda" not in [r.name for r in await unit_tree(s)]
    assert (await load(db, spec, archive=True)).is_empty
    # Putting it back in the file restores the same unit, channel and all.
    restored = await load(db, example("jamtland"))
    assert [u.spec.name for u in restored.update if u.restore] == ["Ragunda"]
    assert [u.name for u in restored.create] == ["Bräcke"]
    async with db.session() as s:
        unit = await find_unit_by_name(s, "Ragunda")
        assert unit is not None and unit.id == unit_id


async def test_changing_only_the_case_of_a_name_renames_the_same_unit(db: Database) -> None:
    await load(db, example("jamtland"))
    async with db.session() as s:
        before = await find_unit_by_name(s, "Åre")
        assert before is not None
    plan = await load(db, example("jamtland", ("- name: Åre\n", "- name: ÅRE\n")))
    assert [(u.spec.name, dict(u.changes)) for u in plan.update] == [
        ("ÅRE", {"name": ("Åre", "ÅRE")})
    ]
    async with db.session() as s:
        after = await find_unit_by_name(s, "åre")
        assert after is not None and after.id == before.id and after.name == "ÅRE"


async def test_deleting_a_parent_keeps_its_archived_child_in_the_chain(db: Database) -> None:
    await load(db, example("jamtland"))
    team_id = await bind_channel(db, "Hemsjukvård Härjedalen", "Hemsjukvård H")
    text = (EXAMPLES / "jamtland.yaml").read_text(encoding="utf-8")
    start = text.index("      - name: Härjedalen\n")
    end = text.index("      - name: Krokom\n")
    spec = parse_org_text(text[:start] + text[end:])
    assert isinstance(spec, OrgSpec)
    plan = await load(db, spec, archive=True)
    assert [r.name for r in plan.archive] == ["Hemsjukvård Härjedalen"]
    assert [r.name for r in plan.delete] == ["Härjedalen"]
    async with db.session() as s:
        team = await s.get(Unit, team_id)
        root = await find_unit_by_name(s, "Regionens samverkansråd")
        assert team is not None and root is not None and team.parent_id == root.id


@pytest.mark.parametrize("name", ["jamtland", "jonkoping", "kalmar", "skane"])
async def test_every_example_loads(db: Database, name: str) -> None:
    spec = example(name)
    plan = await load(db, spec)
    assert plan.counts()["created"] == len(spec.units) and not plan.problems
    async with db.session() as s:
        tree = await unit_tree(s)
    assert {r.name for r in tree} == {u.name for u in spec.units}
    assert (await load(db, spec)).is_empty


async def test_switching_county_replaces_units_without_history(db: Database) -> None:
    await load(db, example("jamtland"))
    plan = await load(db, example("kalmar"))
    assert plan.counts()["removed"] == 18 and plan.counts()["created"] == 19
    async with db.session() as s:
        assert {u.name for u in await list_units(s)} == {u.name for u in example("kalmar").units}
