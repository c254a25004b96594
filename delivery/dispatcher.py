"""The delivery dispatcher: sends due outbox rows through the Bot Connector.

One task polls (every `poll_seconds`, or at once on `notify()`) for conversations
whose first open row is due and starts a worker per conversation, at most
`max_in_flight` at a time. A worker claims its conversation's rows one by one, in id
order, waits for the rate limiter and sends through the Agents SDK's proactive path
(`continue_conversation` with the stored ConversationReference). Failures are
classified by `core.delivery`; the row is retried, dead-lettered, or dead-lettered
with the conversation deactivated.

Claims are leased (status `sending`, `next_attempt_at` = lease end): if the process
dies mid-send, the row is sent again after the lease, so a crash can repeat at most
the sends in flight and never lose one. A send whose outcome cannot be recorded
because the database is away is recorded again until it can, not sent again.

A card posted but not recorded (the process died in between) is posted again after
the lease and that post's activity id is stored, so updates reach a card people see;
the first copy stays as it was (at least once). An outcome is recorded only while its
claim holds (`sending` under the claim's attempt number): a sender whose answer came
after its lease ended leaves the later claim's record, which updates already target.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

import aiohttp
from aiohttp import web
from microsoft_agents.activity import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)
from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    ClaimsIdentity,
    ConnectionManager,
    RestChannelServiceClientFactory,
    TurnContext,
)
from microsoft_agents.hosting.core.connector import ConnectorClientBase
from microsoft_agents.hosting.core.connector.client import UserTokenClient
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from cards.bounds import fit_activity
from core import request_id
from core.delivery import Action, Backoff, classify, error_code
from core.ratelimit import Limiter
from core.service_url import problem as service_url_refusal
from core.tenancy import reach
from infra.metrics import Metrics
from infra.settings import Settings
from storage import channels_repo, outbox_repo, personal_repo
from storage.db import Database
from storage.types import utcnow

log = logging.getLogger(__name__)

BeforeSend = Callable[[], Awaitable[None]]
# Installs the Teams app for people (Entra object ids) so Teams lets the bot open a chat
# with them (services/app_install.py `hook_for` builds one; its answer is not needed here).
InstallApp = Callable[[list[str]], Awaitable[object]]


@dataclass(frozen=True)
class Job:
    """A claimed row with what sending it needs (read in the claim's transaction)."""

    row_id: int
    key: str
    operation: str  # send | update
    attempts: int
    conversation_pk: int
    conversation_id: str
    reference: dict[str, Any]
    payload: dict[str, Any]
    target_activity_id: str | None = None
    request_id: str | None = None  # of the turn that queued the row (core/request_id.py)


class Sender(Protocol):
    async def deliver(self, job: Job, before_send: BeforeSend) -> str | None:
        """Post (or update) and return the activity id; raise on failure."""


# -- the SDK side -------------------------------------------------------------------------


class _SharedTeamsConnectorClient(TeamsConnectorClient):
    """The SDK's client on a session the factory owns: closing the client keeps the session."""

    async def close(self) -> None:
        return None


class _SharedUserTokenClient(UserTokenClient):
    async def close(self) -> None:
        return None


class SharedSessionClientFactory(RestChannelServiceClientFactory):
    """The SDK's client factory, but one aiohttp session per endpoint instead of per turn.

    The SDK opens two ClientSessions (connector, user token) for every proactive turn:
    a TCP (and TLS) handshake per message. Every token this factory sees is for the same
    app and audience, so the session's Authorization header is simply kept current.
    """

    def __init__(self, connection_manager: ConnectionManager, *, timeout: float) -> None:
        super().__init__(connection_manager)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._sessions: dict[str, aiohttp.ClientSession] = {}
        self._anonymous_token_client: UserTokenClient | None = None

    def _session(self, endpoint: str) -> aiohttp.ClientSession:
        session = self._sessions.get(endpoint)
        if session is None or session.closed:
            session = aiohttp.ClientSession(
                base_url=endpoint,
                timeout=self._timeout,
                connector=aiohttp.TCPConnector(limit=100),
            )
            self._sessions[endpoint] = session
        return session

    async def create_connector_client(
        self,
        context: TurnContext | None,
        claims_identity: ClaimsIdentity,
        service_url: str,
        audience: str,
        scopes: list[str] | None = None,
        use_anonymous: bool = False,
    ) -> TeamsConnectorClient:
        if context is not None and context.activity.is_agentic_request():
            return await super().create_connector_client(  # type: ignore[return-value]
                context, claims_identity, service_url, audience, scopes, use_anonymous
            )
        provider = (
            self._ANONYMOUS_TOKEN_PROVIDER
            if use_anonymous
            else self._connection_manager.get_token_provider(claims_identity, service_url)
        )
        token = await provider.get_access_token(
            audience, scopes or claims_identity.get_token_scope()
        )
        endpoint = service_url if service_url.endswith("/") else service_url + "/"
        return _SharedTeamsConnectorClient(endpoint, token or "", session=self._session(endpoint))

    async def create_user_token_client(
        self, context: TurnContext, claims_identity: ClaimsIdentity, use_anonymous: bool = False
    ) -> UserTokenClient:
        if not use_anonymous:  # never used by a proactive send; keep the SDK's own path
            return await super().create_user_token_client(context, claims_identity, False)
        if self._anonymous_token_client is None:  # one, not one per turn
            endpoint = self._token_service_endpoint
            self._anonymous_token_client = _SharedUserTokenClient(
                endpoint, "", app_id="anonymous", session=self._session(endpoint)
            )
        return self._anonymous_token_client

    async def close(self) -> None:
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            await session.close()


class AdapterSender:
    """Sends through the SDK's proactive path with the stored ConversationReference.

    `install`, where the tenant grants it, installs the app for a person right before
    their pending chat is opened; `own_tenant` is the bot's tenant (None: anonymous local
    mode), the only one whose people it is asked about (core/tenancy.py `reach`)."""

    def __init__(
        self,
        adapter: CloudAdapter,
        app_id: str | None,
        locale: str = "sv-SE",
        factory: RestChannelServiceClientFactory | None = None,
        *,
        install: InstallApp | None = None,
        own_tenant: str | None = None,
    ) -> None:
        self.adapter = adapter
        self.app_id = app_id
        self.locale = locale
        self.factory = factory
        self.install = install
        self.own_tenant = own_tenant
        # Personal chats opened by `_open` (conversation pk -> reference), for the
        # dispatcher to store with the send's outcome (storage/personal_repo.py).
        self.opened: dict[int, dict[str, Any]] = {}

    async def _install(self, tenant: str, object_id: str) -> None:
        """Install the app for the person, so Teams lets the bot open the chat: only for
        the bot's own tenant (its Graph credentials are that tenant's). A help, not a
        condition: on failure the open is tried all the same."""
        if self.install is None or not reach(tenant, self.own_tenant).graph:
            return
        try:
            await self.install([object_id])
        except Exception:
            log.warning("installing the app for a person failed", exc_info=True)

    async def _open(self, job: Job) -> Job:
        """Open the 1:1 chat of a pending personal conversation: the Bot Connector's
        `POST /v3/conversations` with the person's Entra object id (Teams allows it for
        users who have the app, installed first where `install` is given). A 403/404
        raises like a refused post."""
        ref = job.reference
        tenant = str(ref["conversation"].get("tenantId") or "")
        user = ref["user"]
        object_id = str(user.get("aadObjectId") or user["id"])
        await self._install(tenant, object_id)
        params = ConversationParameters(
            is_group=False,
            agent=ChannelAccount.model_validate(ref["bot"]),
            members=[ChannelAccount(id=object_id)],
            tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}},
        )
        if self.app_id:
            claims = self.adapter.create_claims_identity(self.app_id)
        else:
            claims = ClaimsIdentity({}, authentication_type="anonymous")
        assert self.factory is not None, "build_sender gives the sender its client factory"
        client = await self.factory.create_connector_client(
            None,
            claims,
            ref["serviceUrl"],
            claims.get_token_audience(),
            use_anonymous=not self.app_id,
        )
        created = await client.conversations.create_conversation(params)
        reference = {k: v for k, v in ref.items() if k != personal_repo.OPEN_MARK}
        reference["conversation"] = {
            "id": created.id,
            "tenantId": tenant,
            "conversationType": "personal",
        }
        self.opened[job.conversation_pk] = reference
        return replace(job, reference=reference, conversation_id=str(created.id))

    async def deliver(self, job: Job, before_send: BeforeSend) -> str | None:
        if job.reference.get(personal_repo.OPEN_MARK):
            job = await self._open(job)
        reference = ConversationReference.model_validate(job.reference)
        reference.activity_id = None
        # The continuation's random id would become replyToId: clear it for a new post.
        continuation = reference.get_continuation_activity().model_copy(
            update={"id": None, "reply_to_id": None}
        )
        payload = job.payload
        if job.operation == "send":  # a new post: no id of its own, not a reply
            payload = {k: v for k, v in payload.items() if k not in ("id", "replyToId")}
        activity = Activity.model_validate(payload)
        # A reference taken from an install event often has no locale; the SDK would then
        # send `"locale": null`, which clients may refuse. Say the bot's own language.
        activity.locale = activity.locale or reference.locale or self.locale
        outcome: dict[str, Any] = {}

        async def callback(ctx: TurnContext) -> None:
            # Errors are carried out by hand: the adapter's on_turn_error would swallow them.
            try:
                await before_send()
                if job.operation == "update":
                    activity.id = job.target_activity_id
                    await ctx.update_activity(activity)
                    outcome["id"] = job.target_activity_id
                else:
                    # Straight to the SDK's connector client rather than ctx.send_activity,
                    # which sets `"id": null` on the new post; some clients refuse that.
                    outgoing = TurnContext.apply_conversation_reference(
                        activity, ctx.activity.get_conversation_reference()
                    )
                    client = ctx.services.get(ConnectorClientBase)  # type: ignore[type-abstract]
                    assert client is not None and outgoing.conversation is not None
                    response = await client.conversations.send_to_conversation(
                        outgoing.conversation.id, outgoing
                    )
                    outcome["id"] = response.id if response else None
            except Exception as exc:
                outcome["error"] = exc

        if self.app_id:
            await self.adapter.continue_conversation(self.app_id, continuation, callback)
        else:
            await self.adapter.continue_conversation_with_claims(
                ClaimsIdentity({}, authentication_type="anonymous"), continuation, callback
            )
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("id")


def build_sender(
    settings: Settings,
    *,
    provider_factory: Callable[..., Any] | None = None,
    reuse_sessions: bool = True,
    send_timeout: float = 20.0,
    install: InstallApp | None = None,
) -> tuple[AdapterSender, Callable[[], Awaitable[None]]]:
    """The sender and a close function (for the shared sessions); `install` as for
    AdapterSender."""
    manager = ConnectionManager(
        provider_factory=provider_factory or MsalAuth, **settings.sdk_configuration()
    )
    factory = SharedSessionClientFactory(manager, timeout=send_timeout) if reuse_sessions else None
    adapter = CloudAdapter(connection_manager=manager, channel_service_client_factory=factory)

    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        log.error("proactive turn error: %s", type(error).__name__)

    adapter.on_turn_error = on_turn_error

    async def close() -> None:
        if factory is not None:
            await factory.close()

    locale = "sv-SE" if settings.language == "sv" else "en-US"
    opener = factory or RestChannelServiceClientFactory(manager)
    sender = AdapterSender(
        adapter, settings.client_id, locale, opener, install=install, own_tenant=settings.own_tenant
    )
    return sender, close


# -- the dispatcher -------------------------------------------------------------------------


METRICS = {
    "samverkan_outbox_sent_total": "Outbox rows delivered",
    "samverkan_outbox_retried_total": "Outbox send attempts that failed and will be retried",
    "samverkan_outbox_throttled_total": "429 answers received from the Bot Connector",
    "samverkan_outbox_dead_total": "Outbox rows given up, by reason",
    "samverkan_outbox_queue_depth": "Outbox rows not yet sent or dead",
    "samverkan_outbox_oldest_due_age_seconds": "Age of the oldest due outbox row",
}
COUNTERS = tuple(METRICS)[:3]  # unlabelled counters: shown from the start, at 0
RECORD_RETRY_FIRST = 0.5  # seconds; doubling up to RECORD_RETRY_MAX
RECORD_RETRY_MAX = 10.0


class _Gate:
    """The global rate limit, granted oldest row first.

    Without an order, a conversation with a backlog (one message in flight at a time)
    would win a global slot only once per round of all the other senders: 1/32 of the
    rate. Oldest first also serves messages in the order they were queued.
    """

    def __init__(self, limiter: Limiter) -> None:
        self.limiter = limiter
        self._waiting: list[tuple[int, asyncio.Event]] = []

    async def acquire(self, conversation_pk: int, row_id: int) -> None:
        me = (row_id, asyncio.Event())
        bisect.insort(self._waiting, me, key=lambda w: w[0])
        try:
            while True:
                if self._waiting[0] is not me:
                    me[1].clear()
                    await me[1].wait()
                    continue
                wait = self.limiter.try_acquire(conversation_pk, time.monotonic())
                if wait <= 0:
                    return
                await asyncio.sleep(wait)
        finally:
            self._waiting.remove(me)
            if self._waiting:
                self._waiting[0][1].set()


class Dispatcher:
    def __init__(
        self,
        db: Database,
        sender: Sender,
        *,
        metrics: Metrics | None = None,
        should_run: Callable[[], bool] = lambda: True,
        global_rate: float = 50.0,
        max_attempts: int = 8,
        max_in_flight: int = 32,
        poll_seconds: float = 1.0,
        send_timeout: float = 20.0,
        lease_seconds: float = 60.0,
        backoff: Backoff = Backoff(),
        margin: float = 0.01,
        on_close: Callable[[], Awaitable[None]] | None = None,
        service_url_problem: Callable[[object], str | None] | None = None,
    ) -> None:
        self.db = db
        # Why a stored reference's serviceUrl must not be posted to (our outgoing token
        # goes with the post), or None; see core/service_url.py.
        self.service_url_problem = service_url_problem
        self.sender = sender
        self.metrics = metrics or Metrics()
        self.should_run = should_run
        self.limiter = Limiter(global_per_second=global_rate, margin=margin)
        self.max_attempts = max_attempts
        self.max_in_flight = max_in_flight
        self.poll_seconds = poll_seconds
        self.send_timeout = send_timeout
        self.lease = timedelta(seconds=lease_seconds)
        self.backoff = backoff
        self._on_close = on_close
        self._gate = _Gate(self.limiter)
        self._wake = asyncio.Event()
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._parked: dict[int, float] = {}  # conversation -> monotonic time its window opens
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._leading = False  # dispatching now; False until the first poll that may
        self._serial = asyncio.Lock() if db.dialect == "sqlite" else None
        self._pruned_at = time.monotonic()
        for name, text in METRICS.items():
            self.metrics.describe(name, text)
        for name in COUNTERS:
            self.metrics.inc(name, 0)
        self.metrics.add_gauges(self.gauges)

    @contextlib.asynccontextmanager
    async def _tx(self) -> AsyncIterator[AsyncSession]:
        """One transaction. On SQLite our own writers queue here, in order, instead of
        in SQLite's busy handler, which sleeps up to 100 ms per retry under contention."""
        if self._serial is None:
            async with self.db.session() as s:
                yield s
            return
        async with self._serial, self.db.session() as s:
            yield s

    # -- lifecycle ----------------------------------------------------------------------------

    def notify(self) -> None:
        """Look for due rows now (call after committing an enqueue)."""
        self._wake.set()

    async def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name="outbox-dispatcher")

    async def stop(self, grace: float = 5.0) -> None:
        """Stop claiming; let sends in flight finish for `grace` seconds, then cancel them.

        A cancelled send stays `sending` and goes out again when its lease ends.
        """
        self._stopping = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        workers = list(self._workers.values())
        if workers:
            _, pending = await asyncio.wait(workers, timeout=grace)
            for worker in pending:
                worker.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._on_close is not None:
            await self._on_close()

    async def context(self, _app: web.Application) -> AsyncIterator[None]:
        """aiohttp cleanup context: run while the app runs."""
        await self.start()
        yield
        await self.stop()

    @property
    def in_flight(self) -> int:
        return len(self._workers)

    async def gauges(self) -> dict[str, float]:
        async with self.db.session() as s:
            stats = await outbox_repo.queue_stats(s, utcnow())
        return {
            "samverkan_outbox_queue_depth": float(stats.depth),
            "samverkan_outbox_oldest_due_age_seconds": round(stats.oldest_due_age, 3),
        }

    # -- the poll loop ------------------------------------------------------------------------

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                if not self.should_run():
                    self._leading = False
                else:
                    if not self._leading:
                        self._leading = True
                        await self._count_recent_sends()
                    await self._fill()
            except Exception:
                log.exception("outbox poll failed")
            await self._sleep()

    async def _sleep(self) -> None:
        timeout = self.poll_seconds
        if self._parked:
            timeout = min(timeout, min(self._parked.values()) - time.monotonic())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), max(timeout, 0.01))
        await asyncio.sleep(0.005)  # a floor: wake-ups can never spin the loop

    async def _count_recent_sends(self) -> None:
        """Before the first send as leader: count what was sent in the last hour (by the
        instance that led before, or by this process before a restart). Teams' windows
        count those sends; a limiter starting empty would exceed them and draw 429s."""
        now_utc, now = utcnow(), time.monotonic()
        since = now_utc - timedelta(seconds=self.limiter.longest_window)
        async with self.db.read() as s:
            sent = await outbox_repo.sends_since(s, since)
        self.limiter.count_past(
            (pk, now - max(0.0, (now_utc - at).total_seconds())) for pk, at in sent
        )
        if sent:
            log.info("counted %d sends of the last hour before dispatching", len(sent))

    async def _fill(self) -> None:
        """Claim the first due row of idle conversations and start a worker for each."""
        now = time.monotonic()
        self._parked = {c: t for c, t in self._parked.items() if t > now}
        if now - self._pruned_at > 60:
            self.limiter.prune(now)
            self._pruned_at = now
        free = self.max_in_flight - len(self._workers)
        if free <= 0:
            return
        at = utcnow()
        jobs: list[Job] = []
        async with self._tx() as s:
            claims = await outbox_repo.claim_due(
                s, at, at + self.lease, limit=free, skip=self._workers.keys() | self._parked.keys()
            )
            for claim in claims:
                job = await self._prepare(s, claim, at)
                if job is not None:
                    jobs.append(job)
                else:
                    self._wake.set()  # settled without sending: its conversation may have more
        for job in jobs:
            self._workers[job.conversation_pk] = asyncio.create_task(
                self._work(job), name=f"outbox-conversation-{job.conversation_pk}"
            )

    # -- one conversation -------------------------------------------------------------------

    async def _work(self, first: Job) -> None:
        """Send `first`, then the conversation's next rows, while its window allows."""
        conversation_pk = first.conversation_pk
        job: Job | None = first
        try:
            while job is not None:
                # Log lines about this row carry the request id of the turn that queued it.
                token = request_id.bind(job.request_id)
                try:
                    sent = await self._deliver(job)
                    job = await self._record(job, sent)
                finally:
                    request_id.reset(token)
        except Exception:
            log.exception("outbox worker for conversation %s failed", conversation_pk)
        finally:
            self._workers.pop(conversation_pk, None)
            self._wake.set()

    async def _record(self, job: Job, sent: str | Exception | None) -> Job | None:
        """`_settle`, retried while the database is unreachable. The send has happened;
        giving up would leave the row `sending`, and it would go out a second time when
        its lease ends. (Stopping still gives up: that send may then be repeated.)"""
        delay = RECORD_RETRY_FIRST
        while True:
            try:
                return await self._settle(job, sent)
            except (DBAPIError, OSError, TimeoutError) as exc:
                if self._stopping:
                    raise
                log.warning(
                    "could not record an outbox outcome (%s); retrying in %.1f s",
                    type(exc).__name__,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECORD_RETRY_MAX)

    async def _settle(self, job: Job, sent: str | Exception | None) -> Job | None:
        """Record the outcome and, in the same transaction, claim the conversation's next row."""
        async with self._tx() as s:
            opened = getattr(self.sender, "opened", {}).pop(job.conversation_pk, None)
            if opened is not None:  # a personal chat opened for this send: keep it
                await personal_repo.opened(s, job.conversation_pk, opened)
            if isinstance(sent, Exception):
                await self._failed(s, job, sent)
            elif await outbox_repo.mark_sent(s, job.row_id, sent, claim=job.attempts):
                self.metrics.inc("samverkan_outbox_sent_total")
                log.info(
                    "outbox row %s sent (%s, attempt %d, request %s)",
                    job.row_id,
                    job.operation,
                    job.attempts,
                    job.request_id or "-",
                )
            else:
                # Our lease ended before we could record this: the row was claimed and
                # sent again, and that card's id (which updates target) stays recorded.
                log.warning("outbox row %s was sent again after its lease ended", job.row_id)
            while not self._stopping and self.should_run():
                wait = self.limiter.conversation_wait(job.conversation_pk, time.monotonic())
                if wait > 0.25:  # free the worker slot; the poll loop comes back in time
                    self._parked[job.conversation_pk] = time.monotonic() + wait
                    return None
                at = utcnow()
                claim = await outbox_repo.claim_next(s, job.conversation_pk, at, at + self.lease)
                if claim is None:
                    return None
                following = await self._prepare(s, claim, at)
                if following is not None:
                    break
            else:
                return None
        if wait > 0:
            await asyncio.sleep(wait)
        return following

    async def _prepare(
        self, s: AsyncSession, claim: outbox_repo.Claim, now: datetime
    ) -> Job | None:
        """The claimed row as a Job, or None when it was settled without sending."""
        target = await outbox_repo.target(s, claim.conversation_pk)
        problem, activity_id = await self._check(s, claim, target, now)
        if problem == "wait":
            return None
        if problem or target is None:
            problem = problem or "the conversation is gone"
            await outbox_repo.mark_dead(s, claim.id, problem)
            self.metrics.inc("samverkan_outbox_dead_total", reason="refused")
            log.warning("outbox row %s (%s) dead: %s", claim.id, claim.key, problem)
            return None
        return Job(
            row_id=claim.id,
            key=claim.key,
            operation=claim.operation,
            attempts=claim.attempts,
            conversation_pk=claim.conversation_pk,
            conversation_id=target.conversation_id,
            reference=target.reference,
            # The last checks on what the outbox sends (cards/bounds.py): live link syntax
            # escaped, and a card that grew too big shortened here rather than refused by
            # Teams (413) and dead.
            payload=fit_activity(claim.payload),
            target_activity_id=activity_id,
            request_id=claim.request_id,
        )

    async def _check(
        self,
        s: AsyncSession,
        claim: outbox_repo.Claim,
        target: outbox_repo.Target | None,
        now: datetime,
    ) -> tuple[str | None, str | None]:
        """Why the row cannot be sent ("wait" = not yet), and an update's activity id."""
        if target is None or not target.active:
            return "the conversation is inactive (the bot was removed)", None
        if self.service_url_problem is not None:
            url = target.reference.get("serviceUrl") if isinstance(target.reference, dict) else None
            why = self.service_url_problem(url)
            if why:
                return f"stored conversation reference refused: {why}", None
        if claim.attempts > self.max_attempts:
            return f"still unsent after {claim.attempts - 1} claims (crashed mid-send?)", None
        try:
            Activity.model_validate(claim.payload)
        except (ValidationError, ValueError, TypeError) as exc:
            return f"payload is not an activity: {type(exc).__name__}", None
        if claim.operation != "update":
            return None, None
        earlier = await outbox_repo.by_key(s, claim.updates_key or "")
        if earlier is None:
            # A card posted outside the outbox may name its activity in the payload.
            given = claim.payload.get("id")
            return (None, str(given)) if given else (f"no send with key {claim.updates_key}", None)
        if earlier.status == "sent" and earlier.activity_id:
            return None, earlier.activity_id
        if earlier.status in ("sent", "dead"):
            return f"the card to update ({earlier.idempotency_key}) was never delivered", None
        if earlier.conversation_pk == claim.conversation_pk and (earlier.id or 0) > claim.id:
            return "update queued before the send it updates", None
        await outbox_repo.postpone(s, claim.id, now + timedelta(seconds=1), "waiting for its send")
        return "wait", None

    async def _deliver(self, job: Job) -> str | Exception | None:
        """Send; the activity id, or the exception that stopped it."""
        loop = asyncio.get_running_loop()
        started = False
        try:
            async with asyncio.timeout(self.send_timeout) as guard:

                async def before_send() -> None:
                    nonlocal started
                    guard.reschedule(None)  # waiting for the rate limit is not a timeout
                    await self._gate.acquire(job.conversation_pk, job.row_id)
                    started = True
                    guard.reschedule(loop.time() + self.send_timeout)

                return await self.sender.deliver(job, before_send)
        except Exception as exc:
            return exc
        finally:
            if started:  # the service saw it by now, if at all: that ends its window slot
                self.limiter.release(job.conversation_pk, time.monotonic())

    async def _failed(self, s: AsyncSession, job: Job, exc: Exception) -> None:
        status, headers, body = _failure(exc)
        if status == 429:
            self.metrics.inc("samverkan_outbox_throttled_total")
        decision = classify(
            status,
            headers,
            job.attempts,
            max_attempts=self.max_attempts,
            code=error_code(body),
            operation=job.operation,
            jitter=random.random(),
            backoff=self.backoff,
        )
        reason = decision.reason
        if status is None and body is not None:
            reason = f"{reason}: {body}"
        if decision.action is Action.RETRY:
            if not await outbox_repo.mark_retry(
                s,
                job.row_id,
                reason,
                utcnow() + timedelta(seconds=decision.delay),
                claim=job.attempts,
            ):
                return  # another claim holds the row by now: its outcome stands
            self.metrics.inc("samverkan_outbox_retried_total")
            log.info("outbox row %s: %s; retry in %.1fs", job.row_id, reason, decision.delay)
            return
        if not await outbox_repo.mark_dead(s, job.row_id, reason, claim=job.attempts):
            return  # another claim holds the row by now: its outcome stands
        self.metrics.inc("samverkan_outbox_dead_total", reason=decision.action.value)
        if decision.action is Action.GONE:
            await channels_repo.deactivate_conversations(s, conversation_id=job.conversation_id)
            log.warning(
                "outbox row %s dead and conversation %s deactivated: %s",
                job.row_id,
                job.conversation_id,
                reason,
            )
        elif decision.action is Action.BUG:
            log.error("BUG: outbox row %s (%s) refused: %s", job.row_id, job.key, reason)
        else:
            log.warning("outbox row %s (%s) dead: %s", job.row_id, job.key, reason)


def _failure(exc: Exception) -> tuple[int | None, dict[str, str], str | None]:
    """(HTTP status or None for timeouts and network errors, headers, body or detail)."""
    if isinstance(exc, aiohttp.ClientResponseError):
        return exc.status, dict(exc.headers or {}), exc.message
    if isinstance(exc, TimeoutError | aiohttp.ClientError):
        return None, {}, None
    return None, {}, f"{type(exc).__name__}: {exc}"[:500]


def build_dispatcher(
    settings: Settings,
    db: Database,
    metrics: Metrics | None = None,
    *,
    should_run: Callable[[], bool] = lambda: True,
    provider_factory: Callable[..., Any] | None = None,
    reuse_sessions: bool = True,
    install: InstallApp | None = None,
    **options: Any,
) -> Dispatcher:
    """A dispatcher sending with the bot's credentials (or anonymously in local mode);
    `install` installs the app for a person before their chat is opened (AdapterSender)."""
    send_timeout = float(options.get("send_timeout", 20.0))
    sender, close = build_sender(
        settings,
        provider_factory=provider_factory,
        reuse_sessions=reuse_sessions,
        send_timeout=send_timeout,
        install=install,
    )
    return Dispatcher(
        db,
        sender,
        metrics=metrics,
        should_run=should_run,
        global_rate=settings.global_rate_per_second,
        max_attempts=settings.max_send_attempts,
        on_close=close,
        service_url_problem=lambda url: service_url_refusal(
            url, hosts=settings.allowed_service_hosts, loopback_only=settings.anonymous
        ),
        **options,
    )
