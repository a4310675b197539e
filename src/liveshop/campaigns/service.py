"""Guess-the-product campaigns: before a launch show, a teaser with hints that appear over
time; viewers guess once; the reveal shows the product and who guessed right; then the page
asks for a reservation of the launch show. The funnel (views → guesses → reservations →
buyers) is what the merchant reads afterwards.

Guesses are compared after normalising (NFKC, case, spaces and punctuation dropped), against
the answer and the merchant's accepted alternatives.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta
from typing import Any

from liveshop.campaigns import store
from liveshop.catalog.access import LIVE_CREW, access_shop, shop_role
from liveshop.core.auth.store import User
from liveshop.core.db import Database
from liveshop.core.errors import Conflict, NotFound
from liveshop.core.ids import visitor_key
from liveshop.rooms.errors import RoomNotFound
from liveshop.rooms.service import access_room


class CampaignNotFound(NotFound):
    code = "campaign_not_found"
    title = "Campaign not found"


class AlreadyGuessed(Conflict):
    code = "already_guessed"
    title = "You have already guessed"


class CampaignRevealed(Conflict):
    code = "campaign_revealed"
    title = "The product has been revealed: guessing is over"


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


async def create(db: Database, *, user: User, shop_id: int, room_id: int, title: str, teaser: str, answer: str,
                 aliases: list[str], hints: list[tuple[str, int]], reveal_in_minutes: int | None,
                 now: datetime) -> dict[str, Any]:
    async with db.transaction() as tx:
        await access_shop(tx.conn, user, shop_id, LIVE_CREW)
        if (await access_room(tx.conn, user, room_id, LIVE_CREW)).shop_id != shop_id:
            raise RoomNotFound()
        accepted = sorted({normalise(a) for a in [answer, *aliases]} - {""})
        campaign_id = await store.insert_campaign(
            tx.conn, [{"text": text, "shown_at": now + timedelta(minutes=after)} for text, after in hints],
            shop_id=shop_id, room_id=room_id, title=title, teaser=teaser, answer=answer, accepted=accepted,
            status="teasing", reveal_at=now + timedelta(minutes=reveal_in_minutes) if reveal_in_minutes else None,
            revealed_at=None, created_by=user.id, created_at=now)
    return await get(db, campaign_id=campaign_id, user=user, now=now)


async def get(db: Database, *, campaign_id: int, user: User | None, now: datetime) -> dict[str, Any]:
    """What a visitor sees: hints whose time has come, the answer once revealed, the counts."""
    async with db.transaction(write=False) as tx:
        c = await store.campaign_by_id(tx.conn, campaign_id)
        if c is None:
            raise CampaignNotFound()
        crew = user is not None and await shop_role(tx.conn, user, c["shop_id"]) in LIVE_CREW | {"admin"}
        revealed = c["status"] == "revealed"
        shown = [h for h in await store.hints_of(tx.conn, campaign_id) if crew or h["shown_at"] <= now]
        mine = await store.guess_of(tx.conn, campaign_id, user.id) if user else None
        counts = await store.counts(tx.conn, campaign_id)
    return {
        "id": c["id"], "shop_id": c["shop_id"], "room_id": c["room_id"], "title": c["title"], "teaser": c["teaser"],
        "status": c["status"], "reveal_at": c["reveal_at"], "revealed_at": c["revealed_at"],
        "hints": [{"text": h["text"], "shown_at": h["shown_at"]} for h in shown],
        "answer": c["answer"] if revealed or crew else None,
        "views": counts["views"], "guesses": counts["guesses"],
        "correct_guesses": counts["correct"] if revealed else None,
        "my_guess": None if mine is None else {
            "guess": mine["guess"], "correct": mine["correct"] if revealed else None},
    }


async def record_view(db: Database, *, campaign_id: int, user_id: int | None, guest: str | None,
                      now: datetime) -> None:
    if user_id is None and guest is None:
        return
    async with db.transaction() as tx:
        if await store.campaign_by_id(tx.conn, campaign_id) is None:
            raise CampaignNotFound()
        await store.record_view(tx.conn, campaign_id, visitor_key(user_id, guest), user_id, now)


async def guess(db: Database, *, user: User, campaign_id: int, text: str, now: datetime) -> dict[str, Any]:
    async with db.transaction() as tx:
        c = await store.campaign_by_id(tx.conn, campaign_id)
        if c is None:
            raise CampaignNotFound()
        if c["status"] != "teasing" or (c["reveal_at"] is not None and c["reveal_at"] <= now):
            raise CampaignRevealed()
        await store.record_view(tx.conn, campaign_id, visitor_key(user.id, None), user.id, now)  # a guess implies a look
        if not await store.add_guess(tx.conn, campaign_id, user.id, text, normalise(text) in c["accepted"], now):
            raise AlreadyGuessed()
    return await get(db, campaign_id=campaign_id, user=user, now=now)


async def reveal(db: Database, *, user: User, campaign_id: int, now: datetime) -> dict[str, Any]:
    async with db.transaction() as tx:
        c = await store.campaign_by_id(tx.conn, campaign_id)
        if c is None or await shop_role(tx.conn, user, c["shop_id"]) not in LIVE_CREW | {"admin"}:
            raise CampaignNotFound()
        if not await store.reveal(tx.conn, campaign_id, now):
            raise CampaignRevealed()
    return await get(db, campaign_id=campaign_id, user=user, now=now)


async def reveal_due(db: Database, *, now: datetime) -> int:
    async with db.transaction() as tx:
        return sum([await store.reveal(tx.conn, cid, now) for cid in await store.due_reveals(tx.conn, now)])


async def funnel(db: Database, *, user: User, campaign_id: int) -> dict[str, Any]:
    async with db.transaction(write=False) as tx:
        c = await store.campaign_by_id(tx.conn, campaign_id)
        if c is None or await shop_role(tx.conn, user, c["shop_id"]) not in LIVE_CREW | {"admin"}:
            raise CampaignNotFound()
        steps = await store.funnel(tx.conn, campaign_id, c["room_id"])

    def rate(part: str, whole: str) -> float | None:
        return round(steps[part] / steps[whole], 4) if steps[whole] else None

    return {"campaign_id": campaign_id, "room_id": c["room_id"], **steps, "rates": {
        "guess_per_view": rate("guesses", "views"), "reservation_per_signed_in_viewer":
            rate("reservations", "signed_in_viewers"), "buyer_per_reservation": rate("buyers", "reservations")}}
