"""Order-brushing rules (刷单): fake orders a shop places on itself, or pays people to place,
to climb rankings and look busy. They show up as many accounts behind one address or one card,
money that goes round (paid, refunded, paid again) and a show that converts far better than
it or its peers ever do. Each rule reads plain rows and returns findings for the review queue;
the thresholds are the constants below (docs/trust.md explains them).

- shared address: ≥ `ADDRESS_ACCOUNTS` accounts shipping to one address buy from one shop in
  the period (a family is 2–4; an office rarely buys the same shop's goods five times a week);
- shared instrument: one card or wallet pays for ≥ `INSTRUMENT_ACCOUNTS` accounts' orders;
- shared device: one device acts for ≥ `DEVICE_ACCOUNTS` accounts (a phone farm; sign-up
  guards allow 3 a day per device, which adds up over a week);
- pay-then-refund loop: an account has ≥ `LOOP_ORDERS` orders at one shop refunded within
  `LOOP_HOURS` of paying — sales volume bought and handed back;
- conversion outlier: a show whose paying buyers / distinct viewers is more than
  `OUTLIER_RATIO` × its baseline and at least `OUTLIER_MARGIN` above it, with ≥ `OUTLIER_BUYERS`
  buyers; the baseline is the median of the shop's other shows with ≥ `BASELINE_VIEWERS`
  viewers (at least `BASELINE_SHOWS` of them), else of every such show on the installation.
  Its accounts are the buyers who paid without ever entering the show (brushing scripts buy
  through the API).

Findings on orders hold the shop's payouts until an admin has looked (review queue).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from liveshop.analytics.events import user_viewer
from liveshop.trust.findings import Finding

ADDRESS_ACCOUNTS = 5
INSTRUMENT_ACCOUNTS = 3
DEVICE_ACCOUNTS = 5
LOOP_ORDERS = 3
LOOP_HOURS = 48
OUTLIER_RATIO = 3.0
OUTLIER_MARGIN = 0.15
OUTLIER_BUYERS = 10
BASELINE_VIEWERS = 20
BASELINE_SHOWS = 3


@dataclass(frozen=True, slots=True)
class PaidOrder:
    order_id: int
    buyer: int
    shop_id: int
    room_id: int
    paid_at: float
    refunded_at: float | None
    address_hash: str | None
    instrument_hash: str | None


@dataclass(frozen=True, slots=True)
class ShowFigures:
    room_id: int
    shop_id: int
    viewers: int  # distinct accounts that entered
    buyers: int  # distinct accounts that paid


def _accounts(buyers: Iterable[int]) -> list[str]:
    return sorted(user_viewer(b) for b in set(buyers))


def shared_addresses(orders: Iterable[PaidOrder]) -> list[Finding]:
    buyers: dict[tuple[str, int], set[int]] = defaultdict(set)
    for o in orders:
        if o.address_hash:
            buyers[o.address_hash, o.shop_id].add(o.buyer)
    return [Finding("orders", "shared_address", _accounts(who), [shop],
                    {"accounts": len(who), "address": address[:8]}, hold_payouts=[shop])
            for (address, shop), who in sorted(buyers.items(), key=lambda kv: kv[0][1])
            if len(who) >= ADDRESS_ACCOUNTS]


def shared_instruments(orders: Iterable[PaidOrder]) -> list[Finding]:
    buyers: dict[str, set[int]] = defaultdict(set)
    shops: dict[str, set[int]] = defaultdict(set)
    for o in orders:
        if o.instrument_hash:
            buyers[o.instrument_hash].add(o.buyer)
            shops[o.instrument_hash].add(o.shop_id)
    return [Finding("payments", "shared_instrument", _accounts(who), sorted(shops[card]),
                    {"accounts": len(who), "instrument": card[:8]},
                    # One card buying for many accounts at a single shop is that shop's volume.
                    hold_payouts=sorted(shops[card]) if len(shops[card]) == 1 else [])
            for card, who in buyers.items() if len(who) >= INSTRUMENT_ACCOUNTS]


def shared_devices(sightings: Iterable[tuple[int, str | None]]) -> list[Finding]:
    accounts: dict[str, set[int]] = defaultdict(set)
    for user_id, device in sightings:
        if device:
            accounts[device].add(user_id)
    return [Finding("devices", "shared_device", _accounts(who), [], {"accounts": len(who), "device": device[:8]})
            for device, who in accounts.items() if len(who) >= DEVICE_ACCOUNTS]


def refund_loops(orders: Iterable[PaidOrder]) -> list[Finding]:
    looped: dict[tuple[int, int], int] = defaultdict(int)
    for o in orders:
        if o.refunded_at is not None and o.refunded_at - o.paid_at <= LOOP_HOURS * 3600:
            looped[o.shop_id, o.buyer] += 1
    by_shop: dict[int, dict[int, int]] = defaultdict(dict)
    for (shop, buyer), n in looped.items():
        if n >= LOOP_ORDERS:
            by_shop[shop][buyer] = n
    return [Finding("orders", "refund_loop", _accounts(who), [shop],
                    {"accounts": len(who), "refunded_orders": sum(who.values())}, hold_payouts=[shop])
            for shop, who in sorted(by_shop.items())]


def baseline(show: ShowFigures, history: Iterable[ShowFigures]) -> float | None:
    """The conversion a show of this shop normally has (median of its other sizeable shows),
    else the installation's; None when there is too little to compare with."""
    sizeable = [h for h in history if h.viewers >= BASELINE_VIEWERS and h.room_id != show.room_id]
    own = [h.buyers / h.viewers for h in sizeable if h.shop_id == show.shop_id]
    if len(own) >= BASELINE_SHOWS:
        return statistics.median(own)
    every = [h.buyers / h.viewers for h in sizeable]
    return statistics.median(every) if len(every) >= BASELINE_SHOWS else None


def conversion(show: ShowFigures) -> float:
    # A show with buyers and no viewers at all converts "infinitely": every buyer was blind.
    return show.buyers / show.viewers if show.viewers else float(show.buyers > 0) * 1e9


def conversion_outliers(shows: Iterable[ShowFigures], history: list[ShowFigures],
                        blind_buyers: dict[int, set[int]]) -> list[Finding]:
    findings = []
    for show in shows:
        if show.buyers < OUTLIER_BUYERS:
            continue
        normal = baseline(show, history)
        rate = conversion(show)
        if normal is None or rate <= max(OUTLIER_RATIO * normal, normal + OUTLIER_MARGIN):
            continue
        blind = blind_buyers.get(show.room_id, set())
        findings.append(Finding("rooms", "conversion_outlier", _accounts(blind), [show.shop_id],
                                {"conversion": round(min(rate, 1e3), 3), "baseline": round(normal, 3),
                                 "buyers": show.buyers, "viewers": show.viewers, "blind_buyers": len(blind)},
                                rooms=[show.room_id], hold_payouts=[show.shop_id]))
    return findings


def order_rules(orders: list[PaidOrder]) -> list[Finding]:
    return shared_addresses(orders) + shared_instruments(orders) + refund_loops(orders)
