"""Files in the personal chat over HTTP: an indicator file sent → preview → import on
confirm; an export offered with Teams' file consent card → Allow → bytes PUT to the
upload URL → FileInfoCard; Decline. Real activity and invoke shapes, the fake Bot
Connector and a fake OneDrive that really receives the PUT.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import select

from cards.indicator_upload import CANCEL_VERB, CONFIRM_VERB
from core.files import FILE_CONSENT_CARD, FILE_DOWNLOAD_INFO, FILE_INFO_CARD
from storage import indicators_repo, members_repo
from storage.file_models import HeldFile
from storage.models import Unit
from tests.cardschema import assert_valid_card
from tests.fakes.onedrive import FakeOneDrive
from tests.support.files import accept_offer, personal_invoke
from tests.support.harness import BotHarness
from tests.support.indicators import last_month, seed_county, seed_values
from tests.support.pulses import closed_pulse
from tests.support.scheduler import bind_channel
from tests.teams import TENANT, TeamsUser, new_channel

ON_SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

SARA = TeamsUser(name="Sara Samordnare", upn="sara@example.se")  # coordinator of Krokom
NILS = TeamsUser(name="Nils Sjuksköterska", upn="nils@example.se")  # no role


def file_message(h: BotHarness, user: TeamsUser, name: str, url: str) -> dict[str, Any]:
    act = h.teams.personal_message(user, "")
    act["text"] = ""
    act["attachments"] = [
        {
            "contentType": FILE_DOWNLOAD_INFO,
            "contentUrl": f"https://contoso.sharepoint.com/personal/x/Documents/Applications/{name}",
            "name": name,
            "content": {
                "downloadUrl": url,
                "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C9D",
                "fileType": name.rsplit(".", 1)[-1],
                "etag": "123",
            },
        }
    ]
    return act


def execute(h: BotHarness, user: TeamsUser, verb: str, data: dict[str, Any]) -> dict[str, Any]:
    return personal_invoke(
        h,
        user,
        "adaptiveCard/action",
        {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"},
    )


def dumped(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


async def setup_county(h: BotHarness) -> tuple[dict[str, int], dict[str, int]]:
    units, ids = await seed_county(h.db, [("Krokom", SARA.aad_object_id, "coordinator")])
    await seed_values(h.db, units, ids)
    return units, ids


@ON_SQLITE
async def test_a_coordinator_sends_a_file_sees_a_preview_and_imports_on_confirm(
    bot: BotHarness, drive: FakeOneDrive
) -> None:
    h = bot
    units, ids = await setup_county(h)
    ref = last_month()
    earlier = ref.shift(-1)
    future = ref.shift(3)
    csv = (
        "indikator;enhet;period;värde\n"
        f"utskrivningsklara_dagar;Krokom;{earlier.label};2,4\n"  # row 2: changes 2,6 -> 2,4
        f"utskrivningsklara_dagar;Krokom;{ref.label};3,1\n"  # row 3: unchanged
        f"utskrivningsklara_dagar;Krokom;{ref.shift(1).label};31\n"  # row 4: 10x off, flagged
        f"utskrivningsklara_dagar;Östersund;{ref.label};1,0\n"  # row 5: not Sara's unit
        f"fast_lakarkontakt;Krokom;{ref.year + 1} Q1;140\n"  # row 6: share > 100, future
        f"utskrivningsklara_dagar;Krokom;{future.label};1,2\n"  # row 7: future
        "utskrivningsklara_dagar;Krokom;2020-01;-1\n"  # row 8: negative rate
    ).encode()
    url = drive.add_download(csv)
    await h.say(file_message(h, SARA, "värden.csv", url))
    posted = await h.connector.wait_for(lambda p: bool(p.cards))
    card = posted.cards[0]
    assert_valid_card(card)
    body = dumped(card)
    assert "Förhandsgranskning – värden.csv" in body
    assert '"Rader lästa", "value": "7"' in body
    assert '"Godtas", "value": "3"' in body and '"Nekas", "value": "4"' in body
    assert "1 nya, 1 ändrade, 1 oförändrade" in body
    assert "Rad 5: okänd enhet ”Östersund”" in body  # reads like a unit that does not exist
    assert "Rad 6:" in body and "en andel över 100 %" in body and "har inte börjat" in body
    assert "Rad 7:" in body and "Rad 8:" in body and "ett negativt värde" in body
    assert "Rad 4:" in body and "mer än tio gånger" in body
    assert "2,6 → 2,4" in body
    # Nothing imported before the confirm.
    async with h.db.read() as s:
        before = await indicators_repo.value_count(s)
    confirm = next(a for a in card["actions"] if a["verb"] == CONFIRM_VERB)

    # Another person cannot use the token; Nils has no role at all.
    status, resp = await h.post(execute(h, NILS, CONFIRM_VERB, confirm["data"]))
    assert status == 200 and "finns inte längre" in resp["value"]
    async with h.db.read() as s:
        assert await indicators_repo.value_count(s) == before

    status, resp = await h.post(execute(h, SARA, CONFIRM_VERB, confirm["data"]))
    assert status == 200
    assert "1 nya, 1 ändrade, 1 oförändrade" in dumped(resp["value"])
    async with h.db.read() as s:
        assert await indicators_repo.value_count(s) == before + 1
        values = await indicators_repo.load_values(
            s, {ids["utskrivningsklara_dagar"]: (earlier, ref.shift(1))}, [units["Krokom"]]
        )
    series = values[ids["utskrivningsklara_dagar"]][units["Krokom"]]
    assert series[earlier][0] == 2.4 and series[ref.shift(1)][0] == 31.0
    # Pressing again: the file is gone, nothing more happens.
    status, resp = await h.post(execute(h, SARA, CONFIRM_VERB, confirm["data"]))
    assert "finns inte längre" in resp["value"]


@ON_SQLITE
async def test_the_importers_reasons_on_the_preview_card_are_in_swedish(
    bot: BotHarness, drive: FakeOneDrive
) -> None:
    """Rows the importer refuses (unknown names, unreadable cells, wrong period kind) were
    listed in English on the Swedish card."""
    h = bot
    await setup_county(h)
    ref = last_month()
    csv = (
        "indikator;enhet;nämnare;period;värde\n"
        f"utskrivningsklara_dagr;Krokom;;{ref.label};2\n"  # row 2: unknown, with a hint
        "utskrivningsklara_dagar;Krokom;;2026-13;2\n"  # row 3: no month 13
        f"utskrivningsklara_dagar;Krokom;;{ref.label};sextio\n"  # row 4: not a number
        f"utskrivningsklara_dagar;Krokom;0;{ref.label};1,5\n"  # row 5: denominator 0
        f"utskrivningsklara_dagar;Krokom;;{ref.year} Q1;2\n"  # row 6: a quarter, not a month
        f"utskrivningsklara_dagar;;;{ref.label};1,2.5\n"  # row 7: no unit, ambiguous value
    ).encode()
    await h.say(file_message(h, SARA, "fel.csv", drive.add_download(csv)))
    posted = await h.connector.wait_for(lambda p: bool(p.cards))
    body = dumped(posted.cards[0])
    assert (
        "Rad 2: okänt mätetal ”utskrivningsklara\\\\_dagr” (menade du ”utskrivningsklara\\\\_dagar”?)"
        in body
    )
    assert "Rad 3: det finns ingen månad 13 i ”2026-13”" in body
    assert "Rad 4: värde: inte ett tal: ”sextio”" in body
    assert "Rad 5: nämnaren måste vara större än 0" in body
    row6 = f"Rad 6: utskrivningsklara\\\\_dagar redovisas per månad, men perioden {ref.year}-Q1"
    assert row6 + " är ett kvartal" in body
    assert "Rad 7: ingen enhet; värde: tvetydigt tal ”1,2.5”" in body
    english = ("unknown", "did you mean", "no month", "not a number", "denominator", "per month")
    assert not [word for word in english if word in body]


@ON_SQLITE
async def test_a_file_that_cannot_be_read_is_refused_in_swedish(
    bot: BotHarness, drive: FakeOneDrive
) -> None:
    h = bot
    await setup_county(h)
    csv = b"namn;enhet;antal\nx;Krokom;2\n"
    await h.say(file_message(h, SARA, "fel.csv", drive.add_download(csv)))
    said = await h.connector.wait_for(lambda p: "Filen gick inte att läsa" in p.text)
    assert (
        "rad 1: kolumn saknas: indikator, period, värde (hittade: namn, enhet, antal)" in said.text
    )


@ON_SQLITE
async def test_someone_without_a_coordinator_role_is_refused_and_nothing_is_fetched(
    bot: BotHarness, drive: FakeOneDrive
) -> None:
    h = bot
    await setup_county(h)
    url = drive.add_download(b"indikator;enhet;period;v\xc3\xa4rde\n")
    await h.say(file_message(h, NILS, "värden.csv", url))
    await h.connector.wait_for(lambda p: "inte samordnare" in p.text)


@ON_SQLITE
async def test_a_file_with_a_personnummer_is_refused_and_not_kept(
    bot: BotHarness, drive: FakeOneDrive
) -> None:
    h = bot
    await setup_county(h)
    csv = (
        "indikator;enhet;period;värde;källa\n"
        f"utskrivningsklara_dagar;Krokom;{last_month().label};2;Journal 19121212-1212\n"
    )
    await h.say(file_message(h, SARA, "v.csv", drive.add_download(csv.encode())))
    await h.connector.wait_for(lambda p: "personnummer" in p.text and "inte sparat" in p.text)
    async with h.db.read() as s:
        assert (await s.execute(select(HeldFile))).scalars().all() == []


@ON_SQLITE
async def test_a_download_url_off_sharepoint_is_never_fetched(
    bot: BotHarness, drive: FakeOneDrive
) -> None:
    h = bot
    await setup_county(h)
    await h.say(file_message(h, SARA, "värden.csv", "http://169.254.169.254/latest/meta-data"))
    await h.connector.wait_for(lambda p: "filadress jag inte får använda" in p.text)


@ON_SQLITE
async def test_an_excel_file_previews_and_cancel_forgets_it(
    bot: BotHarness, drive: FakeOneDrive
) -> None:
    h = bot
    await setup_county(h)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Indikator", "Enhet", "Period", "Värde"])
    sheet.append(["utskrivningsklara_dagar", "Krokom", last_month().label, 2])
    buf = io.BytesIO()
    book.save(buf)
    await h.say(file_message(h, SARA, "v.xlsx", drive.add_download(buf.getvalue())))
    posted = await h.connector.wait_for(lambda p: bool(p.cards))
    assert "1 ändrade" in dumped(posted.cards[0])
    cancel = next(a for a in posted.cards[0]["actions"] if a["verb"] == CANCEL_VERB)
    _, resp = await h.post(execute(h, SARA, CANCEL_VERB, cancel["data"]))
    assert "inget importerades" in dumped(resp["value"])
    confirm = next(a for a in posted.cards[0]["actions"] if a["verb"] == CONFIRM_VERB)
    _status, resp = await h.post(execute(h, SARA, CONFIRM_VERB, confirm["data"]))
    assert "finns inte längre" in resp["value"]


async def test_an_export_is_offered_uploaded_on_allow_and_shown_as_a_file(
    bot: BotHarness, drive: FakeOneDrive
) -> None:
    """Runs on both backends: the held bytes are stored between the two turns."""
    h = bot
    await setup_county(h)
    await h.say(h.teams.personal_message(SARA, "exportera värden Krokom"))
    posted = await h.connector.wait_for(
        lambda p: any(
            a.get("contentType") == FILE_CONSENT_CARD for a in p.activity.get("attachments") or []
        )
    )
    consent = posted.activity["attachments"][0]
    assert consent["name"].endswith(".csv")
    size = consent["content"]["sizeInBytes"]
    context = consent["content"]["acceptContext"]

    # Someone else answering with the same context gets nothing.
    upload_url = drive.upload_url(consent["name"])
    accept = {
        "type": "fileUpload",
        "action": "accept",
        "context": context,
        "uploadInfo": {
            "contentUrl": f"https://contoso.sharepoint.com/personal/sara/Documents/Applications/{consent['name']}",
            "name": consent["name"],
            "uploadUrl": upload_url,
            "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C9D",
            "fileType": "csv",
        },
    }
    status, _ = await h.post(personal_invoke(h, NILS, "fileConsent/invoke", accept))
    assert status == 200
    await h.connector.wait_for(lambda p: "finns inte längre" in p.text)
    assert drive.uploads == []

    # An upload URL off SharePoint is refused, the file kept.
    bad = {**accept, "uploadInfo": {**accept["uploadInfo"], "uploadUrl": "https://evil.example/x"}}
    await h.post(personal_invoke(h, SARA, "fileConsent/invoke", bad))
    await h.connector.wait_for(lambda p: "filadress jag inte får använda" in p.text)

    status, _ = await h.post(personal_invoke(h, SARA, "fileConsent/invoke", accept))
    assert status == 200
    info = await h.connector.wait_for(
        lambda p: any(
            a.get("contentType") == FILE_INFO_CARD for a in p.activity.get("attachments") or []
        )
    )
    attachment = info.activity["attachments"][0]
    assert attachment["name"] == consent["name"]
    assert attachment["contentUrl"] == accept["uploadInfo"]["contentUrl"]
    assert len(drive.uploads) == 1
    upload = drive.uploads[0]
    assert len(upload.data) == size and upload.content_range == f"bytes 0-{size - 1}/{size}"
    text = upload.data.decode("utf-8-sig")
    assert text.splitlines()[0] == "indikator;enhet;period;värde;nämnare;källa"
    assert "utskrivningsklara_dagar;Krokom;" in text and "Östersund" not in text
    # Allow pressed twice: already uploaded, nothing sent twice.
    await h.post(personal_invoke(h, SARA, "fileConsent/invoke", accept))
    assert len(drive.uploads) == 1


@ON_SQLITE
async def test_declining_an_export_forgets_it(bot: BotHarness, drive: FakeOneDrive) -> None:
    h = bot
    await setup_county(h)
    await h.say(h.teams.personal_message(SARA, "export values Krokom"))
    posted = await h.connector.wait_for(
        lambda p: any(
            a.get("contentType") == FILE_CONSENT_CARD for a in p.activity.get("attachments") or []
        )
    )
    context = posted.activity["attachments"][0]["content"]["declineContext"]
    decline = {"type": "fileUpload", "action": "decline", "context": context}
    status, _ = await h.post(personal_invoke(h, SARA, "fileConsent/invoke", decline))
    assert status == 200
    await h.connector.wait_for(lambda p: "ingen fil" in p.text)


@ON_SQLITE
async def test_exports_are_refused_outside_the_persons_reach_and_outside_the_personal_chat(
    bot: BotHarness, drive: FakeOneDrive
) -> None:
    h = bot
    await setup_county(h)
    await h.say(h.teams.personal_message(NILS, "export values Krokom"))
    await h.connector.wait_for(lambda p: "ingen enhet Krokom som du når" in p.text)


async def _krokom_with_a_closed_pulse(h: BotHarness) -> None:
    """The example county; Krokom's channel bound, and a closed pulse of five answers there."""
    units, _ids = await setup_county(h)
    async with h.db.session() as s:
        krokom = await s.get(Unit, units["Krokom"])
        assert krokom is not None
        await bind_channel(s, krokom)
    await closed_pulse(h.db, krokom, datetime(2026, 9, 7, 8, tzinfo=UTC), [3, 4, 4, 5, 5])


@ON_SQLITE
async def test_pulse_results_come_as_an_excel_file_with_aggregates_only(
    bot: BotHarness, drive: FakeOneDrive
) -> None:
    h = bot
    await _krokom_with_a_closed_pulse(h)
    await h.say(h.teams.personal_message(SARA, "exportera puls Krokom"))
    name, upload = await accept_offer(h, drive, SARA)
    assert name.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(upload.data)).active
    assert sheet is not None
    rows = [[c for c in r] for r in sheet.iter_rows(values_only=True)]
    collab = [r for r in rows[1:] if r[0] == "Krokom" and r[6] == "collab"]
    # The distribution of the five answers, and their mean; nobody's single answer.
    assert sorted((r[10], r[12]) for r in collab if r[10] is not None) == [
        ("1", 0),
        ("2", 0),
        ("3", 1),
        ("4", 2),
        ("5", 2),
    ]
    assert collab[0][14] == 4.2


@ON_SQLITE
async def test_pulse_results_are_refused_to_staff_and_outside_the_personal_chat(
    bot: BotHarness, drive: FakeOneDrive
) -> None:
    h = bot
    await _krokom_with_a_closed_pulse(h)
    async with h.db.session() as s:
        # Nils has been seen in Krokom's channel: Krokom is in his reach, but he has no role.
        await members_repo.record(
            s,
            conversation_id="19:Krokom@thread.tacv2",
            team_id="team",
            tenant_id=TENANT,
            aad_object_ids=[NILS.aad_object_id],
        )
    await h.say(h.teams.personal_message(NILS, "exportera puls Krokom"))
    await h.connector.wait_for(lambda p: "Det här får bara" in p.text and "Krokom" in p.text)
    await h.say(h.teams.personal_message(SARA, "exportera puls Östersund"))  # not hers
    await h.connector.wait_for(lambda p: "ingen enhet Östersund som du når" in p.text)
    await h.say(h.teams.channel_message(new_channel(), SARA, "exportera puls Krokom"))
    await h.connector.wait_for(lambda p: "personliga chatt" in p.text)
    assert drive.uploads == []
    async with h.db.read() as s:
        assert (await s.execute(select(HeldFile))).scalars().all() == []
