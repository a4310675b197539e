"""The command line: migrations and the invariant checker."""

import asyncio
import uuid

from sqlalchemy import update
from typer.testing import CliRunner

from liveshop.bootstrap import build_services
from liveshop.cli import app
from liveshop.inventory.store import listings
from liveshop.orders.service import place_order
from tests.conftest import make_settings
from tests.orders.world import live_listing, user

runner = CliRunner()


def test_db_upgrade_on_a_fresh_sqlite_file(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    result = runner.invoke(app, ["db", "upgrade", "--database-url", url])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["db", "current", "--database-url", url])
    assert "0021" in result.output  # the newest migration


def test_check_passes_on_a_consistent_database_and_fails_on_a_corrupted_one(database_url):
    async def scenario(corrupt: bool) -> None:
        services = build_services(make_settings(database_url))
        try:
            world = await live_listing(services, stock=5, per_user_limit=2)
            buyer = await user(services)
            await place_order(
                services.db, buyer_id=buyer.id, listing_id=world.listing_id, quantity=2,
                idempotency_key=uuid.uuid4().hex, now=services.clock.now(), payment_timeout=900,
            )
            if corrupt:
                # Someone "fixes" stock by hand: reserved units vanish without an order change.
                async with services.db.transaction() as tx:
                    await tx.conn.execute(
                        update(listings).where(listings.c.id == world.listing_id)
                        .values(reserved=0, initial_stock=listings.c.initial_stock - 2)
                    )
        finally:
            await services.db.dispose()

    asyncio.run(scenario(corrupt=False))
    result = runner.invoke(app, ["check", "--database-url", database_url])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output

    asyncio.run(scenario(corrupt=True))
    result = runner.invoke(app, ["check", "--database-url", database_url])
    assert result.exit_code == 1
    assert "reserved 0 but pending orders hold 2" in result.output


def test_check_reports_acknowledged_orders_that_are_missing(database_url, tmp_path):
    acks = tmp_path / "acks.txt"
    acks.write_text("424242\n")
    result = runner.invoke(app, ["check", "--database-url", database_url, "--acks", str(acks)])
    assert result.exit_code == 1
    assert "order 424242: acknowledged to a buyer but not in the database" in result.output


def test_check_catches_quota_units_that_no_order_holds(database_url):
    async def scenario() -> None:
        services = build_services(make_settings(database_url))
        try:
            world = await live_listing(services, stock=5, per_user_limit=2)
            buyer = await user(services)
            from liveshop.inventory.store import hold_quota

            async with services.db.transaction() as tx:  # a quota bumped with no order behind it
                await hold_quota(tx.conn, world.listing_id, buyer.id, 2, None)
        finally:
            await services.db.dispose()

    asyncio.run(scenario())
    result = runner.invoke(app, ["check", "--database-url", database_url])
    assert result.exit_code == 1
    assert "counted 2 units, orders hold 0" in result.output
