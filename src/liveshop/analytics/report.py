"""The post-show report (复盘): a show's numbers recomputed from the raw event log, minute by
minute, against the shop's previous shows; as JSON, CSV and PNG charts.

Charts are drawn with matplotlib's Agg backend (no display). Their labels are English and
numeric: the machine may have no CJK font, and the page around them speaks the reader's language.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from liveshop.analytics.live import recompute
from liveshop.analytics.service import room_view, until_of
from liveshop.bases.service import room_for_numbers
from liveshop.catalog import store as catalog_store
from liveshop.core.auth.store import User
from liveshop.core.db import Database
from liveshop.inventory import store as inventory_store
from liveshop.rooms import store as rooms_store
from liveshop.rooms.errors import RoomNotFound
from liveshop.rooms.store import Room

PREVIOUS_SHOWS = 5
# The numbers a show is compared on, in the order the report lists them.
KEY_METRICS = ("gmv_cents", "paid_orders", "paying_buyers", "views", "unique_viewers", "pcu", "acu",
               "avg_watch_seconds", "viewer_buyer_conversion", "gpm_cents", "uv_value_cents", "new_followers",
               "refund_rate")
MINUTE_COLUMNS = ("minute", "gmv_cents", "orders", "paid_orders", "joins", "acu", "pcu", "comments", "new_followers")
CHARTS = ("gmv", "viewers", "funnel", "shows")


async def _figures(db: Database, room: Room, now: datetime) -> dict[str, Any]:
    return (await recompute(db, room.id)).figures(room.id, now=until_of(room, now))


async def build(db: Database, room: Room, *, now: datetime) -> dict[str, Any]:
    """The report of one show, whoever asks (the CLI runs it for the operator of the installation)."""
    figures = await _figures(db, room, now)
    async with db.transaction(write=False) as tx:
        shop = await catalog_store.shop_by_id(tx.conn, room.shop_id)
        titles = {li.id: li.title for li in await inventory_store.listings_of_room(tx.conn, room.id)}
        earlier = [r for r in await rooms_store.list_rooms(tx.conn, status="ended", shop_id=room.shop_id, limit=50)
                   if r.id != room.id and (room.started_at is None or (r.started_at or r.scheduled_at) < room.started_at)]
    for product in figures["top_products"]:
        product["title"] = titles.get(product["listing_id"], "")
    previous = []
    for other in earlier[:PREVIOUS_SHOWS]:
        theirs = await _figures(db, other, now)
        previous.append(room_view(other) | {k: theirs[k] for k in KEY_METRICS})
    return {
        "room": room_view(room, shop.name if shop else ""),
        "figures": figures,
        "previous_shows": previous,
        "comparison": compare(figures, previous),
    }


def compare(figures: dict[str, Any], previous: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per key metric: this show, the average of the previous ones, and the change in percent."""
    rows = []
    for metric in KEY_METRICS:
        values = [p[metric] for p in previous if p[metric] is not None]
        average = sum(values) / len(values) if values else None
        mine = figures[metric]
        change = round(100 * (mine - average) / average, 1) if mine is not None and average else None
        rows.append({"metric": metric, "this_show": mine, "previous_average": average, "change_percent": change})
    return rows


async def report_for(db: Database, *, user: User, room_id: int, now: datetime) -> dict[str, Any]:
    async with db.transaction(write=False) as tx:
        room = await room_for_numbers(tx.conn, user, room_id)
    return await build(db, room, now=now)


async def room_of(db: Database, room_id: int) -> Room:
    async with db.transaction(write=False) as tx:
        room = await rooms_store.room_by_id(tx.conn, room_id)
    if room is None:
        raise RoomNotFound()
    return room


def minute_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MINUTE_COLUMNS)
    for m in report["figures"]["per_minute"]:
        at = datetime.fromtimestamp(m["minute"], UTC).strftime("%Y-%m-%d %H:%M")
        writer.writerow([at, *(m[c] for c in MINUTE_COLUMNS[1:])])
    return out.getvalue()


def chart_png(report: dict[str, Any], name: str) -> bytes:
    """One of CHARTS as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    f = report["figures"]
    minutes = [datetime.fromtimestamp(m["minute"], UTC) for m in f["per_minute"]]
    fig = Figure(figsize=(7, 3.2), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    if name == "gmv":
        per_minute = [m["gmv_cents"] / 100 for m in f["per_minute"]]
        total, running = 0.0, []
        for value in per_minute:
            total += value
            running.append(total)
        ax.bar(minutes, per_minute, width=1 / 1440, align="edge", color="#ffb020", label="GMV per minute")
        ax2 = ax.twinx()
        ax2.plot(minutes, running, "o-", color="#ff2d55", linewidth=2, markersize=3, label="GMV so far")
        ax.set_title("GMV (paid)")
        ax.set_ylabel("per minute")
        ax2.set_ylabel("so far")
    elif name == "viewers":
        ax.plot(minutes, [m["pcu"] for m in f["per_minute"]], "o-", color="#3ea6ff", linewidth=2, markersize=3,
                label="peak (PCU)")
        ax.plot(minutes, [m["acu"] for m in f["per_minute"]], "o-", color="#7c5cff", linewidth=2, markersize=3,
                label="average (ACU)")
        ax.plot(minutes, [m["joins"] for m in f["per_minute"]], "o-", color="#999999", linewidth=1, markersize=2,
                label="joins")
        ax.set_title("Viewers per minute")
        ax.legend(loc="upper left", fontsize=8)
    elif name == "funnel":
        stages = [("views", f["views"]), ("effective views", f["effective_views"]), ("exposures", f["exposures"]),
                  ("clicks", f["clicks"]), ("orders", f["orders"]), ("paid", f["paid_orders"])]
        ax.barh([s for s, _ in stages][::-1], [v for _, v in stages][::-1], color="#7c5cff")
        for i, (_, v) in enumerate(stages[::-1]):
            ax.annotate(str(v), (v, i), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
        ax.set_title("Funnel")
    elif name == "shows":
        shows = [*reversed(report["previous_shows"]), report["room"] | {"gmv_cents": f["gmv_cents"]}]
        labels = [f"#{s['id']}" for s in shows]
        ax.bar(labels, [s["gmv_cents"] / 100 for s in shows],
               color=["#888888"] * (len(shows) - 1) + ["#ff2d55"])
        ax.set_title("GMV: this show (red) and the shop's previous shows")
    else:
        raise ValueError(name)
    if name in ("gmv", "viewers") and minutes:
        from datetime import timedelta

        import matplotlib.dates as mdates

        ax.set_xlim(minutes[0] - timedelta(minutes=1), minutes[-1] + timedelta(minutes=1))
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
