"""What coupons take off an order: pure integer arithmetic, no I/O, so the rules are testable alone.

The rules (docs/coupons.md):
- At most one coupon per funder: one of the shop's and one of the platform's. A coupon that
  is not stackable must be the only one.
- The shop's coupon is priced first, on the subtotal; the platform's on what is left after it
  (so a platform threshold counts the price the buyer would really pay).
- A threshold (满减 "spend 100, save 20") is met when that base is at least the threshold.
- `amount_off` takes a fixed sum; `percent_off` takes that share of the base, rounded down to
  the cent and capped by `max_off_cents`.
- An order always costs at least MIN_PAYABLE_CENTS: a discount never takes the last cent.
"""

from __future__ import annotations

from dataclasses import dataclass

from liveshop.coupons.errors import CouponsDoNotStack, ThresholdNotMet

MIN_PAYABLE_CENTS = 1
FUNDERS = ("shop", "platform")  # the order they are priced in


@dataclass(frozen=True, slots=True)
class Terms:
    """The part of a coupon offer that decides its discount."""

    offer_id: int
    title: str
    funded_by: str  # shop | platform
    kind: str  # amount_off | percent_off
    amount_off_cents: int | None
    percent_off: int | None
    max_off_cents: int | None
    threshold_cents: int
    stackable: bool


@dataclass(frozen=True, slots=True)
class Line:
    terms: Terms
    base_cents: int
    amount_cents: int


def check_stacking(chosen: list[Terms]) -> None:
    funders = [t.funded_by for t in chosen]
    if len(set(funders)) != len(funders):
        raise CouponsDoNotStack("Only one coupon of the shop and one of the platform per order")
    if len(chosen) > 1 and not all(t.stackable for t in chosen):
        raise CouponsDoNotStack("This coupon cannot be combined with another one")


def discount_of(terms: Terms, base_cents: int) -> int:
    """The discount one coupon gives on `base_cents` (threshold already met)."""
    if terms.kind == "amount_off":
        raw = terms.amount_off_cents or 0
    else:
        raw = base_cents * (terms.percent_off or 0) // 100
        if terms.max_off_cents is not None:
            raw = min(raw, terms.max_off_cents)
    return max(0, min(raw, base_cents - MIN_PAYABLE_CENTS))


def price(subtotal_cents: int, chosen: list[Terms]) -> list[Line]:
    """The discount lines of `chosen` coupons on an order of `subtotal_cents`, in pricing order.

    Raises CouponsDoNotStack or ThresholdNotMet; an empty list gives no lines.
    """
    check_stacking(chosen)
    lines: list[Line] = []
    base = subtotal_cents
    for terms in sorted(chosen, key=lambda t: FUNDERS.index(t.funded_by)):
        if base < terms.threshold_cents:
            raise ThresholdNotMet(offer_id=terms.offer_id, threshold_cents=terms.threshold_cents, base_cents=base)
        amount = discount_of(terms, base)
        lines.append(Line(terms, base, amount))
        base -= amount
    return lines
