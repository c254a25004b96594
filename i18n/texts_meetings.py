"""Texts for meetings, agendas, decisions and action items (sv + en).

Merged into i18n.texts.TEXTS at import, so `t(lang, "mtg....")` works everywhere.
"""

from __future__ import annotations

MEETING_TEXTS: dict[str, dict[str, str]] = {
    # Help card lines.
    "cmd.meeting": {
        "sv": "Mötesserier: visa, `möte ny ‹regel› | ‹plats›`, `möte ändra`, `möte ställ in ‹datum›`, `möte flytta ‹datum› till ‹datum›`",
        "en": "Meeting series: show, `meeting new ‹rule› | ‹place›`, `meeting change`, `meeting cancel ‹date›`, `meeting move ‹date› to ‹date›`",
    },
    "cmd.agenda": {
        "sv": "Dagordningen för nästa möte; `dagordning lägg till ‹text›`, `dagordning flytta 3 1`, `dagordning godkänn 2`, `dagordning klar 2`, `dagordning ta bort 2`",
        "en": "The next meeting's agenda; `agenda add ‹text›`, `agenda move 3 1`, `agenda accept 2`, `agenda handled 2`, `agenda remove 2`",
    },
    "cmd.decision": {
        "sv": "För in ett beslut: `beslut [punkt 2:] ‹text›` eller `beslut lyft #12 ‹motivering›`",
        "en": "Record a decision: `decision [item 2:] ‹text›` or `decision lift #12 ‹reason›`",
    },
    "cmd.action": {
        "sv": "Ny åtgärd: `åtgärd ‹text› @person senast ‹datum›`",
        "en": "New action item: `action ‹text› @person due ‹date›`",
    },
    "cmd.actions": {"sv": "Öppna åtgärder", "en": "Open action items"},
    "cmd.done": {
        "sv": "Markera en åtgärd som klar: `klar ‹nr›`",
        "en": "Mark an action item done: `done ‹no›`",
    },
    "cmd.minutes": {
        "sv": "Protokollet från senaste mötet (eller `protokoll ‹datum›`)",
        "en": "The minutes of the latest meeting (or `minutes ‹date›`)",
    },
    # Common.
    "mtg.unbound": {
        "sv": "Den här kanalen är inte kopplad till någon enhet. En samordnare skriver `setup ‹enhet›` först.",
        "en": "This channel is not bound to a unit. A coordinator types `setup ‹unit›` first.",
    },
    "mtg.no_series": {
        "sv": "**{unit}** har inga möten inlagda. En samordnare skriver t.ex. `möte ny första tisdagen varje månad 13–15 | Teams`.",
        "en": "**{unit}** has no meetings set up. A coordinator types e.g. `meeting new first tuesday monthly 13-15 | Teams`.",
    },
    "mtg.no_next": {
        "sv": "Inget kommande möte för **{unit}**.",
        "en": "No upcoming meeting for **{unit}**.",
    },
    "mtg.no_meeting_on": {
        "sv": "**{unit}** har inget möte {day}.",
        "en": "**{unit}** has no meeting on {day}.",
    },
    "mtg.no_latest": {
        "sv": "Inget möte har hållits än, så det finns inget att föra in det på. Nästa möte: {next}.",
        "en": "No meeting has been held yet, so there is nothing to record it on. Next meeting: {next}.",
    },
    "mtg.none": {"sv": "inget inlagt", "en": "none set up"},
    "mtg.when": {"sv": "När", "en": "When"},
    "mtg.where": {"sv": "Var", "en": "Where"},
    "mtg.rule": {"sv": "Återkommer", "en": "Recurs"},
    "mtg.next": {"sv": "Kommande", "en": "Upcoming"},
    "mtg.reminders": {"sv": "Påminnelser", "en": "Reminders"},
    "mtg.days_before": {"sv": "{days} dagar före", "en": "{days} days before"},
    "mtg.day_before": {"sv": "1 dag före", "en": "1 day before"},
    "mtg.cancelled": {"sv": "inställt", "en": "cancelled"},
    "mtg.over": {"sv": "över", "en": "over"},
    "mtg.default_name": {"sv": "Samverkansmöte", "en": "Collaboration meeting"},
    "mtg.moved": {"sv": "flyttat", "en": "moved"},
    "mtg.series_title": {"sv": "Möten för {unit}", "en": "Meetings of {unit}"},
    "mtg.range": {"sv": "{start}–{end}", "en": "{start}–{end}"},
    # Errors people can fix.
    "mtg.err.empty": {"sv": "Skriv en text också.", "en": "Write a text too."},
    "mtg.err.too_long": {
        "sv": "Texten är för lång ({length} tecken). Korta den till högst {limit} tecken.",
        "en": "The text is too long ({length} characters). Shorten it to at most {limit}.",
    },
    "mtg.err.past_due": {
        "sv": "Datumet {due} har redan varit. Ange ett datum från och med i dag, t.ex. `senast imorgon` eller `senast 3/12`.",
        "en": "{due} is in the past. Give a date from today on, e.g. `due tomorrow` or `due 3/12`.",
    },
    "mtg.err.past_date": {
        "sv": "Den tiden har redan varit. Välj en tid framåt.",
        "en": "That time has passed. Choose a time ahead.",
    },
    "mtg.err.bad_date": {
        "sv": 'Jag förstår inte datumet "{text}". Skriv t.ex. `2026-12-03`, `3/12`, `3 dec`, `imorgon` eller `nästa tisdag`.',
        "en": 'I don\'t understand the date "{text}". Write e.g. `2026-12-03`, `3/12`, `3 dec`, `tomorrow` or `next tuesday`.',
    },
    "mtg.err.no_weekday": {
        "sv": "Vilken veckodag? Skriv t.ex. `första tisdagen varje månad 13–15` eller `varannan torsdag 9-10`.",
        "en": "Which weekday? Write e.g. `first tuesday monthly 13-15` or `every other thursday 9-10`.",
    },
    "mtg.err.no_time": {
        "sv": "Vilken tid? Lägg till t.ex. `13–15` eller `kl. 8.30`.",
        "en": "What time? Add e.g. `13-15` or `at 8.30`.",
    },
    "mtg.err.bad_time": {
        "sv": "Tiden går inte ihop – skriv t.ex. `13–15` eller `9.30-11`.",
        "en": "The time doesn't add up – write e.g. `13-15` or `9.30-11`.",
    },
    "mtg.err.bad_interval": {
        "sv": "Så glesa möten kan jag inte planera – högst var tolfte vecka, månad eller år.",
        "en": "I can't plan meetings that far apart – at most every twelfth week, month or year.",
    },
    "mtg.err.unknown_words": {
        "sv": "Jag förstod inte {words} i regeln, så jag har inte sparat den. Skriv t.ex. `första och tredje tisdagen varje månad 13–15`, `varannan torsdag 9–10`, `tisdagar udda veckor 13–14` eller `sista söndagen i mars 10–12`.",
        "en": "I didn't understand {words} in the rule, so I haven't saved it. Write e.g. `first and third tuesday monthly 13-15`, `every other thursday 9-10`, `odd weeks tuesday 13-14` or `last sunday of march 10-12`.",
    },
    "mtg.err.conflict": {
        "sv": "Delarna {words} i regeln går inte ihop. Behåll en av dem, t.ex. `första tisdagen varje månad 13–15` eller `varannan tisdag 13–15`.",
        "en": "The parts {words} of the rule don't go together. Keep one of them, e.g. `first tuesday monthly 13-15` or `every other tuesday 13-15`.",
    },
    "mtg.err.no_ordinal": {
        "sv": "Vilken i månaden? Skriv t.ex. `första tisdagen varje månad 13–15`, `första tisdagen och tredje torsdagen 13–15` eller `varje tisdag 13–15`.",
        "en": "Which one of the month? Write e.g. `first tuesday monthly 13-15`, `first tuesday and third thursday 13-15` or `every tuesday 13-15`.",
    },
    "mtg.err.bad_count": {
        "sv": "Antalet möten ska vara mellan 1 och 500, t.ex. `varannan torsdag 9–10 10 gånger`.",
        "en": "The number of meetings must be from 1 to 500, e.g. `every other thursday 9-10 10 times`.",
    },
    "mtg.err.bad_week": {
        "sv": "Veckonumret {words} finns inte – veckorna går från 1 till 53, t.ex. `tisdag vecka 10, 20 och 30 13–15`.",
        "en": "The week number {words} doesn't exist – weeks go from 1 to 53, e.g. `tuesday weeks 10, 20 and 30 13-15`.",
    },
    "mtg.err.past_end": {
        "sv": "Slutdatumet kommer före första mötet. Ange ett senare, t.ex. `första tisdagen varje månad 13–15 till och med 2027-06-30`.",
        "en": "The end date comes before the first meeting. Give a later one, e.g. `first tuesday monthly 13-15 until 2027-06-30`.",
    },
    "mtg.err.never": {
        "sv": "Den regeln ger inget möte de närmaste tio åren. Skriv t.ex. `första tisdagen varje månad 13–15`.",
        "en": "That rule gives no meeting in the next ten years. Write e.g. `first tuesday monthly 13-15`.",
    },
    "mtg.err.no_number": {
        "sv": "Det finns ingen punkt {number} på dagordningen (den har {count}). Skriv `dagordning` för att se numren.",
        "en": "There is no item {number} on the agenda (it has {count}). Type `agenda` to see the numbers.",
    },
    "mtg.err.unknown_person": {
        "sv": 'Jag vet inte vem "{name}" är. @-nämn personen så att Teams föreslår namnet, t.ex. `åtgärd Ring kommunen @Nils senast 3/12`.',
        "en": 'I don\'t know who "{name}" is. @mention the person so Teams suggests the name, e.g. `action Call the municipality @Nils due 3/12`.',
    },
    "mtg.err.series_number": {
        "sv": "Det finns ingen mötesserie {number}. Skriv `möte` för att se dem.",
        "en": "There is no meeting series {number}. Type `meeting` to see them.",
    },
    "mtg.err.which_series": {
        "sv": "Enheten har flera mötesserier – ange vilken med nummer först, t.ex. `möte ändra 2 …`.",
        "en": "The unit has several meeting series – say which by number first, e.g. `meeting change 2 …`.",
    },
    # Meeting command.
    "mtg.usage": {
        "sv": "Skriv `möte ny ‹namn› ‹när› | ‹plats›`, `möte ändra [nr] ‹när› | ‹plats›`, `möte ställ in ‹datum›`, `möte flytta ‹datum› till ‹datum› [tid]` eller `möte avsluta [nr]`.",
        "en": "Type `meeting new ‹name› ‹when› | ‹place›`, `meeting change [no] ‹when› | ‹place›`, `meeting cancel ‹date›`, `meeting move ‹date› to ‹date› [time]` or `meeting end [no]`.",
    },
    "mtg.new_usage": {
        "sv": "Skriv `möte ny ‹namn› ‹när› | ‹plats›`, till exempel `möte ny Ledningsgrupp första tisdagen varje månad 13–15 | Rum 2`.",
        "en": "Type `meeting new ‹name› ‹when› | ‹place›`, for example `meeting new Steering group first tuesday monthly 13-15 | Room 2`.",
    },
    "mtg.new_needs_name": {
        "sv": "Enheten har redan {names}. En ny serie behöver ett eget namn: `möte ny ‹namn› {rule}`, till exempel `möte ny Ledningsgrupp {rule}`. Vill du ändra en befintlig serie skriver du `möte ändra [nr] {rule}`.",
        "en": "The unit already has {names}. A new series needs a name of its own: `meeting new ‹name› {rule}`, for example `meeting new Steering group {rule}`. To change an existing series, type `meeting change [no] {rule}`.",
    },
    "mtg.series_exists": {
        "sv": "Det finns redan en serie som heter **{name}**. Välj ett annat namn, eller ändra den med `möte ändra`.",
        "en": "There is already a series called **{name}**. Pick another name, or change it with `meeting change`.",
    },
    "mtg.created": {
        "sv": "Klart: **{name}** {rule}. Nästa möte: {next}. Påminnelse med dagordning kommer hit {leads}.",
        "en": "Done: **{name}** {rule}. Next meeting: {next}. A reminder with the agenda comes here {leads}.",
    },
    "mtg.changed": {
        "sv": "Ändrat: **{name}** {rule}. Nästa möte: {next}.",
        "en": "Changed: **{name}** {rule}. Next meeting: {next}.",
    },
    "mtg.ended": {
        "sv": "Mötesserien **{name}** är avslutad. Öppna punkter och åtgärder finns kvar.",
        "en": "The meeting series **{name}** has ended. Open items and action items are kept.",
    },
    "mtg.cancelled_done": {
        "sv": "Mötet {when} är inställt. Punkterna på dagordningen flyttas till nästa möte.",
        "en": "The meeting {when} is cancelled. Its agenda items move to the next meeting.",
    },
    "mtg.already_cancelled": {
        "sv": "Mötet {when} är redan inställt. Inget ändrat.",
        "en": "The meeting {when} is already cancelled. Nothing changed.",
    },
    "mtg.moved_done": {
        "sv": "Mötet är flyttat till {when}. Påminnelserna följer med.",
        "en": "The meeting is moved to {when}. The reminders follow.",
    },
    "mtg.move_usage": {
        "sv": "Skriv `möte flytta ‹datum› till ‹datum› [tid]`, t.ex. `möte flytta 1/12 till 3/12 13-15`.",
        "en": "Type `meeting move ‹date› to ‹date› [time]`, e.g. `meeting move 1/12 to 3/12 13-15`.",
    },
    "mtg.lead_list": {"sv": "{leads} före", "en": "{leads} before"},
    "mtg.and": {"sv": "och", "en": "and"},
    "mtg.days": {"sv": "{n} dagar", "en": "{n} days"},
    "mtg.one_day": {"sv": "1 dag", "en": "1 day"},
    # Agenda.
    "mtg.agenda_title": {"sv": "Dagordning – {name}", "en": "Agenda – {name}"},
    "mtg.reminder_title": {"sv": "Påminnelse: {name} {when}", "en": "Reminder: {name} {when}"},
    "mtg.reminder_in": {"sv": "Om {days} dagar", "en": "In {days} days"},
    "mtg.reminder_tomorrow": {"sv": "I morgon", "en": "Tomorrow"},
    "mtg.reminder_today": {"sv": "I dag", "en": "Today"},
    "mtg.standing": {"sv": "Stående punkter", "en": "Standing points"},
    "mtg.items": {"sv": "Punkter", "en": "Items"},
    "mtg.no_items": {
        "sv": "Inga punkter föreslagna än.",
        "en": "No items proposed yet.",
    },
    "mtg.actions_due": {"sv": "Åtgärder att följa upp", "en": "Action items to follow up"},
    "mtg.answer_mark": {"sv": "Svar från annan nivå", "en": "Answer from another level"},
    "mtg.carried_mark": {"sv": "från förra mötet", "en": "from the last meeting"},
    "mtg.by": {"sv": "föreslagen av {name}", "en": "proposed by {name}"},
    "mtg.status.proposed": {"sv": "föreslagen", "en": "proposed"},
    "mtg.status.accepted": {"sv": "godkänd", "en": "accepted"},
    "mtg.status.handled": {"sv": "behandlad", "en": "handled"},
    "mtg.status.removed": {"sv": "struken", "en": "removed"},
    "mtg.propose_label": {"sv": "Föreslå en punkt", "en": "Propose an item"},
    "mtg.propose_placeholder": {
        "sv": "T.ex. Uppföljning av utskrivningsklara dagar",
        "en": "E.g. Follow-up of days ready for discharge",
    },
    "mtg.propose": {"sv": "Föreslå", "en": "Propose"},
    "mtg.accept": {"sv": "Godkänn", "en": "Accept"},
    "mtg.handled": {"sv": "Behandlad", "en": "Handled"},
    "mtg.remove": {"sv": "Stryk", "en": "Remove"},
    "mtg.is_cancelled": {
        "sv": "Det här mötet är inställt. Punkterna flyttas till nästa möte.",
        "en": "This meeting is cancelled. Its items move to the next meeting.",
    },
    "mtg.superseded": {
        "sv": "Uppdaterad {when} – den här dagordningen gäller.",
        "en": "Updated {when} – this agenda is the current one.",
    },
    "mtg.item_added": {
        "sv": "Punkt {number} på dagordningen för {when}: {text}",
        "en": "Item {number} on the agenda for {when}: {text}",
    },
    "mtg.item_status": {
        "sv": "Punkt {number} ({text}) är nu {status}.",
        "en": "Item {number} ({text}) is now {status}.",
    },
    "mtg.item_moved": {
        "sv": "Punkt {from_} är nu nummer {to}.",
        "en": "Item {from_} is now number {to}.",
    },
    "mtg.agenda_usage": {
        "sv": "Skriv `dagordning`, `dagordning ‹datum›`, `dagordning lägg till ‹text›`, `dagordning flytta 3 1`, `dagordning godkänn 2`, `dagordning klar 2` eller `dagordning ta bort 2`.",
        "en": "Type `agenda`, `agenda ‹date›`, `agenda add ‹text›`, `agenda move 3 1`, `agenda accept 2`, `agenda handled 2` or `agenda remove 2`.",
    },
    "mtg.stale_item": {
        "sv": "Punkten är redan {status} – inget ändrat. Så här ser dagordningen ut nu.",
        "en": "The item is already {status} – nothing changed. This is the agenda now.",
    },
    "mtg.stale_meeting": {
        "sv": "Mötet {when} är {status} – inget ändrat.",
        "en": "The meeting {when} is {status} – nothing changed.",
    },
    "mtg.stale_over": {
        "sv": "Mötet {when} har redan varit – inget ändrat. Föreslå punkten till nästa möte med `dagordning lägg till ‹text›`.",
        "en": "The meeting {when} is over – nothing changed. Propose the item for the next meeting with `agenda add ‹text›`.",
    },
    "mtg.standing.1": {
        "sv": "Aktuella gemensamma kvalitetsindikatorer",
        "en": "Current shared quality indicators",
    },
    "mtg.standing.2": {
        "sv": "Prevention, gemensamma utmaningar, resurser och möjligheter",
        "en": "Prevention, shared challenges, resources and opportunities",
    },
    "mtg.standing.3": {
        "sv": "Goda exempel och förbättringsförslag i samverkan",
        "en": "Good examples and improvement proposals in collaboration",
    },
    # Decisions.
    "mtg.decision_usage": {
        "sv": "Skriv `beslut ‹text›`, `beslut punkt 2: ‹text›` eller `beslut lyft #12 ‹motivering›`.",
        "en": "Type `decision ‹text›`, `decision item 2: ‹text›` or `decision lift #12 ‹reason›`.",
    },
    "mtg.decided": {
        "sv": "Beslut fört till mötet {when}: {text}",
        "en": "Decision recorded for the meeting {when}: {text}",
    },
    "mtg.decided_on_item": {
        "sv": "Beslut fört till mötet {when}, punkt {number}: {text}",
        "en": "Decision recorded for the meeting {when}, item {number}: {text}",
    },
    "mtg.lifted": {
        "sv": "Ärende #{id} är lyft till **{to}**: {text}",
        "en": "Item #{id} is lifted to **{to}**: {text}",
    },
    "mtg.lift_elsewhere": {
        "sv": "Ärende #{id} ligger hos **{at}**, inte hos {unit}: bara den enheten kan lyfta det. Inget ändrat.",
        "en": "Item #{id} is at **{at}**, not at {unit}: only that unit can lift it. Nothing changed.",
    },
    "mtg.lift_decision": {"sv": "Lyfts till nästa nivå", "en": "Lifted to the next level"},
    # Actions.
    "mtg.action_usage": {
        "sv": "Skriv `åtgärd ‹vad› @person senast ‹datum›`, t.ex. `åtgärd Ring kommunen @Nils senast 3/12`.",
        "en": "Type `action ‹what› @person due ‹date›`, e.g. `action Call the municipality @Nils due 3/12`.",
    },
    "mtg.action_added": {
        "sv": "Åtgärd #{id}: {text} – {owner}, senast {due}.",
        "en": "Action item #{id}: {text} – {owner}, due {due}.",
    },
    "mtg.action_owner_note": {
        "sv": "Du har fått en åtgärd i **{unit}**: {text} – senast {due}. Skriv `klar {id}` i kanalen när den är gjord.",
        "en": "You have an action item in **{unit}**: {text} – due {due}. Type `done {id}` in the channel when it is done.",
    },
    "mtg.actions_title": {"sv": "Öppna åtgärder – {unit}", "en": "Open action items – {unit}"},
    "mtg.no_actions": {"sv": "Inga öppna åtgärder.", "en": "No open action items."},
    "mtg.action_line": {
        "sv": "**#{id}** {text} – {owner}, senast {due}",
        "en": "**#{id}** {text} – {owner}, due {due}",
    },
    "mtg.overdue": {"sv": "försenad", "en": "overdue"},
    "mtg.mark_done": {"sv": "Klar #{id}", "en": "Done #{id}"},
    "mtg.done_usage": {
        "sv": "Skriv `klar ‹nr›`, t.ex. `klar 12`. `åtgärder` visar numren.",
        "en": "Type `done ‹no›`, e.g. `done 12`. `actions` shows the numbers.",
    },
    "mtg.done": {"sv": "Åtgärd #{id} är klar: {text}", "en": "Action item #{id} is done: {text}"},
    "mtg.already_done": {
        "sv": "Åtgärd #{id} är redan klar – inget ändrat.",
        "en": "Action item #{id} is already done – nothing changed.",
    },
    "mtg.no_action": {
        "sv": "Det finns ingen åtgärd #{id} här. `åtgärder` visar de öppna.",
        "en": "There is no action item #{id} here. `actions` shows the open ones.",
    },
    "mtg.done_denied": {
        "sv": "Bara den som har åtgärden ({owner}) eller en samordnare för {unit} kan markera den som klar.",
        "en": "Only the owner ({owner}) or a coordinator of {unit} can mark it done.",
    },
    # Minutes.
    "mtg.minutes_title": {"sv": "Protokoll – {name}", "en": "Minutes – {name}"},
    "mtg.decisions": {"sv": "Beslut", "en": "Decisions"},
    "mtg.no_decisions": {"sv": "Inga beslut.", "en": "No decisions."},
    "mtg.actions": {"sv": "Åtgärder", "en": "Action items"},
    "mtg.no_new_actions": {"sv": "Inga nya åtgärder.", "en": "No new action items."},
    "mtg.lifted_title": {"sv": "Lyft till annan nivå", "en": "Lifted to another level"},
    "mtg.nothing_lifted": {"sv": "Inget lyftes.", "en": "Nothing was lifted."},
    "mtg.agenda_outcome": {"sv": "Dagordningen", "en": "The agenda"},
    "mtg.goes_on": {"sv": "flyttas till nästa möte", "en": "moves to the next meeting"},
    "mtg.no_minutes": {
        "sv": "Inget möte har hållits än för **{unit}**.",
        "en": "No meeting has been held yet for **{unit}**.",
    },
}
