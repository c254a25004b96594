"""One incoming activity, with what handlers need: who, where, language, replies."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from microsoft_agents.activity import Activity, Attachment, InvokeResponse
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.connector import ConnectorClientBase

from bot.languages import LanguageChoices
from bot.member_tenants import MemberTenants
from bot.members_seen import MembersSeen
from bot.org_cache import Known, OrgCache, PeopleCache
from bot.pulse_facts import PulseFactsCache
from cards.base import CARD_CONTENT_TYPE, Card
from cards.bounds import outgoing_card, outgoing_text
from core import tenancy
from i18n.texts import t
from services import pulse as pulse_service
from storage.answer_writer import AnswerWriter
from storage.db import Database
from storage.models import Unit
from storage.sightings import Sightings

if TYPE_CHECKING:
    from bot.router import Router
    from clients.graph import GraphDirectory
    from core.commands import CommandTable
    from infra.metrics import Metrics
    from infra.settings import Settings

log = logging.getLogger(__name__)


class Leadership(Protocol):
    """runtime/leader.py's Leader, as the ops endpoints see it."""

    @property
    def is_leader(self) -> bool: ...


class ScheduleChanges(Protocol):
    """scheduler/service.py's ScheduleService, as a handler that changed a schedule sees it."""

    def notify_changed(self) -> None: ...


class OutboxWorker(Protocol):
    """delivery/dispatcher.py's Dispatcher, as a handler that queued a message sees it."""

    def notify(self) -> None: ...


@dataclass
class Services:
    """Long-lived parts a handler may use. Built once per process (bot/web.py
    build_services); the background parts are set by runtime/process.py and stay None
    in a process that runs none (tests, the CLI)."""

    settings: Settings
    db: Database
    metrics: Metrics
    commands: CommandTable
    router: Router
    # Entra group membership, where Graph roles are on (SAMVERKAN_GRAPH_ROLES).
    graph: GraphDirectory | None = None
    instance_id: str | None = None
    leader: Leadership | None = None
    scheduler: ScheduleChanges | None = None
    dispatcher: OutboxWorker | None = None
    # Set on SIGTERM (runtime/serving.py): readiness answers 503 while turns finish.
    draining: bool = False
    languages: LanguageChoices = field(default_factory=LanguageChoices)
    members_seen: MembersSeen = field(default_factory=MembersSeen)
    # Shared channels: each person's own tenant, as the roster said (bot/member_tenants.py).
    member_tenants: MemberTenants = field(default_factory=MemberTenants)
    # Who people are, and the org (units, roles, bindings): read once, not per turn.
    people: PeopleCache = field(init=False)
    org: OrgCache = field(init=False)
    # Who was seen where (channel members, roster facts): small writes, batched.
    sightings: Sightings = field(init=False)
    # Pulse answers: what a pulse is (read once per pulse) and batched writes.
    pulse_facts: PulseFactsCache = field(init=False)
    answers: AnswerWriter = field(init=False)

    def __post_init__(self) -> None:
        self.pulse_facts = PulseFactsCache(self.db)
        self.org = OrgCache(self.db)
        self.people = PeopleCache(self.db)
        self.sightings = Sightings(self.db)
        self.answers = AnswerWriter(self.db, on_settled=self._pulse_settled)

    async def _pulse_settled(self, pulse_id: int) -> None:
        """This process wrote the last held answers of a pulse closed elsewhere."""
        settings = self.settings
        if await pulse_service.finalize_settled(
            self.db, pulse_id, settings.zone, settings.language
        ):
            self.notify_changes()

    def notify_changes(self) -> None:
        """After a commit that enqueued messages or changed schedules: wake the workers
        in this process (other processes notice by polling)."""
        if self.dispatcher is not None:
            self.dispatcher.notify()
        if self.scheduler is not None:
            self.scheduler.notify_changed()


def base_conversation_id(conversation_id: str) -> str:
    """A channel thread id (`19:...;messageid=123`) without the thread part."""
    return conversation_id.split(";messageid=", 1)[0]


class Turn:
    """The handler's view of the activity. Built per request; holds no global state."""

    def __init__(self, ctx: TurnContext, services: Services) -> None:
        self.ctx = ctx
        self.services = services
        act = ctx.activity
        data = act.channel_data if isinstance(act.channel_data, dict) else {}
        self.channel_data: dict[str, Any] = data
        self.user_id: str | None = act.from_property.aad_object_id if act.from_property else None
        self.user_channel_id: str | None = act.from_property.id if act.from_property else None
        # The name Teams put in the activity: shown only until the roster's is known.
        self._sent_name: str | None = act.from_property.name if act.from_property else None
        self._roster_name: str | None = None
        tenant = data.get("tenant") if isinstance(data.get("tenant"), dict) else None
        # The tenant hosting the conversation (a shared channel: the host team's).
        self.host_tenant: str | None = (tenant or {}).get("id") or (
            act.conversation.tenant_id if act.conversation else None
        )
        # The person's own tenant: where the activity names it, else the host's until
        # `resolve_tenant` has asked the roster (shared channels only; core/tenancy.py).
        hint = act.from_property.tenant_id if act.from_property else None
        membership = data.get("membershipSource")
        if not hint and isinstance(membership, dict):
            hint = membership.get("tenantId")
        self._tenant_named = isinstance(hint, str) and bool(hint)
        self.tenant_id: str | None = hint if self._tenant_named else self.host_tenant
        self.shared_channel: bool = tenancy.channel_type(data) == tenancy.SHARED
        self._roster: tenancy.RosterFacts | None = None
        self._roster_name_seen: str | None = None
        self._roster_asked = False
        team = data.get("team") if isinstance(data.get("team"), dict) else {}
        channel = data.get("channel") if isinstance(data.get("channel"), dict) else {}
        self.team_id: str | None = (team or {}).get("id")
        self.team_name: str | None = (team or {}).get("name")
        self.channel_id: str | None = (channel or {}).get("id")
        self.channel_name: str | None = (channel or {}).get("name")
        conv_type = (act.conversation.conversation_type if act.conversation else None) or "personal"
        self.kind: str = (
            conv_type if conv_type in ("channel", "groupChat", "personal") else "personal"
        )
        self.conversation_id: str = (
            base_conversation_id(act.conversation.id) if act.conversation else ""
        )
        self.lang: str = services.settings.language
        self._invoke_response: InvokeResponse | None = None
        self._person_keys: list[str] | None = None
        # The person's role rows by unit, filled once per turn by bot.permissions.
        self.role_rows: dict[int, set[str]] | None = None

    # -- identity -------------------------------------------------------------------

    @property
    def is_local_admin(self) -> bool:
        """Anonymous local mode with nobody named in SAMVERKAN_LOCAL_ADMINS: the person at
        the keyboard set the bot up, whoever they say they are."""
        settings = self.services.settings
        return settings.anonymous and not settings.local_admins

    async def person_keys(self) -> list[str]:
        """Identifiers roles may be given to: the Entra object id and, once known, the UPN.

        Computed once per turn: a refusal, the help card and admin checks all ask for it.
        """
        if self._person_keys is None:
            self._person_keys = await self._load_person_keys()
        return self._person_keys

    @property
    def user_name(self) -> str | None:
        """The person's name for display: the roster's once known (see person_keys),
        else what Teams sent. Never an identity: roles go by object id and UPN."""
        return self._roster_name or self._sent_name

    @property
    def person_tenant(self) -> str:
        """The tenant part of the person's key ("" where Teams sent none)."""
        return (self.tenant_id or "").lower()

    async def _load_person_keys(self) -> list[str]:
        if not self.user_id:
            return []
        keys = [self.user_id.lower()]
        people, tenant = self.services.people, self.person_tenant
        known = await people.get(tenant, self.user_id)
        if known.upn is None and not known.asked:
            # Asked once per TTL: someone the roster does not know is not asked every turn.
            version = people.version()
            member = await self._roster_member()
            if member is None:
                known = Known(None, known.name, asked=True)
            else:
                upn, name = member
                # Written without clearing the people copy: it is updated right here.
                await self.services.sightings.person(
                    tenant_id=tenant, object_id=self.user_id, upn=upn, display_name=name
                )
                known = Known(upn.lower(), name or known.name, asked=True)
            people.put(tenant, self.user_id, known, version)
        self._roster_name = known.name
        if known.upn:
            keys.append(known.upn.lower())
        return keys

    def connector(self) -> ConnectorClientBase | None:
        """The SDK's connector client for this turn (roster look-ups, replies)."""
        services = self.ctx.services
        return services.get(ConnectorClientBase) if services else None  # type: ignore[type-abstract]

    async def resolve_tenant(self) -> bool:
        """In a shared channel: learn the person's own tenant from the roster (the
        activity names only the host's). False: the turn must stop here, before anything
        is stored: their tenant is not allowed, or the roster could not say (logged).
        Elsewhere, and where the activity named the tenant, always True."""
        if not self.shared_channel or self._tenant_named or not self.user_id:
            return True
        settings = self.services.settings
        known = self.services.member_tenants.get(self.user_id)
        if known is None:
            facts = await self._roster_facts()
            known = facts.tenant if facts is not None else None
            if known is None:
                log.warning("shared channel: the roster did not say whose tenant a writer is")
                return False
            self.services.member_tenants.put(self.user_id, known)
        self.tenant_id = known
        if not settings.anonymous and known not in settings.tenants:
            self.services.metrics.inc("samverkan_tenant_refused_total")
            log.warning("shared channel: a member of a tenant not on the allow-list wrote")
            return False
        return True

    async def _roster_facts(self) -> tenancy.RosterFacts | None:
        """The Bot Connector's roster entry for the person who wrote, asked once per turn.

        The connector is the activity's serviceUrl, which bot/web.py bound to the Bot
        Framework token's `serviceurl` claim and to the allow-listed Teams hosts, so
        the answer comes from Teams. The member must be the person who wrote (same
        object id), or nothing is learned."""
        if self._roster_asked:
            return self._roster
        self._roster_asked = True
        client = self.connector()
        if client is None or not self.user_channel_id or not self.ctx.activity.conversation:
            return None
        try:
            member = await client.conversations.get_conversation_member(
                self.ctx.activity.conversation.id, self.user_channel_id
            )
        except Exception as exc:  # the roster is a nicety; roles by object id still work
            log.info("member lookup failed: %s", type(exc).__name__)
            return None
        extra = member.model_extra or {}
        object_id = member.aad_object_id or extra.get("objectId")
        if not isinstance(object_id, str) or object_id.lower() != (self.user_id or "").lower():
            log.warning("roster member is not the person who wrote; UPN not learned")
            return None
        self._roster = tenancy.roster_facts({**extra, "tenantId": member.tenant_id})
        self._roster_name_seen = member.name or None
        return self._roster

    async def _roster_member(self) -> tuple[str, str | None] | None:
        """(address, name) from the Bot Connector's roster: Microsoft's word on who this
        is. The address is the UPN, or a B2B guest's e-mail (core/tenancy.py)."""
        facts = await self._roster_facts()
        if facts is None or not facts.address:
            return None
        return facts.address, self._roster_name_seen

    async def is_global_admin(self) -> bool:
        if self.is_local_admin:
            return True
        settings = self.services.settings
        # Local mode naming its administrators (the Agents Playground's own user): everyone
        # else has the roles the org file gives them, so refusals can be tried.
        admins = set(settings.local_admins if settings.anonymous else settings.admins)
        if not admins:
            return False
        return bool(admins & set(await self.person_keys()))

    async def channel_unit(self) -> Unit | None:
        """The unit this channel is bound to, if any. Only channels are ever bound: a
        personal or group chat has no unit, whatever an old binding row says."""
        if self.kind != "channel":
            return None
        return (await self.services.org.get()).channel_unit(self.conversation_id)

    # -- replies ----------------------------------------------------------------------

    def text(self, key: str, **args: object) -> str:
        return t(self.lang, key, **args)

    async def send_text(self, text: str) -> str | None:
        if self.is_invoke:
            self.set_invoke_message(text)
            return None
        response = await self.ctx.send_activity(
            Activity(type="message", text=outgoing_text(text), text_format="markdown")
        )
        return response.id if response else None

    async def send_card(self, card: Card, *, summary: str | None = None) -> str | None:
        if self.is_invoke:
            self.set_invoke_card(card)
            return None
        # Every way a card leaves a turn passes the last checks (links, size): cards/bounds.py.
        card = outgoing_card(card, self.lang)
        activity = Activity(
            type="message",
            attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card)],
            summary=summary,
        )
        response = await self.ctx.send_activity(activity)
        return response.id if response else None

    async def update_card(self, activity_id: str, card: Card) -> None:
        """Replace the card a button was pressed on (Action.Submit path)."""
        card = outgoing_card(card, self.lang)
        activity = Activity(
            type="message",
            id=activity_id,
            conversation=self.ctx.activity.conversation,
            attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card)],
        )
        await self.ctx.update_activity(activity)

    # -- invoke -----------------------------------------------------------------------

    @property
    def is_invoke(self) -> bool:
        return self.ctx.activity.type == "invoke"

    def set_invoke_card(self, card: Card) -> None:
        card = outgoing_card(card, self.lang)
        self._invoke_response = InvokeResponse(
            status=200,
            body={"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": card},
        )

    def set_invoke_message(self, text: str) -> None:
        text = outgoing_text(text)
        self._invoke_response = InvokeResponse(
            status=200,
            body={
                "statusCode": 200,
                "type": "application/vnd.microsoft.activity.message",
                "value": text,
            },
        )

    async def flush_invoke(self) -> None:
        """Answer an invoke; every invoke gets an answer so Teams never shows an error."""
        if not self.is_invoke:
            return
        response = self._invoke_response or InvokeResponse(status=200, body={"statusCode": 200})
        await self.ctx.send_activity(Activity(type="invokeResponse", value=response))
