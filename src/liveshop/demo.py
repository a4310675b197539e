"""`liveshop demo`: a demo shop, a live room, staff, and a simulated audience.

The audience is real HTTP and WebSocket clients of the running server: they sign up,
watch the room channel, chat, like, buy and pay through the sandbox checkout at a human
pace, so every page shows a living show.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
import uvicorn
from rich.console import Console
from rich.live import Live
from rich.panel import Panel
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from liveshop.app import create_app
from liveshop.bases import service as bases
from liveshop.bootstrap import Services, build_services
from liveshop.catalog import service as catalog
from liveshop.core.auth import service as auth
from liveshop.core.auth.store import User
from liveshop.core.config import Settings
from liveshop.core.http import SESSION_COOKIE
from liveshop.core.migrate import upgrade
from liveshop.inventory import service as inventory
from liveshop.rooms import service as rooms

DEMO_PASSWORD = "liveshop-demo"
STAFF = (("demo-merchant", "merchant"), ("demo-host", "host"), ("demo-operator", "operator"))
PRODUCTS = (
    ("明前龙井 250g · Longjing green tea", 16800, 500, "浙江 杭州"),
    ("古树普洱 357g · Pu'er tea cake", 29900, 300, "云南 西双版纳"),
    ("安吉白茶 礼盒 · Anji white tea gift box", 39900, 200, "浙江 安吉"),
    ("手工紫砂壶 · Yixing clay teapot", 58800, 60, "江苏 宜兴"),
    ("桂花乌龙 冷泡 · Osmanthus oolong cold brew", 5900, 1000, "福建 安溪"),
    ("茶具六件套 · Six-piece tea set", 12900, 150, "江西 景德镇"),
)
CHAT = (
    "主播好！", "这个茶多少钱？", "已下单 😄", "包邮吗？", "求上链接", "好喝吗", "第一次来",
    "看起来不错", "再来一单", "Hello from Shanghai", "How long does shipping take?", "👍👍👍",
    "老粉来了", "能讲讲产地吗", "秒了秒了", "库存还有吗",
)


QUIZ = [
    {"text": "龙井茶产自哪里？· Where is Longjing from?", "options": ["杭州 Hangzhou", "苏州 Suzhou", "福州 Fuzhou"],
     "correct": 0, "time_limit_seconds": 20},
    {"text": "普洱茶饼常见的重量？· A classic Pu'er cake weighs…", "options": ["100g", "357g", "1kg"], "correct": 1,
     "time_limit_seconds": 20},
    {"text": "紫砂壶产自？· Yixing clay teapots come from…", "options": ["宜兴 Yixing", "景德镇 Jingdezhen"],
     "correct": 0, "time_limit_seconds": 15},
]


@dataclass
class DemoStats:
    joined: int = 0
    connected: int = 0
    comments: int = 0
    likes: int = 0
    orders: int = 0
    paid: int = 0
    sold_out: int = 0
    gmv_cents: int = 0
    errors: int = 0
    listings: list[int] = field(default_factory=list)


@dataclass
class DemoWorld:
    shop_id: int
    room_id: int
    product_ids: list[int]
    first_listing: int
    base_id: int
    stream_key: str


async def seed(services: Services) -> DemoWorld:
    now = services.clock.now()
    users = {}
    for username, _role in STAFF:
        users[username] = await auth.sign_up(
            services.db, username=username, password=DEMO_PASSWORD, passwords=services.passwords, now=now
        )
    merchant = users["demo-merchant"]
    shop = await catalog.create_shop(
        services.db, owner=merchant, name="西湖茶园旗舰店 · West Lake Tea", description="Demo shop", now=now
    )
    for username, role in STAFF[1:]:
        await catalog.add_staff(services.db, user=merchant, shop_id=shop.id, username=username, role=role, now=now)
    product_ids = []
    for title, price, stock, origin in PRODUCTS:
        product = await catalog.create_product(
            services.db, user=merchant, shop_id=shop.id, title=title, price_cents=price,
            currency="CNY", stock=stock, origin=origin, now=now,
        )
        product_ids.append(product.id)
    room = await rooms.create_room(
        services.db, user=merchant, shop_id=shop.id, title="春茶上新 · Spring tea launch live",
        description="明前新茶，产地直发 · First-flush tea straight from the gardens", scheduled_at=now, now=now,
    )
    weekend = await rooms.create_room(
        services.db, user=merchant, shop_id=shop.id, title="周末茶器专场 · Weekend teaware special",
        description="Reserve now", scheduled_at=now + timedelta(days=2), now=now,
    )
    await _seed_warm_up(services, merchant, shop.id, room.id, weekend.id)
    # A live base (直播基地) whose operator watches the shop's rooms on its wall.
    base_operator = await auth.sign_up(services.db, username="demo-base", password=DEMO_PASSWORD,
                                       passwords=services.passwords, now=now)
    base = await bases.create_base(services.db, user=base_operator, name="余杭直播基地 · Yuhang live base", now=now)
    await bases.join_base(services.db, user=merchant, base_id=base["id"], shop_id=shop.id, now=now)
    await rooms.change_status(services.db, user=merchant, room_id=room.id, action="start", now=now)
    first = await inventory.create_listing(
        services.db, user=merchant, room_id=room.id, product_id=product_ids[0], price_cents=12800,
        stock=80, per_user_limit=3, now=now,
    )
    await inventory.create_listing(
        services.db, user=merchant, room_id=room.id, product_id=product_ids[4], price_cents=3990,
        stock=200, per_user_limit=5, now=now,
    )
    await rooms.pin_listing(
        services.db, user=merchant, room_id=room.id, listing_id=first["id"],
        find_listing=inventory.find_listing_in_room, now=now,
    )
    neighbours = await _seed_discovery(services, merchant, shop.id, room.id, weekend.id)
    await _seed_trust(services, [shop.id, *neighbours])
    return DemoWorld(shop.id, room.id, product_ids, first["id"], base["id"], room.stream_key)


# Other hosts on the installation, so the feed has something to rank: an established one, a
# small one, and one that goes live for the first time (the test pool's reserved slots).
NEIGHBOURS = (
    ("demo-farm", "云南山里人家 · Yunnan hill farm", "古树普洱开饼直播 · Old-tree Pu'er live"),
    ("demo-ceramics", "景德镇小窑 · Jingdezhen kiln", "手作茶杯现场拉坯 · Throwing tea cups live"),
    ("demo-yiwu", "义乌好物 · Yiwu finds", "第一次开播：茶具收纳 · First show: tea storage"),
)


async def _seed_discovery(services: Services, merchant: User, shop_id: int, room_id: int,
                          weekend_id: int) -> list[int]:
    """Neighbouring shops live beside the demo show; the demo shop buys a boost for its show
    and a splash placement for its weekend special. Returns the neighbours' shops."""
    from liveshop.discovery import service as discovery

    now = services.clock.now()
    neighbours = []
    for username, shop_name, title in NEIGHBOURS:
        owner = await auth.sign_up(services.db, username=username, password=DEMO_PASSWORD,
                                   passwords=services.passwords, now=now)
        neighbour = await catalog.create_shop(services.db, owner=owner, name=shop_name, description="", now=now)
        neighbours.append(neighbour.id)
        show = await rooms.create_room(services.db, user=owner, shop_id=neighbour.id, title=title, description="",
                                       scheduled_at=now, now=now)
        await rooms.change_status(services.db, user=owner, room_id=show.id, action="start", now=now)
    await discovery.create_boost(services.db, user=merchant, shop_id=shop_id, room_id=room_id, impressions=5_000,
                                 budget_cents=20_000, currency="CNY", segment="all", region=None, starts_at=now,
                                 ends_at=now + timedelta(hours=2), pacing="even", now=now)
    await discovery.create_splash(services.db, user=merchant, shop_id=shop_id, room_id=weekend_id,
                                  headline="周末茶器专场，预约抽紫砂壶 · Reserve the weekend teaware special",
                                  starts_at=now, ends_at=now + timedelta(days=2), cap_per_viewer=3, now=now)
    return neighbours


async def _seed_trust(services: Services, shop_ids: list[int]) -> None:
    """A follower package bought in the last days — twelve fresh accounts following these shops
    within two minutes of each other, night after night — found by the trust scan and put in the
    review queue for demo-admin; the shops' real follower counts leave them out."""
    from liveshop.engagement import service as engagement
    from liveshop.trust import scan
    from liveshop.trust import service as trust

    now = services.clock.now()
    await auth.sign_up(services.db, username="demo-admin", password=DEMO_PASSWORD, passwords=services.passwords,
                       now=now, role="admin")
    bots = [await auth.sign_up(services.db, username=f"fan{n:04d}x", password=DEMO_PASSWORD,
                               passwords=services.passwords, now=now - timedelta(days=5)) for n in range(12)]
    night = (now - timedelta(days=4)).replace(hour=3, minute=0, second=0, microsecond=0)
    for day, shop_id in enumerate(shop_ids):
        for n, bot in enumerate(bots):
            await engagement.follow_shop(services.db, user=bot, shop_id=shop_id, follow=True,
                                         now=night + timedelta(days=day, seconds=9 * n))
    await trust.record_findings(services.db, await scan.scan(services.db, now=now, days=7), now=now)


async def _seed_warm_up(services: Services, merchant: User, shop_id: int, room_id: int, weekend_id: int) -> None:
    """Around the show: a coupon in the room, a weekly series, a feature vote, a teaser campaign."""
    from liveshop.campaigns import service as campaigns
    from liveshop.coupons import service as coupons
    from liveshop.polls import service as polls
    from liveshop.schedules import service as schedules

    now = services.clock.now()
    await coupons.create_offer(
        services.db, user=merchant, shop_id=shop_id, room_id=room_id, title="直播间专享 满100减20", kind="amount_off",
        amount_off_cents=2000, percent_off=None, max_off_cents=None, threshold_cents=10000, stackable=True,
        valid_from=None, valid_until=None, valid_days=3, total_quantity=500, per_user_limit=1, budget_cents=None,
        now=now)
    await schedules.create_series(services.db, user=merchant, shop_id=shop_id, title="每周二品茶夜 · Tuesday tea night",
                                  description="Every Tuesday at 20:00", weekday=1, time_of_day="20:00",
                                  timezone="Asia/Shanghai", now=now)
    await polls.create_poll(services.db, user=merchant, shop_id=shop_id, question="明年春天想喝什么新茶？",
                            labels=["凤凰单丛", "正山小种", "太平猴魁"], room_id=None, closes_in_seconds=None, now=now)
    await campaigns.create(services.db, user=merchant, shop_id=shop_id, room_id=weekend_id, title="猜猜周末首发的茶器",
                           teaser="一件会呼吸的器物 · Something that breathes", answer="紫砂壶",
                           aliases=["teapot", "紫砂"], hints=[("来自江苏宜兴", 0), ("越养越亮", 30)],
                           reveal_in_minutes=24 * 60, now=now)


SOURCES = ("feed", "feed", "feed", "follow", "reservation", "share", "boost", "direct")


async def _login(http: httpx.AsyncClient, username: str, password: str, *, sign_up: bool) -> dict[str, str]:
    if sign_up:
        r = await http.post("/api/v1/users", json={"username": username, "password": password})
        r.raise_for_status()
    r = await http.post("/api/v1/sessions", json={"username": username, "password": password})
    r.raise_for_status()
    http.cookies.clear()
    return {"Authorization": f"Bearer {r.json()['token']}"}


async def viewer(base: str, room_id: int, index: int, stats: DemoStats, stop: asyncio.Event) -> None:
    from websockets.asyncio.client import connect

    rng = random.Random(index)
    await asyncio.sleep(rng.uniform(0, 25))  # viewers trickle in
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        try:
            auth_headers = await _login(http, f"viewer{index:03d}_{uuid.uuid4().hex[:4]}", "viewer-pass-123", sign_up=True)
        except httpx.HTTPError:
            stats.errors += 1
            return
        stats.joined += 1
        await http.get("/", headers=auth_headers)  # scrolls the feed first (feed impressions, boosts)
        # The page's session cookie and where the viewer came from: the big screen's viewers and sources.
        ws_url = base.replace("http", "ws", 1) + f"/api/v1/rooms/{room_id}/live?src={rng.choice(SOURCES)}"
        cookie = {"Cookie": f"{SESSION_COOKIE}={auth_headers['Authorization'].removeprefix('Bearer ')}"}
        try:
            while not stop.is_set():
                async with connect(ws_url, additional_headers=cookie) as ws:
                    stats.connected += 1
                    reader = asyncio.create_task(_drain(ws))
                    stay = asyncio.get_running_loop().time() + rng.expovariate(1 / 150)
                    try:
                        await _look(http, auth_headers, room_id, rng)
                        while not stop.is_set() and asyncio.get_running_loop().time() < stay:
                            await asyncio.sleep(rng.expovariate(1 / 6))
                            await _act(http, auth_headers, room_id, rng, stats)
                    finally:
                        reader.cancel()
                        stats.connected -= 1
                if rng.random() < 0.4:
                    return  # gone for good
                await asyncio.sleep(rng.uniform(5, 40))  # back after a while (another view)
        except (OSError, httpx.HTTPError, Exception):
            stats.errors += 1


async def _look(http: httpx.AsyncClient, headers: dict[str, str], room_id: int, rng: random.Random) -> None:
    """What the viewer page reports on arrival: the product cards it shows; some get opened."""
    listings = [x["id"] for x in (await http.get(f"/api/v1/rooms/{room_id}/listings")).json() if x["status"] == "active"]
    cards = [{"kind": "exposure", "listing_id": i} for i in listings[:50]]
    cards += [{"kind": "click", "listing_id": i} for i in listings if rng.random() < 0.25][:50 - len(cards)]
    if cards:
        await http.post(f"/api/v1/rooms/{room_id}/card-views", json={"events": cards}, headers=headers)


async def _drain(ws) -> None:  # type: ignore[no-untyped-def]
    with contextlib.suppress(Exception):
        async for _ in ws:
            pass


async def _join_in(http: httpx.AsyncClient, headers: dict[str, str], room_id: int, rng: random.Random) -> None:
    """Enter open lucky bags, answer the quiz question on screen, claim the room's coupons."""
    for bag in (await http.get(f"/api/v1/rooms/{room_id}/lucky-bags", headers=headers)).json():
        if bag["status"] == "open" and not (bag["me"] or {}).get("entered"):
            await http.post(f"/api/v1/lucky-bags/{bag['id']}/entries", headers=headers)
    for quiz in (await http.get(f"/api/v1/rooms/{room_id}/quizzes")).json():
        for question in quiz["questions"]:
            if question["status"] == "open":
                await http.post(f"/api/v1/quiz-questions/{question['id']}/answers",
                                json={"choice": rng.randrange(len(question["options"]))}, headers=headers)
    for offer in (await http.get(f"/api/v1/rooms/{room_id}/coupon-offers")).json():
        await http.post(f"/api/v1/coupon-offers/{offer['id']}/claim", headers=headers)


async def _act(http: httpx.AsyncClient, headers: dict[str, str], room_id: int, rng: random.Random, stats: DemoStats) -> None:
    roll = rng.random()
    if roll < 0.12:
        await _join_in(http, headers, room_id, rng)
    elif roll < 0.35:
        r = await http.post(f"/api/v1/rooms/{room_id}/comments", json={"text": rng.choice(CHAT)}, headers=headers)
        stats.comments += r.status_code == 201
    elif roll < 0.72:
        r = await http.post(f"/api/v1/rooms/{room_id}/likes", json={"count": rng.randint(1, 5)}, headers=headers)
        stats.likes += r.status_code == 200
    elif roll < 0.75:
        shop_id = (await http.get(f"/api/v1/rooms/{room_id}")).json()["shop_id"]
        await http.post(f"/api/v1/shops/{shop_id}/follow?room_id={room_id}", headers=headers)
    elif roll < 0.95:
        room = (await http.get(f"/api/v1/rooms/{room_id}")).json()
        listings = [x for x in (await http.get(f"/api/v1/rooms/{room_id}/listings")).json() if x["status"] == "active"]
        pinned = room.get("pinned_listing_id")
        target = pinned if pinned and rng.random() < 0.7 else (rng.choice(listings)["id"] if listings else None)
        if target is None:
            return
        await http.post(f"/api/v1/rooms/{room_id}/card-views", headers=headers, json={"events": [
            {"kind": "exposure", "listing_id": target}, {"kind": "click", "listing_id": target}]})
        r = await http.post(
            "/api/v1/orders", json={"listing_id": target, "quantity": 1},
            headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
        )
        if r.status_code == 409:
            stats.sold_out += 1
        if r.status_code != 201:
            return
        stats.orders += 1
        order = r.json()
        await asyncio.sleep(rng.uniform(1, 6))  # looking for the phone's payment app
        if rng.random() < 0.85:
            await http.put(f"/api/v1/orders/{order['id']}/coupons", json={"best": True}, headers=headers)
            pay = (await http.post(f"/api/v1/orders/{order['id']}/pay", headers=headers)).json()
            r = await http.post(pay["checkout_url"], data={"outcome": "succeeded"})
            if r.status_code == 303:
                stats.paid += 1
                stats.gmv_cents += pay["amount_cents"]


async def operator(base: str, world: DemoWorld, stats: DemoStats, stop: asyncio.Event) -> None:
    """The 中控: every so often lists another product at a live price and pins it; restocks;
    launches a lucky bag or asks the next quiz question in turn."""
    rng = random.Random(7)
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        headers = await _login(http, "demo-operator", DEMO_PASSWORD, sign_up=False)
        queue = [pid for pid in world.product_ids if pid not in (world.product_ids[0], world.product_ids[4])]
        quiz = (await http.post(f"/api/v1/shops/{world.shop_id}/quizzes", json={
            "title": "茶知识抢答 · Tea quiz", "room_id": world.room_id, "questions": QUIZ}, headers=headers)).json()
        asked = iter(q["id"] for q in quiz["questions"])
        rounds = 0
        while not stop.is_set():
            await asyncio.sleep(rng.uniform(30, 50))
            rounds += 1
            if rounds % 2:
                await http.post(f"/api/v1/rooms/{world.room_id}/lucky-bags", json={
                    "title": "福袋 · Lucky bag", "duration_seconds": 40,
                    "prize": {"kind": "product", "product_id": world.product_ids[5], "count": 2},
                    "conditions": {"keyword": "想要福袋"}}, headers=headers)
            elif (question := next(asked, None)) is not None:
                await http.post(f"/api/v1/quiz-questions/{question}/push", headers=headers)
            listings = (await http.get(f"/api/v1/rooms/{world.room_id}/listings")).json()
            for lst in listings:
                if lst["status"] == "active" and lst["stock_left"] == 0 and rng.random() < 0.5:
                    await http.patch(f"/api/v1/listings/{lst['id']}", json={"add_stock": 20}, headers=headers)
            if queue:
                product_id = queue.pop(0)
                r = await http.post(
                    f"/api/v1/rooms/{world.room_id}/listings",
                    json={"product_id": product_id, "stock": rng.choice([10, 20, 30]), "per_user_limit": 2},
                    headers=headers,
                )
                if r.status_code == 201:
                    await http.post(f"/api/v1/rooms/{world.room_id}/pin", json={"listing_id": r.json()["id"]}, headers=headers)
            elif listings:
                await http.post(
                    f"/api/v1/rooms/{world.room_id}/pin", json={"listing_id": rng.choice(listings)["id"]}, headers=headers
                )


def _dashboard(stats: DemoStats, audience: int, progress: Progress) -> Table:
    table = Table(title="simulated audience", show_header=False, expand=False)
    for label, value in (
        ("viewers joined / watching", f"{stats.joined}/{audience} · {stats.connected}"),
        ("comments · likes", f"{stats.comments} · {stats.likes}"),
        ("orders · paid · sold-out answers", f"{stats.orders} · {stats.paid} · {stats.sold_out}"),
        ("GMV", f"¥{stats.gmv_cents / 100:,.2f}"),
        ("client errors", str(stats.errors)),
    ):
        table.add_row(label, value)
    grid = Table.grid()
    grid.add_row(progress)
    grid.add_row(table)
    return grid


async def run_demo(
    *, host: str, port: int, viewers: int, database_url: str, duration: float, console: Console,
    inventory: str = "sql",
) -> None:
    from liveshop.media.nginx import NginxRtmp

    video_missing = NginxRtmp.available()
    nginx = None if video_missing else NginxRtmp(Path("media").resolve(), f"http://{host}:{port}",
                                                 rtmp_port=_port_or_free(1935), http_port=_port_or_free(8088))
    settings = Settings(
        database_url=database_url, env="development", payment_timeout=120, expiry_sweep_interval=2,
        inventory_backend=inventory,  # type: ignore[arg-type]
        guards=False,  # the simulated audience signs up and follows from this one machine
        **({"media_rtmp_url": nginx.rtmp_url, "media_hls_url": nginx.hls_url, "media_replay_url": nginx.replay_url,
            "media_dir": str(nginx.root)} if nginx else {}),
    )
    services = build_services(settings)
    await upgrade(services.db)
    world = await seed(services)
    app = create_app(services=services)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on"))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            await serving
            return
        await asyncio.sleep(0.05)
    base = f"http://{host}:{port}"
    video, streaming = await _start_video(nginx, world.room_id, world.stream_key)
    console.print(
        Panel.fit(
            f"[bold]viewer page[/]   {base}/rooms/{world.room_id}\n"
            f"[bold]host console[/]  {base}/console/rooms/{world.room_id}\n"
            f"[bold]big screen[/]    {base}/screen/rooms/{world.room_id}\n"
            f"[bold]show report[/]   {base}/rooms/{world.room_id}/report\n"
            f"[bold]base wall[/]     {base}/screen/bases/{world.base_id}  (log in as demo-base)\n"
            f"[bold]discovery[/]     {base}/  · traffic pools and boosts: {base}/shops/{world.shop_id}/traffic\n"
            f"[bold]trust & safety[/] {base}/trust  (log in as demo-admin: a bought follower package to review)\n"
            f"[bold]API docs[/]      {base}/docs\n"
            + (f"[bold]video[/]         OBS server {nginx.rtmp_url} · stream key {world.room_id}?key={world.stream_key}"
               + ("\n              (a test pattern is streaming now; stop it and publish from OBS)" if streaming else "")
               if nginx else f"[bold]video[/]         off — {video_missing}")
            + "\n\n"
            f"logins (password [bold]{DEMO_PASSWORD}[/]): demo-merchant, demo-host, demo-operator, demo-base, "
            "demo-admin\n"
            "add ?lang=en to any page for English · Ctrl-C stops",
            title="liveshop demo",
        )
    )
    stop = asyncio.Event()
    stats = DemoStats()
    tasks = [asyncio.create_task(viewer(base, world.room_id, i, stats, stop)) for i in range(viewers)]
    tasks.append(asyncio.create_task(operator(base, world, stats, stop)))
    progress = Progress(TextColumn("audience arriving"), BarColumn(), TextColumn("{task.completed}/{task.total}"))
    arriving = progress.add_task("join", total=viewers)
    started = asyncio.get_running_loop().time()
    try:
        with Live(_dashboard(stats, viewers, progress), console=console, refresh_per_second=2) as live:
            while duration <= 0 or asyncio.get_running_loop().time() - started < duration:
                await asyncio.sleep(0.5)
                progress.update(arriving, completed=stats.joined)
                live.update(_dashboard(stats, viewers, progress))
                if serving.done():
                    break
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass
    finally:
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await _stop_video(nginx, video, streaming)
        server.should_exit = True
        with contextlib.suppress(Exception):
            await serving
    console.print(f"demo ended · {stats.orders} orders, {stats.paid} paid, ¥{stats.gmv_cents / 100:,.2f}")


def _port_or_free(port: int) -> int:
    """The usual port when it is free (OBS users expect 1935), else any free one."""
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])


async def _start_video(nginx, room_id: int, stream_key: str):  # type: ignore[no-untyped-def]
    """nginx-rtmp for the demo, and an ffmpeg test pattern publishing to the demo show (as OBS
    would), so the viewer page has video without a camera."""
    import shutil

    if nginx is None:
        return None, None
    process = await nginx.start()
    streaming = None
    if shutil.which("ffmpeg"):
        from liveshop.media.encoder import encoder_command

        streaming = await asyncio.create_subprocess_exec(
            *encoder_command(["-f", "flv", f"{nginx.rtmp_url}/{room_id}?key={stream_key}"], pattern="testsrc2",
                          tone_hz=330),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    return process, streaming


async def _stop_video(nginx, process, streaming) -> None:  # type: ignore[no-untyped-def]
    if streaming is not None and streaming.returncode is None:
        streaming.terminate()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(streaming.wait(), 5)
    if process is not None:
        await nginx.stop(process)
