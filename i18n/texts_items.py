"""Texts for items and escalation (ärenden och lyft); merged into i18n.texts.TEXTS."""

from __future__ import annotations

ITEM_TEXTS: dict[str, dict[str, str]] = {
    "cmd.raise": {
        "sv": "Skapa ett ärende (hinder, fråga, förslag): `ärende ‹rubrik›`",
        "en": "Raise an item (barrier, question, proposal): `raise ‹title›`",
    },
    "cmd.items": {
        "sv": "Visa enhetens öppna ärenden: `ärenden [mina|försenade|lyfta]`",
        "en": "List the unit's open items: `items [mine|overdue|escalated]`",
    },
    "cmd.escalate": {
        "sv": "Lyft ett ärende uppåt i kedjan: `lyft ‹nr› ‹skäl›`",
        "en": "Lift an item up the chain: `escalate ‹n› ‹reason›`",
    },
    "cmd.item": {"sv": "Visa ett ärende: `visa ‹nr›`", "en": "Show an item: `item ‹n›`"},
    # Kinds, statuses, events.
    "item.kind.barrier": {"sv": "Hinder", "en": "Barrier"},
    "item.kind.question": {"sv": "Fråga", "en": "Question"},
    "item.kind.proposal": {"sv": "Förslag", "en": "Proposal"},
    "item.status.open": {"sv": "Öppet", "en": "Open"},
    "item.status.acknowledged": {"sv": "Kvitterat", "en": "Acknowledged"},
    "item.status.resolved": {"sv": "Löst", "en": "Resolved"},
    "item.status.sent_back": {"sv": "Tillbakaskickat", "en": "Sent back"},
    "item.event.created": {"sv": "skapade ärendet", "en": "raised the item"},
    "item.event.assigned": {"sv": "tilldelade", "en": "assigned"},
    "item.event.commented": {"sv": "kommenterade", "en": "commented"},
    "item.event.acknowledged": {"sv": "kvitterade", "en": "acknowledged"},
    "item.event.escalated": {"sv": "lyfte till {to}", "en": "lifted to {to}"},
    "item.event.reminded": {"sv": "påminnelse (ej kvitterat)", "en": "reminder (unacknowledged)"},
    "item.event.flagged_top": {
        "sv": "kan inte lyftas högre – olöst på högsta nivån",
        "en": "cannot go higher – unresolved at the top",
    },
    "item.event.resolved": {"sv": "löste", "en": "resolved"},
    "item.event.sent_back": {"sv": "skickade tillbaka till {to}", "en": "sent back to {to}"},
    "item.event.delivered": {"sv": "kortet levererat", "en": "card delivered"},
    "item.bot": {"sv": "Samverkan (automatiskt)", "en": "Samverkan (automatic)"},
    "item.someone": {"sv": "en medarbetare", "en": "a colleague"},
    # Card.
    "item.title": {"sv": "Ärende #{id}: {title}", "en": "Item #{id}: {title}"},
    "item.f.kind": {"sv": "Typ", "en": "Kind"},
    "item.f.status": {"sv": "Status", "en": "Status"},
    "item.f.origin": {"sv": "Från", "en": "Raised in"},
    "item.f.current": {"sv": "Ligger hos", "en": "Now with"},
    "item.f.topic": {"sv": "Målgrupp", "en": "Topic"},
    "item.f.owner": {"sv": "Ansvarig", "en": "Owner"},
    "item.f.due": {"sv": "Klart senast", "en": "Due"},
    "item.f.age": {"sv": "Ålder", "en": "Age"},
    "item.f.path": {"sv": "Väg", "en": "Path"},
    "item.age.one": {"sv": "{count} dag", "en": "{count} day"},
    "item.age.other": {"sv": "{count} dagar", "en": "{count} days"},
    "item.age_zero": {"sv": "från i dag", "en": "from today"},
    "item.nobody": {"sv": "ingen än", "en": "nobody yet"},
    "item.none": {"sv": "–", "en": "–"},
    "item.trail": {"sv": "Historik", "en": "Trail"},
    "item.trail_more.one": {"sv": "… {count} äldre händelse", "en": "… {count} earlier event"},
    "item.trail_more.other": {"sv": "… {count} äldre händelser", "en": "… {count} earlier events"},
    "item.answer": {"sv": "Svar", "en": "Answer"},
    "item.at_top": {
        "sv": "⚑ Kan inte lyftas högre: ärendet är öppet på högsta nivån och visas i länets sammanställning.",
        "en": "⚑ Cannot go higher: the item is open at the top and shows in the county digest.",
    },
    "item.pending": {
        "sv": "⏳ {unit} har ingen kanal än – kortet väntar och skickas när en kanal kopplas.",
        "en": "⏳ {unit} has no channel yet – the card waits and goes out once one is bound.",
    },
    "item.head.escalated": {
        "sv": "Lyft hit från {unit}",
        "en": "Lifted here from {unit}",
    },
    "item.head.reason": {"sv": "Skäl: {reason}", "en": "Reason: {reason}"},
    "item.head.answer": {"sv": "Svar från {unit}", "en": "Answer from {unit}"},
    "item.head.sent_back": {"sv": "Skickat tillbaka från {unit}", "en": "Sent back from {unit}"},
    "item.head.reminder": {
        "sv": "Påminnelse {n}: ärendet är inte kvitterat",
        "en": "Reminder {n}: the item is not acknowledged",
    },
    "item.head.flagged": {
        "sv": "Ärendet är olöst på högsta nivån",
        "en": "The item is unresolved at the top",
    },
    "item.head.created": {"sv": "Nytt ärende", "en": "New item"},
    "item.stale": {
        "sv": "Det här kortet var inaktuellt – inget ändrades. Så här ser ärendet ut nu:",
        "en": "This card was out of date – nothing changed. This is the item now:",
    },
    # Actions.
    "item.a.assign": {"sv": "Tilldela", "en": "Assign"},
    "item.a.comment": {"sv": "Kommentera", "en": "Comment"},
    "item.a.resolve": {"sv": "Lös med svar", "en": "Resolve with answer"},
    "item.a.escalate": {"sv": "Lyft uppåt", "en": "Escalate"},
    "item.a.escalate_further": {"sv": "Lyft vidare", "en": "Escalate further"},
    "item.a.acknowledge": {"sv": "Kvittera", "en": "Acknowledge"},
    "item.a.send_back": {"sv": "Skicka tillbaka", "en": "Send back"},
    "item.a.save": {"sv": "Spara", "en": "Save"},
    "item.a.create": {"sv": "Skapa ärende", "en": "Raise item"},
    "item.i.owner": {"sv": "Vem är ansvarig?", "en": "Who owns it?"},
    "item.i.comment": {"sv": "Kommentar", "en": "Comment"},
    "item.i.answer": {"sv": "Svaret", "en": "The answer"},
    "item.i.reason": {"sv": "Varför lyfts det?", "en": "Why lift it?"},
    "item.i.due": {"sv": "Klart senast", "en": "Due by"},
    "item.i.title": {"sv": "Rubrik", "en": "Title"},
    "item.i.description": {
        "sv": "Beskrivning (inga patientuppgifter)",
        "en": "Description (no patient data)",
    },
    "item.i.topic": {"sv": "Målgrupp (valfri)", "en": "Topic (optional)"},
    "item.form.title": {"sv": "Nytt ärende för {unit}", "en": "New item for {unit}"},
    # Replies.
    "item.created": {
        "sv": "Ärende **#{id}** skapat i {unit}.",
        "en": "Item **#{id}** raised in {unit}.",
    },
    "item.escalated": {
        "sv": "Ärende **#{id}** är lyft till **{unit}**.",
        "en": "Item **#{id}** is lifted to **{unit}**.",
    },
    "item.escalated_pending": {
        "sv": "Ärende **#{id}** är lyft till **{unit}**, men {unit} har ingen kanal än. Ärendet väntar och inget går förlorat; kortet skickas när en kanal kopplas. Samordnare för {unit}: {who}.",
        "en": "Item **#{id}** is lifted to **{unit}**, but {unit} has no channel yet. The item waits and nothing is lost; the card goes out once a channel is bound. Coordinators of {unit}: {who}.",
    },
    "item.no_coordinators": {"sv": "inga angivna", "en": "none named"},
    "item.top": {
        "sv": "Ärende **#{id}** ligger redan på högsta nivån ({unit}) och kan inte lyftas högre. Det står kvar som öppet och flaggas i länets sammanställning.",
        "en": "Item **#{id}** is already at the top ({unit}) and cannot go higher. It stays open and is flagged in the county digest.",
    },
    "item.resolved": {
        "sv": "Ärende **#{id}** är löst. Svaret går tillbaka nedåt i kedjan.",
        "en": "Item **#{id}** is resolved. The answer goes back down the chain.",
    },
    "item.sent_back": {
        "sv": "Ärende **#{id}** är tillbakaskickat till {unit}.",
        "en": "Item **#{id}** is sent back to {unit}.",
    },
    "item.acknowledged": {
        "sv": "Ärende **#{id}** är kvitterat, klart senast {due}.",
        "en": "Item **#{id}** is acknowledged, due {due}.",
    },
    "item.commented": {
        "sv": "Kommentar sparad på ärende **#{id}**.",
        "en": "Comment saved on item **#{id}**.",
    },
    "item.assigned": {
        "sv": "Ärende **#{id}**: ansvarig är nu {owner}.",
        "en": "Item **#{id}**: the owner is now {owner}.",
    },
    "item.not_found": {
        "sv": "Jag hittar inget ärende **#{id}**.",
        "en": "I can't find item **#{id}**.",
    },
    "item.closed": {
        "sv": "Ärende **#{id}** är redan {status} – inget ändrat.",
        "en": "Item **#{id}** is already {status} – nothing changed.",
    },
    "item.cannot_send_back": {
        "sv": "Ärende **#{id}** har inte lyfts hit, så det finns ingen att skicka tillbaka till.",
        "en": "Item **#{id}** was not lifted here, so there is no one to send it back to.",
    },
    "item.bad_due": {
        "sv": "Välj ett datum från och med i dag.",
        "en": "Pick a date from today on.",
    },
    "item.need_text": {"sv": "Skriv något först.", "en": "Write something first."},
    "item.unbound": {
        "sv": "Den här kanalen är inte kopplad till någon enhet. En samordnare skriver `koppla ‹enhet›` först.",
        "en": "This channel is not bound to a unit. A coordinator types `setup ‹unit›` first.",
    },
    "item.raise_usage": {
        "sv": "Skriv `ärende ‹rubrik›`, t.ex. `ärende Svårt att nå jourläkare kvällstid`, eller fyll i formuläret.",
        "en": "Type `raise ‹title›`, e.g. `raise Hard to reach the on-call doctor at night`, or fill in the form.",
    },
    "item.escalate_usage": {
        "sv": "Skriv `lyft ‹nr› ‹skäl›`, t.ex. `lyft 12 Vi saknar mandat att ändra rutinen`.",
        "en": "Type `escalate ‹n› ‹reason›`, e.g. `escalate 12 We lack the mandate to change the routine`.",
    },
    "item.elsewhere": {
        "sv": "Ärende **#{id}** ligger hos {unit}; det kan bara lyftas därifrån.",
        "en": "Item **#{id}** is with {unit}; it can only be lifted from there.",
    },
    "items.title": {"sv": "Ärenden – {unit}", "en": "Items – {unit}"},
    "items.none": {"sv": "Inga öppna ärenden.", "en": "No open items."},
    "items.filter.mine": {"sv": "mina", "en": "mine"},
    "items.filter.overdue": {"sv": "försenade", "en": "overdue"},
    "items.filter.escalated": {"sv": "lyfta", "en": "escalated"},
    "items.filtered": {"sv": "Urval: {filter}", "en": "Filter: {filter}"},
    "items.line": {
        "sv": "**#{id}** {title} – {status}, hos {unit}{flags}",
        "en": "**#{id}** {title} – {status}, with {unit}{flags}",
    },
    "items.flag.overdue": {"sv": "försenat", "en": "overdue"},
    "items.flag.top": {"sv": "olöst på högsta nivån", "en": "unresolved at the top"},
    "items.flag.pending": {"sv": "väntar på kanal", "en": "waiting for a channel"},
}
