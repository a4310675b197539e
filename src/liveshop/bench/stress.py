"""Seeded randomized flash-sale stress: heavy oversubscription, concurrent retries reusing
keys, payments, cancellations, and late payments racing the expiry sweep.

One round is one listing sold out under that chaos; afterwards the database must show no
oversell, every acknowledged order, at most one order per key, and the unsold stock must be
buyable again. The test suite runs a few small rounds on every engine and database;
`liveshop bench stress` runs many larger ones.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass, field

from rich.console import Console
from sqlalchemy import insert

from liveshop.bootstrap import Services
from liveshop.catalog import service as catalog
from liveshop.check import run_check
from liveshop.core.auth.store import User, users
from liveshop.core.clock import FrozenClock
from liveshop.core.errors import LiveshopError
from liveshop.inventory import service as inventory
from liveshop.orders import checkout
from liveshop.orders import service as orders
from liveshop.rooms import service as rooms


@dataclass
class RoundOutcome:
    stock: int
    attempts: int
    orders: int
    sold: int
    oversold: int
    keys_with_two_orders: int
    violations: list[str] = field(default_factory=list)
    rebuy_ok: bool = True

    @property
    def ok(self) -> bool:
        return not (self.oversold or self.keys_with_two_orders or self.violations) and self.rebuy_ok


async def _accounts(services: Services, count: int, prefix: str) -> list[User]:
    """Accounts inserted directly (the stress is about orders, not argon2)."""
    now = services.clock.now()
    async with services.db.transaction() as tx:
        rows = [{"username": f"{prefix}{uuid.uuid4().hex[:12]}", "password_hash": "!", "role": "viewer",
                 "created_at": now} for _ in range(count)]
        ids = (await tx.conn.execute(insert(users).returning(users.c.id, users.c.username), rows)).all()
    return [User(id=user_id, username=name, role="viewer") for user_id, name in ids]


async def _live_listing(services: Services, *, stock: int, per_user_limit: int) -> tuple[User, int]:
    now = services.clock.now()
    (merchant,) = await _accounts(services, 1, "m")
    shop = await catalog.create_shop(services.db, owner=merchant, name="stress", description="", now=now)
    product = await catalog.create_product(services.db, user=merchant, shop_id=shop.id, title="p", price_cents=1000,
                                           currency="CNY", stock=stock, now=now)
    room = await rooms.create_room(services.db, user=merchant, shop_id=shop.id, title="r", description="",
                                   scheduled_at=now, now=now)
    await rooms.change_status(services.db, user=merchant, room_id=room.id, action="start", now=now)
    listing = await inventory.create_listing(services.db, user=merchant, room_id=room.id, product_id=product.id,
                                             price_cents=None, stock=stock, per_user_limit=per_user_limit, now=now)
    return merchant, listing["id"]


async def stress_round(services: Services, clock: FrozenClock, rng: random.Random, *, scale: int = 1) -> RoundOutcome:
    """One sale; `scale` multiplies stock and buyers (1: a few units and a couple dozen buyers)."""
    stock = rng.randint(3, 8) * scale
    _, listing_id = await _live_listing(services, stock=stock, per_user_limit=rng.randint(1, 3))
    buyers = await _accounts(services, rng.randint(10, 25) * scale, "b")
    timeout = services.settings.payment_timeout
    attempts = [(rng.choice(buyers), uuid.uuid4().hex, rng.randint(1, 2)) for _ in range(stock * rng.randint(10, 30))]
    attempts += [rng.choice(attempts) for _ in range(len(attempts) // 4)]  # retries reuse keys, concurrently
    rng.shuffle(attempts)
    answers: dict[str, set[int]] = {}

    async def attempt(buyer: User, key: str, quantity: int) -> tuple[orders.Order, User] | None:
        try:
            order, _ = await orders.place_order(
                services.db, buyer_id=buyer.id, listing_id=listing_id, quantity=quantity, idempotency_key=key,
                now=clock.now(), payment_timeout=timeout, engine=services.engine, sold_out=services.sold_out,
            )
        except LiveshopError as exc:
            if exc.status not in (409, 422):  # a 503 in a healthy run is a failure too
                raise
            return None
        answers.setdefault(key, set()).add(order.id)
        return order, buyer

    placed = [r for r in await asyncio.gather(*(attempt(*a) for a in attempts)) if r]
    acknowledged = {order.id for order, _ in placed}
    unique = {order.id: (order, buyer) for order, buyer in placed}

    async def pay(order: orders.Order, buyer: User):  # type: ignore[no-untyped-def]
        try:
            _, payment = await checkout.start_payment(services.db, user=buyer, order_id=order.id,
                                                      provider=services.sandbox, now=clock.now())
        except LiveshopError:
            return None
        return payment

    payments = [p for p in await asyncio.gather(*(pay(o, b) for o, b in unique.values())) if p]

    async def webhook(payment) -> None:  # type: ignore[no-untyped-def]
        body, headers = services.sandbox.signed_event(
            provider_ref=payment.provider_ref, amount_cents=payment.amount_cents, currency=payment.currency,
            succeeded=rng.random() < 0.8, now=clock.now(),
        )
        try:
            await checkout.handle_webhook(services.db, provider=services.sandbox, headers=headers, body=body,
                                          now=clock.now())
        except LiveshopError:
            pass

    async def cancel(order: orders.Order, buyer: User) -> None:
        try:
            await orders.cancel_order(services.db, user=buyer, order_id=order.id, now=clock.now())
        except LiveshopError:
            pass

    # Some pay in time, some cancel; then the deadline passes and late payments race the sweep.
    on_time, late = payments[: len(payments) // 2], payments[len(payments) // 2 :]
    cancels = [cancel(*rng.choice(list(unique.values()))) for _ in range(3 * scale)] if unique else []
    await asyncio.gather(*(webhook(p) for p in on_time), *cancels)
    clock.advance(timeout + 1)
    await asyncio.gather(orders.expire_due_orders(services.db, now=clock.now()), *(webhook(p) for p in late),
                         orders.expire_due_orders(services.db, now=clock.now()))

    listing = await inventory.get_listing(services.db, listing_id=listing_id)
    report = await run_check(services.db, acknowledged_order_ids=acknowledged)
    outcome = RoundOutcome(
        stock=stock, attempts=len(attempts), orders=len(acknowledged), sold=listing["sold"],
        oversold=max(0, listing["sold"] - stock) + max(0, -listing["stock_left"]),
        keys_with_two_orders=sum(len(ids) > 1 for ids in answers.values()), violations=list(report.violations),
    )
    if listing["stock_left"] > 0:  # what was not sold is buyable again
        (fresh,) = await _accounts(services, 1, "f")
        try:
            order, _ = await orders.place_order(
                services.db, buyer_id=fresh.id, listing_id=listing_id, quantity=1, idempotency_key=uuid.uuid4().hex,
                now=clock.now(), payment_timeout=timeout, engine=services.engine, sold_out=services.sold_out,
            )
            outcome.rebuy_ok = order.status == "pending_payment"
        except LiveshopError:
            outcome.rebuy_ok = False
    return outcome


@dataclass
class StressSummary:
    rounds: int = 0
    attempts: int = 0
    orders: int = 0
    units_sold: int = 0
    oversold: int = 0
    keys_with_two_orders: int = 0
    violations: list[str] = field(default_factory=list)
    rebuy_failures: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.oversold or self.keys_with_two_orders or self.violations or self.rebuy_failures)

    def add(self, outcome: RoundOutcome) -> None:
        self.rounds += 1
        self.attempts += outcome.attempts
        self.orders += outcome.orders
        self.units_sold += outcome.sold
        self.oversold += outcome.oversold
        self.keys_with_two_orders += outcome.keys_with_two_orders
        self.violations += outcome.violations
        self.rebuy_failures += not outcome.rebuy_ok


def run_stress(*, database_url: str, inventory_backend: str, redis_url: str, rounds: int, scale: int, seed: int,
               console: Console) -> StressSummary:
    """`rounds` seeded rounds, one after another, on a fresh database (see `stress_round`)."""
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from liveshop.bootstrap import build_services
    from liveshop.core.config import Settings
    from liveshop.core.migrate import upgrade

    engine: dict[str, object] = {"inventory_backend": inventory_backend}
    if inventory_backend == "redis":
        engine |= {"redis_url": redis_url, "redis_prefix": f"liveshop-stress:{uuid.uuid4().hex[:8]}:"}
    settings = Settings(database_url=database_url, env="development", argon2_time_cost=1, argon2_memory_kib=1024,
                        **engine)  # type: ignore[arg-type]
    summary = StressSummary()

    async def main() -> None:
        clock = FrozenClock()
        services = build_services(settings, clock=clock)
        await upgrade(services.db)
        if services.engine:
            services.engine.start()
        rng = random.Random(seed)
        started = time.perf_counter()
        try:
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=console) as progress:
                task = progress.add_task(f"stress rounds ({inventory_backend} engine, scale {scale})", total=rounds)
                for _ in range(rounds):
                    summary.add(await stress_round(services, clock, rng, scale=scale))
                    progress.advance(task)
        finally:
            summary.seconds = time.perf_counter() - started
            if services.engine:
                await services.engine.stop()
            await services.db.dispose()

    asyncio.run(main())
    return summary


def print_stress(summary: StressSummary, console: Console) -> None:
    from rich.table import Table

    table = Table(title=f"randomized flash-sale stress · {summary.rounds} rounds · {summary.seconds:.1f} s")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for name, value in [
        ("purchase attempts (incl. concurrent retries of a key)", f"{summary.attempts:,}"),
        ("orders acknowledged", f"{summary.orders:,}"),
        ("units sold (paid)", f"{summary.units_sold:,}"),
        ("oversold units", str(summary.oversold)),
        ("keys with two orders", str(summary.keys_with_two_orders)),
        ("liveshop check violations (incl. acknowledged orders lost)", str(len(summary.violations))),
        ("unsold stock not buyable again", str(summary.rebuy_failures)),
    ]:
        table.add_row(name, value)
    console.print(table)
    console.print("[green]OK[/]" if summary.ok else "[red]FAILED[/]")
    for violation in summary.violations[:20]:
        console.print(f"[red]VIOLATION[/] {violation}")
