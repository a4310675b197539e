"""One settings class, read from LIVESHOP_* environment variables (and .env)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from liveshop.discovery.ranking import BlendWeights

DEV_SECRET_KEY = "dev-insecure-secret-key-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIVESHOP_", env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite+aiosqlite:///./liveshop.db"
    redis_url: str | None = None
    # sql: a conditional update per order. memory: stock in this process, orders made
    # durable by group commit (one node). redis: stock in Redis shared by many nodes, the
    # same group commit (needs redis_url). See docs/inventory.md.
    inventory_backend: Literal["sql", "memory", "redis"] = "sql"
    # Connections each Redis client (stock engine, room bus) keeps at most; a burst waits for one.
    redis_max_connections: int = Field(default=64, ge=2, le=10_000)
    # Prefix of every Redis key and channel, so installations (or tests) can share a server.
    redis_prefix: str = Field(default="liveshop:", min_length=1, max_length=64)
    # sql engine: seconds a node refuses a listing it saw sell out without asking the database.
    sold_out_flag_seconds: float = Field(default=1.0, ge=0, le=60)
    secret_key: str = DEV_SECRET_KEY
    # Seconds a pending order waits for payment before its stock goes back on sale.
    payment_timeout: int = Field(default=900, ge=10, le=86_400)
    expiry_sweep_interval: float = Field(default=2.0, gt=0)
    # Seconds between sweeps that remind viewers whose reserved show went live.
    reminder_sweep_interval: float = Field(default=2.0, gt=0)
    # Seconds between rounds of the webhook delivery worker.
    webhook_delivery_interval: float = Field(default=1.0, gt=0)
    session_ttl: int = Field(default=30 * 86_400, ge=60)
    # Seconds a node trusts a session lookup it made; 0 turns the cache off.
    session_cache_seconds: float = Field(default=10.0, ge=0, le=300)
    # Seconds between a node's polls of the revocation list (logouts on other nodes).
    revocation_poll_seconds: float = Field(default=2.0, gt=0, le=60)
    sandbox_webhook_secret: str | None = None
    # Webhooks older than this (seconds) are treated as replays.
    webhook_tolerance: int = Field(default=300, ge=1)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    tick_seconds: float = Field(default=0.1, gt=0, le=5)
    # The room channel also on a port of its own (realtime/gateway.py): frames written
    # pre-framed to every viewer, for big rooms. None: only the ASGI routes.
    channel_port: int | None = Field(default=None, ge=1, le=65535)
    channel_host: str = "127.0.0.1"
    chat_budget_per_tick: int = Field(default=30, ge=1)
    # Chat flood control per viewer and room (token bucket, per node): steady rate and burst.
    chat_rate_per_second: float = Field(default=1.0, gt=0, le=100)
    chat_burst: int = Field(default=5, ge=1, le=100)
    # The feed's blend weights (discovery/ranking.py), e.g. {"conversion": 3.0}; others keep defaults.
    feed_weights: dict[str, float] = Field(default_factory=dict)
    # Seconds between retrainings of the feed's affinity model from the event log.
    feed_retrain_seconds: float = Field(default=600.0, ge=1, le=86_400)
    # A header an edge proxy sets to the viewer's region (e.g. CF-IPCountry), for guests and for
    # viewers who set none; unset: only regions viewers chose themselves.
    region_header: str | None = Field(default=None, max_length=64)
    # Trust & safety's real-time guards on sign-ups and follows (trust/guards.py).
    guards: bool = True
    guard_limits: dict[str, int] = Field(default_factory=dict)
    # Days a raw network address is kept beside its hash in trust & safety's sightings; after
    # that only the keyed hash remains. Sightings themselves go after `trust_sightings_days`.
    trust_ip_retention_days: int = Field(default=7, ge=0, le=90)
    trust_sightings_days: int = Field(default=180, ge=1, le=3650)
    # Video (media/): where hosts point OBS (the RTMP application's URL, shown to them with the
    # stream key), where viewers' players fetch HLS, and who may call the media server's hooks.
    media_rtmp_url: str = Field(default="rtmp://127.0.0.1:1935/live", max_length=300)
    media_hls_url: str = Field(default="http://127.0.0.1:8088/hls", max_length=300)
    media_replay_url: str = Field(default="http://127.0.0.1:8088/replays", max_length=300)
    # Where this node pulls a room's stream from to relay it (simulcast); default media_rtmp_url.
    media_pull_url: str | None = Field(default=None, max_length=300)
    media_hook_from: list[str] = Field(default_factory=lambda: ["127.0.0.1", "::1"])
    # Seconds a show waits for its host to come back after the stream drops, then ends.
    media_grace_seconds: float = Field(default=120.0, ge=0, le=3600)
    # Where the bundled nginx-rtmp writes HLS segments and recordings (`liveshop media config`).
    media_dir: str = Field(default="./media", max_length=300)
    auto_migrate: bool = True
    # Adds POST /api/v1/bench/echo, the same-stack baseline of `liveshop bench flash-sale`.
    bench_routes: bool = False
    # Argon2id cost. The defaults follow argon2-cffi's RFC 9106 low-memory profile; tests
    # lower them to keep thousands of sign-ups fast.
    argon2_time_cost: int = Field(default=3, ge=1, le=10)
    argon2_memory_kib: int = Field(default=65536, ge=1024, le=1_048_576)

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        from dataclasses import fields

        from liveshop.discovery.ranking import BlendWeights

        unknown = set(self.feed_weights) - {f.name for f in fields(BlendWeights)}
        if unknown:
            raise ValueError(f"LIVESHOP_FEED_WEIGHTS: unknown weights {sorted(unknown)}")
        from liveshop.trust.guards import DEFAULT_LIMITS

        unknown = set(self.guard_limits) - set(DEFAULT_LIMITS)
        if unknown or any(v < 0 for v in self.guard_limits.values()):
            raise ValueError(f"LIVESHOP_GUARD_LIMITS: unknown or negative limits {sorted(unknown) or self.guard_limits}")
        if self.inventory_backend == "redis" and not self.redis_url:
            raise ValueError("LIVESHOP_INVENTORY_BACKEND=redis needs LIVESHOP_REDIS_URL")
        if self.env == "production":
            if self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32:
                raise ValueError(
                    "LIVESHOP_SECRET_KEY must be set to a random value of 32+ characters in production"
                )
        return self

    @property
    def blend_weights(self) -> BlendWeights:
        from liveshop.discovery.ranking import BlendWeights

        return BlendWeights(**self.feed_weights)

    @property
    def webhook_secret(self) -> str:
        """The sandbox provider's signing secret; derived from the secret key unless given."""
        if self.sandbox_webhook_secret:
            return self.sandbox_webhook_secret
        import hashlib
        import hmac

        return hmac.new(self.secret_key.encode(), b"sandbox-webhook", hashlib.sha256).hexdigest()

    @property
    def session_signing_key(self) -> bytes:
        from liveshop.core.auth.tokens import signing_key

        return signing_key(self.secret_key)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
