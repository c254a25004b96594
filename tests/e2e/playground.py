"""Drive Microsoft 365 Agents Playground headless from pytest.

The playground (npm ``@microsoft/m365agentsplayground``, bin ``agentsplayground``) is a
Node/Express server that plays two parts at once:

* the Teams *client*: its web UI calls private JSON routes (``/_debug``, ``/_conversation``,
  ``/_internal``) that make the server send activities to the bot's ``/api/messages``;
* the Bot Connector: every activity it sends carries
  ``serviceUrl = http://localhost:<port>/_connector`` so the bot's replies, updates (PUT),
  proactive posts and member look-ups land back on it (``/_connector/v3/...``).

There is no documented test API; this class calls the same routes the UI calls, and reads
the bot's output from two places the server offers:

* the conversation WebSocket ``/_ws_conversation/v1/conversations/stream`` (what the UI
  renders: ``createMessage`` / ``updateMessage`` with the playground's message ids, which
  are what card submits and invokes must reference), collected as :class:`Message`;
* the events-recording file (``--enable-events-recording`` with
  ``M365_AGENTS_PLAYGROUND_RECORDING_FILE``): one JSON record per HTTP exchange in either
  direction, with method, URL, the raw activity and the response, collected as
  :class:`Exchange`.

See ``PLAYGROUND_NOTES.md`` beside this file for the routes, bodies and quirks.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import os
import re
import shutil
import socket
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import aiohttp
import yaml

HERE = Path(__file__).resolve().parent
# The mock Teams `make run`'s README section starts the playground with (repo root).
SHIPPED_CONFIG = HERE.parents[1] / ".m365agentsplayground.yml"
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
TO_BOT = "Microsoft 365 Agents Playground -> User Application"
FROM_BOT = "User Application -> Microsoft 365 Agents Playground"


class PlaygroundError(AssertionError):
    """A harness failure; the message ends with the tail of the playground's log."""


@dataclass
class PlaygroundConfig:
    """Mock Teams context, written as ``.m365agentsplayground.yml`` (schema 0.1.1).

    Limits of the playground: exactly five ``users`` besides ``current_user``, one team,
    the General channel (its id is the team id) plus at most one more channel, bot name
    at most 42 characters, and all chat/team/channel ids distinct.
    """

    bot_name: str = "Samverkan"
    bot_id: str = "28:00000000-0000-0000-0000-00000000b07a"
    tenant_id: str = "11111111-2222-3333-4444-555555555555"
    team_id: str = "19:team-general@thread.tacv2"
    team_name: str = "Vårdcentral Test"
    team_aad_group_id: str = "00000000-0000-0000-0000-000000000031"
    channel_id: str | None = "19:channel-samverkan@thread.tacv2"
    channel_name: str = "Samverkan"
    personal_chat_id: str = "a:personal-chat-id"
    group_chat_id: str = "19:group-chat@thread.v2"
    group_chat_name: str = "Group Chat"
    current_user: dict[str, str] = field(default_factory=lambda: _user(0, "Alex Wilber", "alexw"))
    users: list[dict[str, str]] = field(
        default_factory=lambda: [
            _user(1, "Megan Bowen", "meganb"),
            _user(2, "Adele Vance", "adelev"),
            _user(3, "Isaiah Langer", "isaiahl"),
            _user(4, "Patti Fernandez", "pattif"),
            _user(5, "Lynne Robbins", "lynner"),
        ]
    )

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> PlaygroundConfig:
        """A config file as the playground reads it (e.g. the shipped one, SHIPPED_CONFIG)."""
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        team = doc["team"]
        [channel] = team["channels"] or [None]
        return cls(
            bot_name=doc["bot"]["name"],
            bot_id=doc["bot"]["id"],
            tenant_id=doc["tenantId"],
            team_id=team["id"],
            team_name=team["name"],
            team_aad_group_id=team["aadGroupId"],
            channel_id=channel["id"] if channel else None,
            channel_name=channel["name"] if channel else "",
            personal_chat_id=doc["personalChat"]["id"],
            group_chat_id=doc["groupChat"]["id"],
            group_chat_name=doc["groupChat"]["name"],
            current_user=dict(doc["currentUser"]),
            users=[dict(u) for u in doc["users"]],
        )

    def as_user(self, given_name: str) -> PlaygroundConfig:
        """The same mock Teams with another of its people at the keyboard: the playground
        only ever writes as its current user, who changes places with that person (and
        gets a personal chat of their own). `make playground WHO=Johan` uses this."""
        everyone = [self.current_user, *self.users]
        me = next((u for u in everyone if _fold(u["givenName"]) == _fold(given_name)), None)
        if me is None:
            names = ", ".join(u["givenName"] for u in everyone)
            raise ValueError(f"no one called {given_name!r} here; try one of: {names}")
        users = [self.current_user if u is me else u for u in self.users]
        chat = re.sub(r"[^a-z0-9]+", "-", me["givenName"].lower())
        return replace(
            self,
            current_user=me,
            users=users,
            personal_chat_id=f"{self.personal_chat_id}-{chat}",
        )

    def to_yaml(self) -> str:
        # JSON is valid YAML 1.2, so no YAML library is needed.
        doc = {
            "version": "0.1.1",
            "tenantId": self.tenant_id,
            "bot": {"id": self.bot_id, "name": self.bot_name},
            "currentUser": self.current_user,
            "users": self.users,
            "personalChat": {"id": self.personal_chat_id},
            "groupChat": {"id": self.group_chat_id, "name": self.group_chat_name},
            "team": {
                "id": self.team_id,
                "name": self.team_name,
                "aadGroupId": self.team_aad_group_id,
                "channels": (
                    [{"id": self.channel_id, "name": self.channel_name}] if self.channel_id else []
                ),
            },
        }
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _fold(name: str) -> str:
    """Åsa, åsa and asa alike (a terminal may not type Å)."""
    plain = unicodedata.normalize("NFKD", name.strip().lower())
    return "".join(c for c in plain if not unicodedata.combining(c))


def _user(n: int, name: str, alias: str) -> dict[str, str]:
    given, _, surname = name.partition(" ")
    return {
        "id": f"29:user-id-{n}",
        "name": name,
        "userPrincipleName": f"{alias}@example.com",  # sic: the playground's spelling
        "aadObjectId": f"00000000-0000-0000-0000-0000000000{20 + n}",
        "givenName": given,
        "surname": surname,
        "email": f"{alias}@example.com",
    }


@dataclass
class Message:
    """A message as the playground's UI sees it (conversation WebSocket)."""

    action: str  # "createMessage" or "updateMessage"
    message_id: str
    conversation_id: str  # the conversation holding the message (thread id in a channel)
    from_id: str
    text: str | None
    attachments: list[dict[str, Any]]
    raw: dict[str, Any]

    @property
    def cards(self) -> list[dict[str, Any]]:
        """Adaptive Card contents of this message."""
        return [a["content"] for a in self.attachments if a.get("contentType") == ADAPTIVE_CARD]

    @property
    def is_update(self) -> bool:
        return self.action == "updateMessage"

    @property
    def thread_root(self) -> bool:
        """True if the message opened a new channel thread (a post), e.g. proactively."""
        return bool(self.raw.get("message", {}).get("postConversationId"))


@dataclass
class Exchange:
    """One recorded HTTP exchange between playground and bot (events-recording file)."""

    direction: str  # TO_BOT or FROM_BOT
    method: str
    url: str
    activity: dict[str, Any]  # request body
    status: int
    response: Any  # response body
    raw: dict[str, Any]

    @property
    def to_bot(self) -> bool:
        return self.direction == TO_BOT

    @property
    def from_bot(self) -> bool:
        return self.direction == FROM_BOT

    @property
    def is_update(self) -> bool:
        """A bot PUT to /v3/conversations/{id}/activities/{activityId}."""
        return self.from_bot and self.method == "PUT"

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a.get("content")
            for a in self.activity.get("attachments") or []
            if a.get("contentType") == ADAPTIVE_CARD
        ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def find_binary() -> str:
    """The agentsplayground executable: $AGENTSPLAYGROUND_BIN, tests/e2e/node_modules, PATH."""
    env = os.environ.get("AGENTSPLAYGROUND_BIN")
    if env:
        return env
    local = HERE / "node_modules" / ".bin" / "agentsplayground"
    if local.exists():
        return str(local)
    found = shutil.which("agentsplayground")
    if found:
        return found
    raise PlaygroundError(
        "agentsplayground not installed: run `npm ci --prefix tests/e2e` "
        "(or set AGENTSPLAYGROUND_BIN)"
    )


class Playground:
    """One headless playground process wired to one bot endpoint.

    Usage::

        async with Playground("http://127.0.0.1:3978/api/messages") as pg:
            await pg.install_in_channel()
            post = await pg.send_message("setup Östersund")
            card_msg = await pg.wait_for_message(lambda m: m.cards)
            await pg.submit_card({"verb": "ok"}, card_msg)
    """

    def __init__(
        self,
        bot_endpoint: str = "http://127.0.0.1:3978/api/messages",
        *,
        config: PlaygroundConfig | None = None,
        port: int | None = None,
        workdir: str | os.PathLike[str] | None = None,
        binary: str | None = None,
        startup_timeout: float = 30.0,
    ) -> None:
        self.bot_endpoint = bot_endpoint
        self.config = config or PlaygroundConfig()
        self.port = port
        self.binary = binary
        self.startup_timeout = startup_timeout
        self._own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="playground-"))
        self.log_path = self.workdir / "playground.log"  # the server's own console log
        self.stdout_path = self.workdir / "stdout.log"
        self.recording_path = self.workdir / "recording.log"
        self.messages: list[Message] = []
        self.exchanges: list[Exchange] = []
        self._proc: asyncio.subprocess.Process | None = None
        self._session: aiohttp.ClientSession | None = None
        self._ws_task: asyncio.Task[None] | None = None
        self._ws_ready = asyncio.Event()
        self._changed = asyncio.Event()
        self._rec_offset = 0
        self._rec_buffer = ""
        # The file is read while the playground writes it: a read can end inside a
        # multi-byte character (Ö), so decode incrementally.
        self._rec_decoder = codecs.getincrementaldecoder("utf-8")()
        self._log_offset = 0
        # Indexes into bot_messages()/bot_activities()/exchanges taken just before the last
        # driving call; the wait_* methods look only past them unless given after=.
        self._mark = (0, 0, 0)

    # ----------------------------------------------------------------- lifecycle
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service_url(self) -> str:
        """The serviceUrl the playground puts in every activity."""
        return f"http://localhost:{self.port}/_connector"

    async def __aenter__(self) -> Playground:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        binary = self.binary or find_binary()
        self.port = self.port or _free_port()
        cfg = self.workdir / ".m365agentsplayground.yml"
        cfg.write_text(self.config.to_yaml(), encoding="utf-8")
        env = {
            **os.environ,
            "TEAMSAPPTESTER_BROWSER": "none",  # never open a browser
            "M365_AGENTS_PLAYGROUND_CONFIG_PATH": str(cfg),
            "M365_AGENTS_PLAYGROUND_LOGFILE": str(self.log_path),
            "M365_AGENTS_PLAYGROUND_RECORDING_FILE": str(self.recording_path),
        }
        args = [
            binary,
            "--app-endpoint", self.bot_endpoint,
            "--channel-id", "msteams",
            "--port", str(self.port),
            "--enable-events-recording",
            "--disable-telemetry",
        ]  # fmt: skip
        out = self.stdout_path.open("wb")
        try:
            self._proc = await asyncio.create_subprocess_exec(
                *args,
                cwd=self.workdir,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            out.close()
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        await self._wait_ready()
        self._ws_task = asyncio.create_task(self._read_conversation_ws())
        try:
            await asyncio.wait_for(self._ws_ready.wait(), 10)
        except TimeoutError:
            raise self._error("conversation WebSocket did not connect") from None

    async def _wait_ready(self) -> None:
        assert self._proc and self._session
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc.returncode is not None:
                raise self._error(f"playground exited with {self._proc.returncode}")
            # If our port was taken it silently falls back to a random one.
            m = re.search(rb"Listening on (\d+)", self.stdout_path.read_bytes())
            if m:
                self.port = int(m.group(1))
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    async with self._session.get(f"{self.base_url}/_debug/ping") as r:
                        if r.status == 200:
                            return
            await asyncio.sleep(0.1)
        raise self._error(f"playground not ready after {self.startup_timeout}s")

    async def stop(self) -> None:
        if self._ws_task:
            self._ws_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._ws_task
        if self._session:
            await self._session.close()
        if self._proc and self._proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._proc.terminate()
            try:
                await asyncio.wait_for(self._proc.wait(), 5)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self._proc.kill()
                await self._proc.wait()
        if self._own_workdir and not os.environ.get("PLAYGROUND_KEEP"):
            shutil.rmtree(self.workdir, ignore_errors=True)

    # ------------------------------------------------------------ read-back side
    async def _read_conversation_ws(self) -> None:
        assert self._session
        url = f"ws://127.0.0.1:{self.port}/_ws_conversation/v1/conversations/stream"
        async with self._session.ws_connect(url, heartbeat=None) as ws:
            self._ws_ready.set()
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                if data.get("action") not in ("createMessage", "updateMessage"):
                    continue
                m = data["message"]
                conversation_id = m.get("postConversationId") or data["actionConversationId"]
                if data["action"] == "updateMessage":
                    # Updates of a thread's root post name the channel, not the thread.
                    conversation_id = next(
                        (
                            x.conversation_id
                            for x in self.messages
                            if x.message_id == m["messageId"]
                        ),
                        conversation_id,
                    )
                self.messages.append(
                    Message(
                        action=data["action"],
                        message_id=m["messageId"],
                        conversation_id=conversation_id,
                        from_id=m["from"]["id"],
                        text=m.get("text"),
                        attachments=m.get("attachments") or [],
                        raw=data,
                    )
                )
                self._changed.set()

    def _poll_recording(self) -> None:
        try:
            with self.recording_path.open("rb") as f:
                f.seek(self._rec_offset)
                chunk = f.read()
        except FileNotFoundError:
            return
        if not chunk:
            return
        self._rec_offset += len(chunk)
        self._rec_buffer += self._rec_decoder.decode(chunk)
        *complete, self._rec_buffer = self._rec_buffer.split("\n---\n")
        for text in complete:
            if not text.strip():
                continue
            rec = json.loads(text)
            req, res = rec.get("request", {}), rec.get("response", {})
            self.exchanges.append(
                Exchange(
                    direction=rec.get("direction", ""),
                    method=req.get("method", ""),
                    url=req.get("url", ""),
                    activity=req.get("body") or {},
                    status=res.get("statusCode", 0),
                    response=res.get("body"),
                    raw=rec,
                )
            )

    def bot_messages(self) -> list[Message]:
        """Messages (creates and updates) authored by the bot, oldest first."""
        return [m for m in self.messages if m.from_id == self.config.bot_id]

    def bot_activities(self) -> list[Exchange]:
        """Every request the bot made to the connector (replies, PUTs, proactive posts...)."""
        self._poll_recording()
        return [e for e in self.exchanges if e.from_bot]

    def mark(self) -> None:
        """Remember where the transcript ends; later wait_* calls look only past this point.

        Every driving method (install, send_message, submit_card, ...) calls it first.
        """
        self._poll_recording()
        self._mark = (len(self.bot_messages()), len(self.bot_activities()), len(self.exchanges))

    async def wait_for_message(
        self,
        predicate: Callable[[Message], Any] = lambda m: True,
        timeout: float = 10.0,  # noqa: ASYNC109
        *,
        after: int | None = None,
    ) -> Message:
        """First bot message matching predicate, created or updated since the last driving
        call (or from index ``after`` of :meth:`bot_messages`; ``after=0`` for all)."""
        after = self._mark[0] if after is None else after
        deadline = time.monotonic() + timeout
        while True:
            for m in self.bot_messages()[after:]:
                if predicate(m):
                    return m
            if time.monotonic() >= deadline:
                raise self._error("no matching bot message", self.bot_messages())
            await self._tick(deadline)

    async def wait_for_activity(
        self,
        predicate: Callable[[Exchange], Any] = lambda e: True,
        timeout: float = 10.0,  # noqa: ASYNC109
        *,
        after: int | None = None,
    ) -> Exchange:
        """First bot→connector request matching predicate, since the last driving call
        (or from index ``after`` of :meth:`bot_activities`).

        Use this for what the WebSocket cannot show: HTTP method/URL (``e.is_update`` for
        PUT), the raw activity (channelData, replyToId, entities), the connector's answer.
        """
        after = self._mark[1] if after is None else after
        deadline = time.monotonic() + timeout
        while True:
            for e in self.bot_activities()[after:]:
                if predicate(e):
                    return e
            if time.monotonic() >= deadline:
                raise self._error(
                    "no matching bot activity",
                    [(e.method, e.url, e.activity.get("text")) for e in self.bot_activities()],
                )
            await self._tick(deadline)

    async def wait_turn(
        self,
        predicate: Callable[[dict[str, Any]], Any],
        timeout: float = 15.0,  # noqa: ASYNC109
    ) -> Exchange:
        """Wait until the bot has answered the HTTP POST of an activity matching predicate.

        The playground records a to-bot exchange only after the bot's /api/messages
        responded, i.e. after the turn (and every reply sent inside it) finished.
        """
        deadline = time.monotonic() + timeout
        after = self._mark[2]
        while True:
            self._poll_recording()
            for e in self.exchanges[after:]:
                if e.to_bot and predicate(e.activity):
                    return e
            if "Cannot connect to your app" in self._new_log():
                raise self._error(f"playground cannot reach the bot at {self.bot_endpoint}")
            if time.monotonic() >= deadline:
                raise self._error("bot turn not completed (bot down, answering >= 400, or slow?)")
            await self._tick(deadline)

    def _new_log(self) -> str:
        try:
            with self.log_path.open("rb") as f:
                f.seek(self._log_offset)
                chunk = f.read()
        except FileNotFoundError:
            return ""
        self._log_offset += len(chunk)
        return chunk.decode("utf-8", errors="replace")

    async def _tick(self, deadline: float) -> None:
        self._changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                self._changed.wait(), min(0.05, max(0, deadline - time.monotonic()))
            )

    def _error(self, what: str, seen: Any = None) -> PlaygroundError:
        def tail(p: Path) -> str:
            try:
                return p.read_text(errors="replace")[-4000:]
            except OSError:
                return "(none)"

        seen_txt = f"\nseen: {seen!r}" if seen is not None else ""
        return PlaygroundError(
            f"{what}{seen_txt}\n--- playground stdout ({self.stdout_path}):\n"
            f"{tail(self.stdout_path)}\n--- playground log ({self.log_path}):\n{tail(self.log_path)}"
        )

    # -------------------------------------------------------------- driving side
    async def _post(self, path: str, body: Any) -> Any:
        assert self._session, "start() first"
        async with self._session.post(f"{self.base_url}{path}", json=body) as r:
            text = await r.text()
            if r.status >= 400:
                raise self._error(f"POST {path} -> {r.status}: {text}")
            return json.loads(text) if text else None

    async def get_config(self) -> dict[str, Any]:
        """The resolved mock context (users, chats, team, channels)."""
        assert self._session
        async with self._session.get(f"{self.base_url}/_internal/v1/testConfig") as r:
            return await r.json()

    async def install(self, conversation_id: str, *, wait: bool = True) -> None:
        """What the UI does on "install": POST /_debug/conversation/{id}/installation.

        Sends ``installationUpdate`` (action add) then ``conversationUpdate`` membersAdded
        [bot] (channelData.eventType ``teamMemberAdded`` + team + settings.selectedChannel
        in a channel; no ``channelData.channel``). Use :meth:`install_in_channel` with
        ``full_channel_data=True`` for a hand-built activity carrying ``channel`` too.
        """
        self.mark()
        await self._post(f"/_debug/conversation/{conversation_id}/installation", {})
        if wait:
            await self.wait_turn(
                lambda a: (
                    a.get("type") == "conversationUpdate"
                    and a.get("conversation", {}).get("id") == conversation_id
                )
            )

    async def install_in_channel(
        self, channel_id: str | None = None, *, full_channel_data: bool = False, wait: bool = True
    ) -> dict[str, Any] | None:
        """Install the bot in a team channel (default: the configured extra channel)."""
        channel_id = channel_id or self.config.channel_id or self.config.team_id
        if not full_channel_data:
            await self.install(channel_id, wait=wait)
            return None
        activity = self.channel_bot_added_activity(channel_id)
        await self.send_custom_activity(activity)  # marks
        if wait:
            await self.wait_turn(lambda a: a.get("id") == activity["id"])
        return activity

    async def install_personal(self, *, wait: bool = True) -> None:
        await self.install(self.config.personal_chat_id, wait=wait)

    def channel_bot_added_activity(self, channel_id: str) -> dict[str, Any]:
        """A Teams-shaped conversationUpdate (bot added to team) for a channel conversation."""
        c = self.config
        channel_name = c.channel_name if channel_id != c.team_id else "General"
        return {
            "type": "conversationUpdate",
            "id": f"install-{time.time_ns()}",
            "timestamp": _now(),
            "channelId": "msteams",
            "serviceUrl": self.service_url,
            "from": {"id": c.current_user["id"], "aadObjectId": c.current_user["aadObjectId"]},
            "recipient": {"id": c.bot_id, "name": c.bot_name},
            "conversation": {
                "id": channel_id,
                "isGroup": True,
                "conversationType": "channel",
                "tenantId": c.tenant_id,
            },
            "membersAdded": [{"id": c.bot_id}],
            "channelData": {
                "eventType": "teamMemberAdded",
                "team": {"id": c.team_id, "name": c.team_name, "aadGroupId": c.team_aad_group_id},
                "channel": {"id": channel_id, "name": channel_name},
                "tenant": {"id": c.tenant_id},
                "settings": {"selectedChannel": {"id": channel_id}},
            },
        }

    async def send_custom_activity(self, activity: dict[str, Any]) -> None:
        """POST /_internal/v1/customActivities: the body goes to the bot verbatim.

        Fire-and-forget (answers 200 before the bot is called). Its ``conversation.id``
        must be one the playground knows, or the bot's replies get 404.
        """
        self.mark()
        await self._post("/_internal/v1/customActivities", activity)

    async def send_message(
        self,
        text: str,
        *,
        conversation_id: str | None = None,
        mention_bot: bool = True,
        from_id: str | None = None,
        wait: bool = True,
    ) -> dict[str, Any]:
        """Post a message as the current user (default: new post in the configured channel).

        In a channel the playground only calls the bot when it is @mentioned; ``<at>Bot</at>``
        is prepended to ``text`` unless already present. Posting to a channel id starts a new
        thread; post to the returned ``postConversationId`` to reply in that thread.
        Returns ``{"messageId", "postConversationId"?, "timestamp", "conversationId"}``.
        """
        c = self.config
        conversation_id = conversation_id or c.channel_id or c.team_id
        body: dict[str, Any] = {
            "from": {"id": from_id or c.current_user["id"]},
            "textFormat": "xml",
        }
        at = f"<at>{c.bot_name}</at>"
        if mention_bot:
            if at not in text:
                text = f"{at} {text}"
            body["mentions"] = [{"mentioned": {"id": c.bot_id}, "text": at}]
        body["text"] = text
        self.mark()
        res = await self._post(f"/_conversation/v1/conversations/{conversation_id}/messages", body)
        res["conversationId"] = res.get("postConversationId") or conversation_id
        if wait and (mention_bot or conversation_id == c.personal_chat_id):
            await self.wait_turn(
                lambda a: (
                    a.get("type") == "message"
                    and a.get("conversation", {}).get("id") == res["conversationId"]
                    and a.get("text") == text
                )
            )
        return res

    async def submit_card(
        self,
        value: dict[str, Any],
        card_message: Message,
        *,
        from_id: str | None = None,
        wait: bool = True,
    ) -> None:
        """Press an Action.Submit: a message activity with ``value`` and ``replyToId``.

        ``card_message`` must be a bot message the playground holds (from
        :meth:`wait_for_message`); the UI merges the inputs' values into ``value``.
        """
        body = {
            "conversation": {"id": card_message.conversation_id},
            "from": {"id": from_id or self.config.current_user["id"]},
            "replyToId": card_message.message_id,
            "value": value,
        }
        self.mark()
        await self._post("/_conversation/v1/submit", body)
        if wait:
            await self.wait_turn(
                lambda a: (
                    a.get("type") == "message"
                    and a.get("replyToId") == card_message.message_id
                    and a.get("value") == value
                )
            )

    async def invoke_action(
        self,
        verb: str,
        data: dict[str, Any] | None,
        card_message: Message,
        *,
        from_id: str | None = None,
    ) -> dict[str, Any]:
        """Press an Action.Execute: ``invoke`` ``adaptiveCard/action``; returns the bot's
        invoke response body ``{"type": ..., "value": ...}`` (synchronous, turn finished).

        The playground then replaces the card in its own store by ``value`` if the
        message has exactly one attachment (it does not push that to the WebSocket).
        """
        body = {
            "name": "adaptiveCard/action",
            "value": {
                "action": {"type": "Action.Execute", "verb": verb, "data": data or {}},
                "trigger": "manual",
            },
            "from": {"id": from_id or self.config.current_user["id"]},
            "conversation": {"id": card_message.conversation_id},
            "replyToId": card_message.message_id,
        }
        self.mark()
        return await self._post("/_conversation/v1/invoke", body)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


if __name__ == "__main__":
    # `make playground WHO=<given name>`: the shipped config with that person at the keyboard.
    import sys

    try:
        print(PlaygroundConfig.from_file(SHIPPED_CONFIG).as_user(sys.argv[1]).to_yaml(), end="")
    except (IndexError, ValueError) as exc:
        sys.exit(f"usage: python -m tests.e2e.playground <given name>: {exc}")
