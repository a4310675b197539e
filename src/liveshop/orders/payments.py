"""Payment providers. A provider creates a hosted checkout and confirms through a signed webhook.

The sandbox provider is a real provider in everything but the money: its checkout page
lives on this server, and it signs its webhooks with HMAC-SHA256 over "<timestamp>.<body>"
exactly as a production provider adapter would verify them.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

import orjson

from liveshop.core.ids import new_secret
from liveshop.orders.errors import BadWebhookSignature, UnknownPaymentProvider, WebhookReplayed

SIGNATURE_HEADER = "liveshop-signature"


@dataclass(frozen=True, slots=True)
class PaymentEvent:
    event_id: str
    type: Literal["payment.succeeded", "payment.failed"]
    provider_ref: str
    amount_cents: int
    currency: str
    # The provider's own fingerprint of the card or wallet that paid (the same card gives the
    # same fingerprint whoever uses it), when it sends one; trust & safety keeps a keyed hash.
    instrument: str | None = None


class PaymentProvider(Protocol):
    name: str

    def new_reference(self) -> str: ...

    def checkout_url(self, provider_ref: str) -> str: ...

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, *, now: datetime) -> PaymentEvent:
        """Verify the signature and freshness; raise BadWebhookSignature / WebhookReplayed."""
        ...


class SandboxProvider:
    name = "sandbox"

    def __init__(self, *, secret: str, tolerance_seconds: int) -> None:
        self._secret = secret.encode()
        self._tolerance = tolerance_seconds

    def new_reference(self) -> str:
        return new_secret("pay_", 18)

    def checkout_url(self, provider_ref: str) -> str:
        return f"/sandbox/checkout/{provider_ref}"

    def _signature(self, timestamp: int, body: bytes) -> str:
        return hmac.new(self._secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()

    def signed_event(
        self, *, provider_ref: str, amount_cents: int, currency: str, succeeded: bool, now: datetime,
        card: str | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """What the sandbox 'bank' sends when the buyer presses Pay (or Fail) on its page; with
        the card's fingerprint, as real providers send one (Stripe's `card.fingerprint`)."""
        data: dict[str, object] = {"reference": provider_ref, "amount_cents": amount_cents, "currency": currency}
        if card:
            digits = "".join(c for c in card if c.isdigit())
            data["instrument"] = "card_" + hashlib.sha256(self._secret + b"card:" + digits.encode()).hexdigest()[:24]
        body = orjson.dumps(
            {
                "id": new_secret("evt_", 12),
                "type": "payment.succeeded" if succeeded else "payment.failed",
                "data": data,
            }
        )
        ts = int(now.timestamp())
        return body, {SIGNATURE_HEADER: f"t={ts},v1={self._signature(ts, body)}"}

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, *, now: datetime) -> PaymentEvent:
        header = headers.get(SIGNATURE_HEADER, "")
        parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
        try:
            ts = int(parts["t"])
            given = parts["v1"]
        except (KeyError, ValueError) as exc:
            raise BadWebhookSignature() from exc
        if not hmac.compare_digest(self._signature(ts, body), given):
            raise BadWebhookSignature()
        if abs(now.timestamp() - ts) > self._tolerance:
            raise WebhookReplayed("The webhook timestamp is outside the accepted window")
        try:
            payload = orjson.loads(body)
            data = payload["data"]
            kind = payload["type"]
            if kind not in ("payment.succeeded", "payment.failed"):
                raise ValueError(kind)
            return PaymentEvent(
                event_id=str(payload["id"])[:64],
                type=kind,
                provider_ref=str(data["reference"])[:64],
                amount_cents=int(data["amount_cents"]),
                currency=str(data["currency"])[:3],
                instrument=str(data["instrument"])[:64] if data.get("instrument") else None,
            )
        except (KeyError, TypeError, ValueError, orjson.JSONDecodeError) as exc:
            raise BadWebhookSignature("Signed, but not a payment event we understand") from exc


class PaymentProviders:
    def __init__(self, *providers: PaymentProvider) -> None:
        self._by_name = {p.name: p for p in providers}

    def get(self, name: str) -> PaymentProvider:
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownPaymentProvider() from None

    @property
    def default(self) -> PaymentProvider:
        return next(iter(self._by_name.values()))
