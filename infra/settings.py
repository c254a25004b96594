"""Configuration from the environment and `.env` (pydantic-settings).

The Agents SDK's own connection settings keep their SDK names
(`CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID` ...), so a deployment
configured for any Agents SDK sample works here too.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.dates import HOME_ZONE
from core.service_url import TEAMS_SERVICE_URL_HOSTS, is_loopback_host, normalise_host_entry
from core.tenancy import allowed_tenants
from storage.db import DEFAULT_DATABASE_URL, normalise_url

_SDK = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
# The issuer of the tokens the Bot Connector sends (public cloud); nothing else may call us.
# (The SDK's BOTFRAMEWORK_PUBLIC_ISSUER; spelt out so the CLI need not import the SDK.)
BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"


def _split(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    client_id: str | None = Field(default=None, validation_alias=AliasChoices(_SDK + "CLIENTID"))
    client_secret: str | None = Field(
        default=None, validation_alias=AliasChoices(_SDK + "CLIENTSECRET")
    )
    tenant_id: str | None = Field(default=None, validation_alias=AliasChoices(_SDK + "TENANTID"))
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL, validation_alias=AliasChoices("DATABASE_URL")
    )
    timezone: str = Field(default=HOME_ZONE, validation_alias=AliasChoices("SAMVERKAN_TIMEZONE"))
    language: Literal["sv", "en"] = Field(
        default="sv", validation_alias=AliasChoices("SAMVERKAN_LANGUAGE")
    )
    allowed_tenants: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias=AliasChoices("SAMVERKAN_ALLOWED_TENANTS")
    )
    secret: str | None = Field(default=None, validation_alias=AliasChoices("SAMVERKAN_SECRET"))
    admins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias=AliasChoices("SAMVERKAN_ADMINS")
    )
    # Anonymous local mode only (ignored with credentials): the people (object ids or UPNs)
    # who are administrators. Empty: everyone at this computer is. `make run` names the
    # Agents Playground's own user, so its other example people have the org file's roles.
    local_admins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias=AliasChoices("SAMVERKAN_LOCAL_ADMINS")
    )
    # Answer someone who chose no language in their Teams client's (sv/en). False: always
    # in `language`. The Agents Playground's client says en-US whoever uses it.
    follow_locale: bool = Field(
        default=True, validation_alias=AliasChoices("SAMVERKAN_FOLLOW_LOCALE")
    )
    host: str = Field(default="127.0.0.1", validation_alias=AliasChoices("SAMVERKAN_HOST"))
    port: int = Field(default=3978, ge=1, le=65535, validation_alias=AliasChoices("SAMVERKAN_PORT"))
    data_dir: Path = Field(default=Path("var"), validation_alias=AliasChoices("SAMVERKAN_DATA_DIR"))
    max_body_bytes: int = Field(
        default=256 * 1024, ge=1024, validation_alias=AliasChoices("SAMVERKAN_MAX_BODY_BYTES")
    )
    global_rate_per_second: float = Field(
        default=50.0, gt=0, le=1000, validation_alias=AliasChoices("SAMVERKAN_GLOBAL_RATE")
    )
    max_send_attempts: int = Field(
        default=8, ge=1, le=100, validation_alias=AliasChoices("SAMVERKAN_MAX_SEND_ATTEMPTS")
    )
    command_rate_per_minute: float = Field(
        default=20.0, gt=0, le=10000, validation_alias=AliasChoices("SAMVERKAN_COMMAND_RATE")
    )
    graph_roles: bool = Field(default=False, validation_alias=AliasChoices("SAMVERKAN_GRAPH_ROLES"))
    teams_app_id: str | None = Field(
        default=None, validation_alias=AliasChoices("SAMVERKAN_TEAMS_APP_ID")
    )
    graph_ttl_seconds: float = Field(
        default=900.0, gt=0, validation_alias=AliasChoices("SAMVERKAN_GRAPH_TTL")
    )
    retention_months: int = Field(
        default=24, ge=1, le=1200, validation_alias=AliasChoices("SAMVERKAN_RETENTION_MONTHS")
    )
    command_burst: int = Field(
        default=10, ge=1, le=10000, validation_alias=AliasChoices("SAMVERKAN_COMMAND_BURST")
    )
    # Bot Connector hosts the activity's serviceUrl may name (`host` or `host:port`).
    # Replies, the roster and the bot's outgoing token go there, so: Microsoft's only.
    service_url_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(TEAMS_SERVICE_URL_HOSTS),
        validation_alias=AliasChoices("SAMVERKAN_SERVICE_URL_HOSTS"),
    )
    # A row being sent is leased this long: if its sender dies, another instance sends it
    # once the lease ends (a repeat at most). Sends time out at a third of it (max 20 s).
    send_lease_seconds: float = Field(
        default=60.0, ge=6, le=3600, validation_alias=AliasChoices("SAMVERKAN_SEND_LEASE")
    )
    # `json`: one JSON object per log line, with the turn's request id (infra/logs.py).
    log_format: Literal["text", "json"] = Field(
        default="text", validation_alias=AliasChoices("SAMVERKAN_LOG_FORMAT")
    )
    # Graceful stop (runtime/serving.py): seconds of not-ready before the listener
    # closes, then at most this long for in-flight turns to finish.
    drain_seconds: float = Field(
        default=5.0, ge=0, le=300, validation_alias=AliasChoices("SAMVERKAN_DRAIN_SECONDS")
    )
    shutdown_timeout: float = Field(
        default=30.0, gt=0, le=600, validation_alias=AliasChoices("SAMVERKAN_SHUTDOWN_TIMEOUT")
    )
    # Kolada API v3 (the refresh job and `samverkan indicators kolada|search`).
    kolada_base_url: str = Field(
        default="https://api.kolada.se/v3",
        validation_alias=AliasChoices("SAMVERKAN_KOLADA_URL"),
    )
    # Extra hosts (`host` or `host:port`) file downloads and uploads in the personal chat
    # may use besides SharePoint's (core/files.py); for tests and on-premises proxies.
    file_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias=AliasChoices("SAMVERKAN_FILE_HOSTS")
    )
    # /healthz and /metrics: behind a bearer token, and/or on a port of their own.
    ops_token: str | None = Field(
        default=None, min_length=16, validation_alias=AliasChoices("SAMVERKAN_OPS_TOKEN")
    )
    ops_port: int | None = Field(
        default=None, ge=1, le=65535, validation_alias=AliasChoices("SAMVERKAN_OPS_PORT")
    )

    @field_validator("allowed_tenants", "admins", "local_admins", "file_hosts", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return _split(value)

    @field_validator("ops_token", "ops_port", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("admins", "local_admins")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [v.lower() for v in value]

    @field_validator("service_url_hosts", mode="before")
    @classmethod
    def _hosts(cls, value: Any) -> Any:
        hosts = [normalise_host_entry(v) for v in _split(value)]
        return hosts or list(TEAMS_SERVICE_URL_HOSTS)  # empty: the Teams hosts

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("unknown time zone (use e.g. Europe/Stockholm)") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _db(cls, value: str) -> str:
        url = normalise_url(value)
        if not (url.startswith("sqlite+aiosqlite://") or url.startswith("postgresql+asyncpg://")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return url

    @field_validator("secret")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        if value is not None and len(value) < 32:
            raise ValueError("must be at least 32 characters (e.g. `openssl rand -hex 32`)")
        return value

    @property
    def anonymous(self) -> bool:
        """Local mode: no bot credentials, no JWT; the administrators are
        `local_admins`, or everyone at this computer when it is empty."""
        return not self.client_id

    @property
    def own_tenant(self) -> str | None:
        """The bot's own tenant, lower case (None: anonymous local mode): the only one whose
        people it reaches personally or asks Graph about (core/tenancy.py `reach`)."""
        return None if self.anonymous else (self.tenant_id or "").lower()

    @property
    def tenants(self) -> frozenset[str]:
        """Tenants that may talk to the bot: its own always, plus SAMVERKAN_ALLOWED_TENANTS
        (lower case; core/tenancy.py)."""
        return allowed_tenants(self.tenant_id, self.allowed_tenants)

    @property
    def allowed_service_hosts(self) -> frozenset[str]:
        return frozenset(self.service_url_hosts)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def check_serving(self) -> None:
        """Refuse combinations that would be unsafe to serve."""
        if self.anonymous and not _is_loopback(self.host):
            raise ConfigError(
                f"SAMVERKAN_HOST={self.host}: anonymous local mode (no "
                f"{_SDK}CLIENTID) only listens on a loopback address such as 127.0.0.1; "
                "configure the bot's credentials to serve on other addresses."
            )
        if self.anonymous:
            # A secret or tenant without a client id is a deployment whose CLIENTID is
            # missing or misspelt: serving it anonymously would let anyone in.
            present = [
                name
                for name, value in (
                    ("CLIENTSECRET", self.client_secret),
                    ("TENANTID", self.tenant_id),
                )
                if value
            ]
            if present:
                raise ConfigError(
                    f"{_SDK}{present[0]} is set but {_SDK}CLIENTID is not: set the client id "
                    "too, or remove the credentials to run in anonymous local mode."
                )
        if not self.anonymous and not self.client_secret:
            raise ConfigError(f"{_SDK}CLIENTSECRET: required when CLIENTID is set.")
        if not self.anonymous and not self.tenant_id:
            raise ConfigError(f"{_SDK}TENANTID: required when CLIENTID is set.")
        if not self.anonymous and not self.secret:
            raise ConfigError("SAMVERKAN_SECRET: required when the bot has credentials.")

    def server_secret(self) -> str:
        """The configured secret, or in local mode one generated once under data_dir."""
        if self.secret:
            return self.secret
        path = self.data_dir / "secret"
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        value = secrets.token_hex(32)
        path.write_text(value)
        path.chmod(0o600)
        return value

    def sdk_configuration(self) -> dict[str, Any]:
        """The dict the Agents SDK's connection manager expects."""
        settings: dict[str, Any] = {
            "VALIDATE_ISSUER": "true",
            # Only the Bot Connector speaks for a person. Without this the SDK also
            # trusts our own tenant's Entra issuers, and any app registration in the
            # tenant can get a token for our app id. (The SDK still adds Microsoft's
            # first-party issuers; bot/web.py checks the issuer itself as well.)
            "ISSUERS": [BOT_FRAMEWORK_ISSUER],
        }
        if self.anonymous:
            settings["ANONYMOUS_ALLOWED"] = "true"
        else:
            settings.update(
                CLIENTID=self.client_id,
                CLIENTSECRET=self.client_secret,
                TENANTID=self.tenant_id,
                AUTHTYPE="ClientSecret",
            )
        return {"CONNECTIONS": {"SERVICE_CONNECTION": {"SETTINGS": settings}}}


class ConfigError(Exception):
    """A setting that stops start-up; the message is one line for the operator."""


def _is_loopback(host: str) -> bool:
    return is_loopback_host(host)


def load_settings(**overrides: Any) -> Settings:
    """Load settings, turning validation errors into one ConfigError line."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = first.get("loc", ())
        name = _env_name(str(loc[0])) if loc else "setting"
        # Never the value itself: a mistyped secret or a URL with a password would land
        # in the logs of whatever runs the process. The name and the rule are enough.
        raise ConfigError(f"{name}: {first.get('msg')}") from None


def _env_name(field: str) -> str:
    info = Settings.model_fields.get(field)
    if info is not None and isinstance(info.validation_alias, AliasChoices):
        return str(info.validation_alias.choices[0])
    return field
