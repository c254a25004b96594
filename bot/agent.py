"""The Agents SDK `Agent`: routes each activity to a registered handler.

Every turn ends with an answer: a failure in a handler is logged (without the
message text) and the person gets a short apology; the HTTP layer never sees
an exception, so Teams never gets a 500 for something a person typed.

A handler or a use case that says no raises `Refused(key, **values)` (core/refusal.py);
this is the one place that turns it into the friendly text in the person's language.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core import TurnContext

from bot import files as bot_files
from bot import scope
from bot.handlers import lifecycle
from bot.router import Router
from bot.turn import Services, Turn
from core.command_limit import CommandLimiter, Verdict
from core.commands import clean_text
from core.files import FILE_CONSENT_INVOKE
from core.inbound import bad_numbers, contains_nul
from core.personnummer import IdentityNumberRefused
from core.reasons import Reason
from core.refusal import Refused
from i18n import format as fmt
from i18n.reasons import say
from storage import channels_repo

log = logging.getLogger(__name__)

ACTION_KEY = "action"


class _NoAppIdWarning(logging.Filter):
    """Drops the Agents SDK's "App ID is not provided" warning, and only that.

    The SDK (hosting/core/connector/client/user_token_client.py) warns whenever it builds
    a UserTokenClient without an app id, and its factory takes the id from the request's
    claims. In anonymous local mode there are no claims, so every turn logged it. The
    user token service is only for OAuth sign-in, which Samverkan never uses, so the
    warning tells nobody anything; with credentials the claims carry the app id and the
    SDK never says it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("App ID is not provided")


_SDK_TOKEN_CLIENT_LOG = "microsoft_agents.hosting.core.connector.client.user_token_client"


def quiet_sdk_app_id_warning() -> None:
    """Install the filter once (idempotent: every app built in a process calls this)."""
    sdk_log = logging.getLogger(_SDK_TOKEN_CLIENT_LOG)
    if not any(isinstance(f, _NoAppIdWarning) for f in sdk_log.filters):
        sdk_log.addFilter(_NoAppIdWarning())


class SamverkanAgent:
    def __init__(
        self,
        router: Router,
        services: Services,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.router = router
        self.services = services
        self.table = services.commands
        settings = services.settings
        self.limiter = CommandLimiter(
            per_minute=settings.command_rate_per_minute, burst=settings.command_burst
        )
        self._clock = clock
        self._last_prune = clock()
        if settings.anonymous:
            quiet_sdk_app_id_warning()

    async def on_turn(self, context: TurnContext) -> None:
        turn = Turn(context, self.services)
        kind = context.activity.type or "unknown"
        self.services.metrics.inc("samverkan_activities_total", type=kind)
        presence: asyncio.Future[None] | None = None
        try:
            await self._language(turn)
            if contains_nul(_inbound_parts(context.activity)):
                # Refused as a whole, before any handler could store part of it.
                if kind in ("message", "invoke"):
                    await turn.send_text(turn.text("error.nul"))
                await turn.flush_invoke()
                return
            if kind in ("message", "invoke") and not await turn.resolve_tenant():
                # A shared channel's member of a tenant not on the allow-list (or one the
                # roster would not name): nothing is stored, nothing answered.
                await turn.flush_invoke()
                return
            if kind == "invoke" and self._anonymous_invoke(turn):
                # Presence runs beside the answer (both are committed before the reply):
                # two batched writes at once, not one after the other.
                presence = asyncio.ensure_future(scope.note_presence(turn))
            elif kind in ("message", "invoke"):
                await scope.note_presence(turn)
            if kind == "message":
                await self._message(turn)
            elif kind == "invoke":
                await self._invoke(turn)
            elif kind == "conversationUpdate":
                await lifecycle.conversation_update(turn)
            elif kind == "installationUpdate":
                await lifecycle.installation_update(turn)
        except Refused as refusal:
            await self._tell_refused(turn, refusal)
        except Exception:
            self.services.metrics.inc("samverkan_handler_errors_total", type=kind)
            log.exception("handler failed for a %s activity", kind)
            try:
                await turn.send_text(turn.text("error.generic"))
            except Exception:
                log.warning("could not tell the user about the failure")
        if presence is not None:
            try:
                await presence
            except Exception as exc:  # not what the person asked for; noted next time
                log.warning("noting a channel member failed (%s)", type(exc).__name__)
        await turn.flush_invoke()

    async def _tell_refused(self, turn: Turn, refusal: Refused) -> None:
        """Nothing was done: say why, in the person's language (a message, or the invoke
        answer). Dates are shown as people read them, a `Reason` in their language."""
        if isinstance(refusal, IdentityNumberRefused):
            self.services.metrics.inc("samverkan_personnummer_refused_total")
        values = {
            name: fmt.day_month(turn.lang, value)
            if isinstance(value, date)
            else say(turn.lang, value)
            if isinstance(value, Reason)
            else value
            for name, value in refusal.values.items()
        }
        await turn.send_text(turn.text(refusal.key, **values))

    async def _language(self, turn: Turn) -> None:
        """The person's choice, else their Teams locale (sv/en) unless
        SAMVERKAN_FOLLOW_LOCALE=false, else the default.

        Choices come from an in-process snapshot (bot/languages.py), so a turn needs
        no database read for this."""
        if turn.user_id:
            choice = await self.services.languages.choice(turn.user_id, self._language_choices)
            if choice in ("sv", "en"):
                turn.lang = choice
                return
        if not self.services.settings.follow_locale:
            return
        locale = (turn.ctx.activity.locale or "").lower()
        if locale.startswith("en"):
            turn.lang = "en"
        elif locale.startswith("sv"):
            turn.lang = "sv"

    async def _language_choices(self) -> dict[str, str]:
        async with self.services.db.read() as s:
            return await channels_repo.language_choices(s)

    async def _message(self, turn: Turn) -> None:
        value = turn.ctx.activity.value
        if isinstance(value, dict) and ACTION_KEY in value:
            await self._action(turn, str(value.get(ACTION_KEY)), value)
            return
        files = bot_files.files_of(turn) if turn.kind == "personal" else []
        if files:
            if await self._admit(turn):
                await turn.person_keys()
                await bot_files.inbound(turn, files, self.router)
            return
        text = clean_text(turn.ctx.activity.text, bot_names=self._bot_names(turn))
        parsed = self.table.parse(text)
        if parsed is None:
            return
        self.services.metrics.inc(
            "samverkan_commands_total", command=parsed.name if parsed.known else "unknown"
        )
        if not await self._admit(turn):
            return
        await turn.person_keys()  # who this is, and their roster name, before any handler
        if not parsed.known:
            await lifecycle.unknown_command(turn, parsed.name, list(parsed.suggestions))
            return
        await self.router.commands[parsed.name].handler(turn, parsed.args)

    async def _invoke(self, turn: Turn) -> None:
        act = turn.ctx.activity
        if act.name == FILE_CONSENT_INVOKE:
            if await self._admit(turn):
                await bot_files.consent(turn)
            return
        found = _card_action(act)
        if found is not None:
            await self._action(turn, *found)

    def _anonymous_invoke(self, turn: Turn) -> bool:
        """A card action that never needs to know who the person is (a pulse answer)."""
        found = _card_action(turn.ctx.activity)
        return found is not None and found[0] in self.router.anonymous_actions

    async def _admit(self, turn: Turn) -> bool:
        """Per-person rate limit on commands and card actions; a refusal changes nothing."""
        key = turn.user_id or turn.user_channel_id or ""
        now = self._clock()
        if now - self._last_prune > 300:
            self.limiter.prune(now)
            self._last_prune = now
        verdict = self.limiter.check(key.lower(), now)
        if verdict is Verdict.ALLOW:
            return True
        self.services.metrics.inc("samverkan_ratelimited_total")
        if verdict is Verdict.REFUSE_AND_TELL:
            await turn.send_text(turn.text("ratelimited"))
        return False

    async def _action(self, turn: Turn, name: str, data: dict[str, Any]) -> None:
        if not await self._admit(turn):
            return
        handler = self.router.actions.get(name)
        self.services.metrics.inc(
            "samverkan_card_actions_total", action=name if handler else "unknown"
        )
        if handler is None:
            await turn.send_text(turn.text("error.bad_action"))
            return
        if bad_numbers(data):
            # Every card action's ids pass here: a 2^64, negative or fractional id would
            # only make the database driver raise inside the handler.
            await turn.send_text(turn.text("error.bad_number"))
            return
        if name not in self.router.anonymous_actions:
            await turn.person_keys()  # who this is, and their roster name
        await handler(turn, data)

    @staticmethod
    def _bot_names(turn: Turn) -> tuple[str, ...]:
        recipient = turn.ctx.activity.recipient
        names = ["Samverkan"]
        if recipient and recipient.name and recipient.name not in names:
            names.append(recipient.name)
        return tuple(names)


def _card_action(act: Activity) -> tuple[str, dict[str, Any]] | None:
    """An `adaptiveCard/action` invoke's verb and data (None for any other invoke)."""
    if act.name != "adaptiveCard/action":
        return None
    value: dict[str, Any] = act.value if isinstance(act.value, dict) else {}
    raw_action = value.get("action")
    action: dict[str, Any] = raw_action if isinstance(raw_action, dict) else {}
    raw_data = action.get("data")
    data: dict[str, Any] = raw_data if isinstance(raw_data, dict) else {}
    verb = action.get("verb") or data.get(ACTION_KEY)
    return str(verb or ""), data


def _inbound_parts(activity: Activity) -> list[Any]:
    """What of an activity may reach the database: text, card data, names, channel data."""
    parts: list[Any] = [activity.text, activity.value, activity.channel_data, activity.name]
    # File attachments' names and URLs (bot/files.py keeps a file's name).
    parts.extend(a.model_dump(by_alias=True) for a in activity.attachments or [])
    for account in (activity.from_property, activity.conversation, activity.recipient):
        if account is not None:
            parts.extend((account.id, account.name))
    parts.extend(
        member.name for member in (activity.members_added or []) + (activity.members_removed or [])
    )
    parts.extend(entity.model_dump(by_alias=True) for entity in activity.entities or [])
    return parts
