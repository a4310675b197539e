"""Video end to end: nginx-rtmp, ffmpeg as the host's encoder, the viewer page in Chromium.

A wrong key is refused; the right key takes the scheduled show live and HLS segments appear;
the viewer's video plays (its time advances) and the stream is relayed to another platform's
RTMP endpoint (a second nginx); a product listed and pinned while live becomes a product moment; when the encoder stops, viewers are told the host will be right back, after
the grace time the show ends, and its recording becomes a replay with the moment on its
timeline."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
from pathlib import Path

import httpx
import pytest
from playwright.async_api import expect

from liveshop.bench.server import free_port
from liveshop.media.encoder import encoder_command
from liveshop.media.nginx import NginxRtmp
from tests.conftest import IN_CI, ServerThread, make_settings
from tests.helpers import account, listing, shop_with_room
from tests.web.browsing import log_in, new_page

pytestmark = pytest.mark.browser


@pytest.fixture
def backend() -> str:
    return "sqlite"  # the media path does not depend on the database: once is enough


def encoder(url: str, *, seconds: int) -> list[str]:
    """ffmpeg publishing a small test pattern over RTMP, as OBS would."""
    return encoder_command(["-f", "flv", url], seconds=seconds, size="320x180", preset="ultrafast")


async def wait_for(check, timeout: float = 20.0, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {check.__name__}")
        await asyncio.sleep(every)


async def test_obs_publishes_viewers_watch_and_a_dropped_stream_ends_the_show(browser, database_url, tmp_path):
    missing = NginxRtmp.available() or (None if shutil.which("ffmpeg") else "ffmpeg is not installed")
    if missing:
        if IN_CI:
            pytest.fail(f"CI: {missing} (make test installs it)")
        pytest.skip(missing)
    rtmp_port, http_port = free_port(), free_port()
    settings = make_settings(database_url, media_grace_seconds=3.0, media_dir=str(tmp_path / "media"),
                             media_rtmp_url=f"rtmp://127.0.0.1:{rtmp_port}/live",
                             media_hls_url=f"http://127.0.0.1:{http_port}/hls",
                             media_replay_url=f"http://127.0.0.1:{http_port}/replays")
    with ServerThread(settings) as server:
        nginx = NginxRtmp(tmp_path / "media", server.base, rtmp_port=rtmp_port, http_port=http_port)
        process = await nginx.start()
        # Another platform's ingest: a plain RTMP server that cuts HLS of what it receives.
        other = NginxRtmp(tmp_path / "other", None, rtmp_port=free_port(), http_port=free_port())
        other_process = await other.start()
        publisher = None
        try:
            async with httpx.AsyncClient(base_url=server.base, timeout=10) as http:
                shop = await shop_with_room(http, live=False)
                room = shop.room_id
                obs = (await http.get(f"/api/v1/rooms/{room}/media", headers=shop.merchant)).json()["obs"]
                assert obs["server"] == nginx.rtmp_url
                r = await http.post(f"/api/v1/rooms/{room}/push-targets", headers=shop.merchant,
                                    json={"name": "other platform", "url": f"{other.rtmp_url}/simulcast-key-42"})
                assert r.status_code == 201, r.text

                async def status() -> str:
                    return (await http.get(f"/api/v1/rooms/{room}")).json()["status"]

                # A wrong key: nginx asks liveshop, liveshop refuses, the encoder gives up.
                wrong = await asyncio.create_subprocess_exec(
                    *encoder(f"{obs['server']}/{room}?key=sk_not-the-key", seconds=5),
                    stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
                assert await asyncio.wait_for(wrong.wait(), 15) != 0
                assert await status() == "scheduled"

                publisher = await asyncio.create_subprocess_exec(
                    *encoder(f"{obs['server']}/{obs['stream_key']}", seconds=120),
                    stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)

                async def live() -> bool:
                    return await status() == "live"

                await wait_for(live)
                hls = (await http.get(f"/api/v1/rooms/{room}/media")).json()["hls_url"]

                async def playlist() -> str | None:
                    r = await http.get(hls)
                    return r.text if r.status_code == 200 and ".ts" in r.text else None

                text = await wait_for(playlist)
                segment = next(line for line in text.splitlines() if line.endswith(".ts"))
                r = await http.get(hls.rsplit("/", 1)[0] + "/" + segment)
                assert r.status_code == 200 and r.content[:1] == b"\x47"  # an MPEG-TS packet

                errors: list[str] = []
                page = await new_page(browser, errors)
                await page.goto(f"{server.base}/rooms/{room}?lang=en")
                video = page.locator("#player")
                await expect(video).to_be_visible(timeout=15_000)
                await page.wait_for_function(
                    "() => { const v = document.getElementById('player'); return v && v.currentTime > 1.5; }",
                    timeout=30_000)
                first = await video.evaluate("v => v.currentTime")
                await asyncio.sleep(1.5)
                assert await video.evaluate("v => v.currentTime") > first  # it plays, not a still frame

                # Simulcast: the other platform receives the stream while the show is live.
                async def relayed() -> str | None:
                    r = await http.get(f"{other.hls_url}/simulcast-key-42.m3u8")
                    return r.text if r.status_code == 200 and ".ts" in r.text else None

                await wait_for(relayed)
                targets = (await http.get(f"/api/v1/rooms/{room}/push-targets", headers=shop.merchant)).json()
                assert targets[0]["relay"] == "relaying" and "simulcast-key-42" not in targets[0]["url"]

                # The host's console: what to put in OBS, the stream's state, the relay.
                console = await new_page(browser, errors)
                await log_in(console, server.base, shop.merchant)
                await console.goto(f"{server.base}/console/rooms/{room}?lang=en")
                await expect(console.locator("#obs-server")).to_have_text(nginx.rtmp_url)
                await expect(console.locator("#stream-state")).to_have_text("publishing")
                await expect(console.locator("#push-targets li")).to_contain_text("relaying")
                assert "simulcast-key-42" not in await console.locator("#push-targets").inner_text()
                await console.locator("#show-key").click()
                await expect(console.locator("#stream-key")).to_have_text(obs["stream_key"])

                # The operator lists a product and pins it while live: a product moment.
                item = await listing(http, shop)
                r = await http.post(f"/api/v1/rooms/{room}/pin", headers=shop.merchant,
                                    json={"listing_id": item["id"]})
                assert r.status_code == 200, r.text
                await asyncio.sleep(2)  # some more show after the pin

                publisher.terminate()  # the host's encoder stops
                await publisher.wait()
                await expect(page.locator("#stream-notice")).to_have_text("The host will be right back",
                                                                           timeout=15_000)

                async def ended() -> bool:
                    return await status() == "ended"

                await wait_for(ended, timeout=20)
                await expect(page.locator("#status")).to_have_text("Ended", timeout=10_000)
                assert not [e for e in errors if "dialog" in e]

                async def replay() -> dict | None:
                    body = (await http.get(f"/api/v1/rooms/{room}/replay")).json()
                    return body if body["replay"] in ("ready", "failed") else None

                built = await wait_for(replay, timeout=30)
                assert built["replay"] == "ready", built
                vod = await http.get(built["hls_url"])
                assert vod.status_code == 200 and "#EXT-X-ENDLIST" in vod.text
                assert built["seconds"] >= 5  # the whole stream, from the first publish to the stop
                moments = built["moments"]
                assert [m["kind"] for m in moments] == ["listing_added", "pinned"]
                assert {m["listing_id"] for m in moments} == {item["id"]}
                assert 0 < moments[0]["offset_seconds"] <= moments[1]["offset_seconds"] <= built["seconds"]

                # The replay page: the recording plays, and the product jumps to its moment.
                await page.goto(f"{server.base}/rooms/{room}?lang=en")
                await page.locator("#replay-link").click()
                await page.wait_for_url(f"{server.base}/rooms/{room}/replay")
                moment = page.locator(f'#moments .moment[data-listing="{item["id"]}"]')
                await expect(moment.locator(".title")).to_have_text(item["title"])
                await page.wait_for_function(
                    "() => { const v = document.getElementById('player'); return v && v.readyState >= 1; }",
                    timeout=15_000)
                await moment.locator("button.jump").click()
                await page.wait_for_function(
                    f"() => Math.abs(document.getElementById('player').currentTime - {moments[0]['offset_seconds']}) < 2",
                    timeout=15_000)

                # …and still sells: a viewer buys the product from the replay and goes to pay.
                buyer = await account(http, "replay_buyer")
                shopper = await new_page(browser, errors)
                await log_in(shopper, server.base, buyer)
                await shopper.goto(f"{server.base}/rooms/{room}/replay?lang=en")
                await shopper.locator(f'#moments .moment[data-listing="{item["id"]}"] button.buy').click()
                await shopper.wait_for_url("**/sandbox/checkout/**")
                await shopper.locator("#pay").click()
                await shopper.wait_for_url(f"**/rooms/{room}?order=*")
                mine = (await http.get("/api/v1/me/orders", headers=buyer)).json()
                assert [(o["room_id"], o["status"]) for o in mine] == [(room, "paid")]
        finally:
            if publisher and publisher.returncode is None:
                publisher.kill()
                with contextlib.suppress(Exception):
                    await publisher.wait()
            await NginxRtmp.stop(process)
            await NginxRtmp.stop(other_process)
    assert not (Path(tmp_path) / "media" / "logs" / "error.log").read_text().count("[emerg]")
