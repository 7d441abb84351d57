"""One typed settings object, read once at start-up from the environment or a git-ignored .env."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AwareDatetime,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.db import DEFAULT_URL


class SettingsError(Exception):
    """Every missing or invalid setting at once, each on its own line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    # Core
    database_url: str = Field(default=DEFAULT_URL, description="SQLAlchemy URL of the database")
    host: str = "127.0.0.1"
    port: int = Field(default=3978, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    timezone: str = "Europe/London"
    environment: Literal["development", "production"] = "development"
    default_pack: str = "derbyshire"
    packs_dir: Path | None = None  # extra council packs beside the built-in ones
    schemes_dir: Path | None = None  # extra weighting schemes beside the built-in ones
    demo_mode: bool = False  # enables the local playground (never in production)
    scheduler_enabled: bool = True
    # Seconds between the scheduler's ticks. A tick with nothing due reads two indexes, so a
    # shorter interval costs little; reminders and digests go out at most this late.
    scheduler_interval_s: float = Field(default=60.0, ge=1.0, le=3600.0)
    record_encryption_key: SecretStr | None = None  # Fernet key for record text at rest
    # Development only: the clock reads this moment at start-up, then runs in real time (the
    # benchmarks start a server on a chosen Monday morning). ISO 8601 with an offset.
    clock_start: AwareDatetime | None = None

    # Slack (bot/slack): HTTP mode needs the signing secret and either a bot token or OAuth.
    slack_signing_secret: SecretStr | None = None
    slack_bot_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None  # xapp- token, for Socket Mode
    slack_socket_mode: bool = False
    slack_api_url: str = "https://slack.com/api/"

    # Microsoft Teams (bot/teams): the Azure Bot registration, single tenant.
    teams_app_id: str | None = None
    teams_app_password: SecretStr | None = None
    teams_tenant_id: str | None = None
    # Local development only: accept unauthenticated activities (Microsoft 365 Agents Playground).
    teams_allow_anonymous: bool = False
    # Benchmarks and tests only: the Bot Framework OpenID metadata document whose `jwks_uri` the
    # token signing keys come from, in place of Microsoft's (the Agents SDK routes to a fixed
    # host and has no setting for it). bench/ serves its own on loopback (issue 24).
    teams_openid_metadata_url: str | None = None
    # Microsoft Graph, app-only, where the council grants it (docs/deployment.md, issue 23).
    # Install the app for people the bot cannot reach yet (TeamsAppInstallation.ReadWriteFor
    # User.All); the app's id in the organisation's app catalog (not the manifest's id).
    teams_install_for_people: bool = False
    teams_catalog_app_id: str | None = None
    # A Teams online meeting per virtual session (OnlineMeetings.ReadWrite.All and an
    # application access policy for the supervisors who organise them).
    teams_online_meetings: bool = False
    # Invitations sent into Outlook as calendar events from the supervisor's mailbox
    # (Calendars.ReadWrite, limited to the supervisors' mailboxes by an application access
    # policy); the .ics file remains the fallback (issue 23 item 6).
    teams_outlook_invites: bool = False
    # Where a chat the bot has never been spoken to in is reached, when no stored reference of
    # the tenant gives the service URL (Microsoft's global one for proactive messages).
    teams_service_url: str = "https://smba.trafficmanager.net/teams/"
    # The app registration Graph tokens are for: the bot's own unless set.
    graph_client_id: str | None = None
    graph_client_secret: SecretStr | None = None
    graph_tenant_id: str | None = None
    graph_url: str = "https://graph.microsoft.com/v1.0/"
    graph_login_url: str = "https://login.microsoftonline.com/"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}; use an IANA name") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgres")):
            raise ValueError("only sqlite:/// and postgresql:// URLs are supported")
        return value

    @model_validator(mode="after")
    def _platforms_complete(self) -> Settings:
        problems: list[str] = []
        if self.slack_socket_mode and not self.slack_app_token:
            problems.append("SLACK_APP_TOKEN is required when SLACK_SOCKET_MODE is on (xapp-...)")
        if (self.slack_bot_token or self.slack_client_id) and not self.slack_signing_secret:
            problems.append("SLACK_SIGNING_SECRET is required when Slack is configured")
        if self.slack_client_id and not self.slack_client_secret:
            problems.append("SLACK_CLIENT_SECRET is required with SLACK_CLIENT_ID (OAuth install)")
        if self.teams_app_id and not self.teams_app_password:
            problems.append("TEAMS_APP_PASSWORD is required when TEAMS_APP_ID is set")
        if self.teams_app_id and not self.teams_tenant_id:
            problems.append("TEAMS_TENANT_ID is required: new bot registrations are single tenant")
        if (
            self.teams_install_for_people
            or self.teams_online_meetings
            or self.teams_outlook_invites
        ):
            if not (self.graph_client_id or self.teams_app_id):
                problems.append(
                    "GRAPH_CLIENT_ID or TEAMS_APP_ID is required for TEAMS_INSTALL_FOR_PEOPLE, "
                    "TEAMS_ONLINE_MEETINGS and TEAMS_OUTLOOK_INVITES (the app registration "
                    "Graph tokens are for)"
                )
            elif not (self.graph_client_secret or self.teams_app_password):
                problems.append("GRAPH_CLIENT_SECRET or TEAMS_APP_PASSWORD is required for Graph")
            if not (self.graph_tenant_id or self.teams_tenant_id):
                problems.append("GRAPH_TENANT_ID or TEAMS_TENANT_ID is required for Graph")
        if self.teams_install_for_people and not self.teams_catalog_app_id:
            problems.append(
                "TEAMS_CATALOG_APP_ID is required with TEAMS_INSTALL_FOR_PEOPLE: the app's id in "
                "the organisation's app catalog (docs/deployment.md says how to find it)"
            )
        if self.environment == "production" and self.teams_allow_anonymous:
            problems.append("TEAMS_ALLOW_ANONYMOUS must be off in production")
        if self.environment == "production" and self.teams_openid_metadata_url:
            problems.append(
                "TEAMS_OPENID_METADATA_URL must be unset in production: tokens are checked "
                "against Microsoft's signing keys"
            )
        if self.environment == "production" and self.demo_mode:
            problems.append("DEMO_MODE must be off in production: the playground has no sign-in")
        if self.environment == "production" and self.clock_start is not None:
            problems.append("CLOCK_START must be unset in production: the clock is real time")
        if self.environment == "production" and not self.record_encryption_key:
            problems.append("RECORD_ENCRYPTION_KEY is required in production")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def slack_enabled(self) -> bool:
        return self.slack_signing_secret is not None

    @property
    def teams_enabled(self) -> bool:
        return self.teams_app_id is not None


def load_settings(**overrides: object) -> Settings:
    """Read the settings, or raise SettingsError listing every problem with its variable name."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines: list[str] = []
        for error in exc.errors():
            name = "_".join(str(part) for part in error["loc"]).upper() or "settings"
            message = str(error["msg"]).removeprefix("Value error, ")
            if name == "settings":
                lines.extend(f"- {part}" for part in message.split("; "))
            elif any(word in name for word in ("SECRET", "TOKEN", "PASSWORD", "KEY")):
                lines.append(f"- {name}: {message}")  # never echo a secret back
            else:
                lines.append(f"- {name}: {message} (got {error.get('input')!r})")
        raise SettingsError("Invalid settings:\n" + "\n".join(lines)) from None
