"""`liveshop bench video`: how late viewers see the host.

Two parts of the delay, measured in one run:

- segment delay — from the moment a frame is encoded to the moment the HLS segment holding it
  is listed in the playlist viewers fetch: ffmpeg publishes a test pattern in real time (-re)
  over RTMP to nginx-rtmp (with liveshop's publish hook in the way); each new segment's end, in
  stream time since the encoder started, is compared with the wall time it appeared.
  Baseline, same run: ffmpeg writing the same stream straight to HLS on disk (no RTMP, no nginx).
- player offset — how far behind the playlist's live edge hls.js plays in Chromium, on the
  viewer page (`hls.latency`), when Debian's chromium is installed.

Glass-to-glass ≈ segment delay + player offset (+ the encoder's own buffering, not measured).
"""

from __future__ import annotations

import asyncio
import re
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from liveshop.bench.server import free_port, spawn_server
from liveshop.core.db import Database
from liveshop.core.migrate import upgrade
from liveshop.media.encoder import encoder_command
from liveshop.media.nginx import NginxRtmp

TARGET_SECONDS = 6.0  # glass-to-glass with 1-second fragments (docs/video.md)
CHROMIUM = "/usr/bin/chromium"


@dataclass
class VideoResult:
    segment_delays: list[float] = field(default_factory=list)
    baseline_delays: list[float] = field(default_factory=list)
    player_offsets: list[float] = field(default_factory=list)
    first_segment_seconds: float | None = None

    @property
    def segment_delay(self) -> float | None:
        return statistics.median(self.segment_delays) if self.segment_delays else None

    @property
    def baseline_delay(self) -> float | None:
        return statistics.median(self.baseline_delays) if self.baseline_delays else None

    @property
    def player_offset(self) -> float | None:
        return statistics.median(self.player_offsets) if self.player_offsets else None

    @property
    def glass_to_glass(self) -> float | None:
        if self.segment_delay is None or self.player_offset is None:
            return None
        return self.segment_delay + self.player_offset

    @property
    def meets_target(self) -> bool:
        return self.glass_to_glass is not None and self.glass_to_glass <= TARGET_SECONDS


_EXTINF = re.compile(r"#EXTINF:([\d.]+)")
_SEQUENCE = re.compile(r"#EXT-X-MEDIA-SEQUENCE:(\d+)")


class SegmentClock:
    """Watches a playlist: for each segment as it appears, how late it is (wall time of
    appearance − (encoder start + stream time of the segment's end))."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.seen: dict[int, float] = {}  # sequence number → stream time of the segment's end
        self.delays: list[float] = []
        self.first: float | None = None

    def observe(self, playlist: str, now: float) -> None:
        match = _SEQUENCE.search(playlist)
        if not match:
            return
        sequence = int(match.group(1))
        durations = [float(d) for d in _EXTINF.findall(playlist)]
        # Stream time of each listed segment's end, from the ones already known (or from 0 for
        # the very first playlist, which starts at the stream's beginning).
        if not self.seen:
            end = 0.0
            for i, d in enumerate(durations):
                end += d
                self.seen[sequence + i] = end
                self._arrived(end, now, first_seen=i == len(durations) - 1)
            return
        for i, d in enumerate(durations):
            n = sequence + i
            if n in self.seen or (n - 1) not in self.seen:
                continue
            self.seen[n] = self.seen[n - 1] + d
            self._arrived(self.seen[n], now, first_seen=True)

    def _arrived(self, stream_end: float, now: float, *, first_seen: bool) -> None:
        if self.first is None:
            self.first = now - self.started
        if first_seen:
            self.delays.append(now - (self.started + stream_end))


async def _baseline(folder: Path, seconds: float) -> list[float]:
    folder.mkdir(parents=True, exist_ok=True)
    playlist = folder / "direct.m3u8"
    started = time.time()
    process = await asyncio.create_subprocess_exec(
        *encoder_command(["-f", "hls", "-hls_time", "1", "-hls_list_size", "6", "-hls_flags", "delete_segments",
                          str(playlist)], seconds=seconds))
    clock = SegmentClock(started)
    while process.returncode is None:
        if playlist.exists():
            clock.observe(playlist.read_text(), time.time())
        try:
            await asyncio.wait_for(process.wait(), 0.05)
        except TimeoutError:
            pass
    return clock.delays[2:]  # the first segments include the encoder's start-up


async def _player_offsets(page_url: str, seconds: float) -> list[float]:
    from playwright.async_api import async_playwright

    offsets: list[float] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = await browser.new_page()
            await page.goto(page_url)
            await page.wait_for_function(
                "() => { const v = document.getElementById('player'); return v && v.currentTime > 1; }",
                timeout=30_000)
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                value = await page.evaluate("() => window.liveshopPlayer && window.liveshopPlayer.latency()")
                if isinstance(value, (int, float)) and value > 0:
                    offsets.append(float(value))
                await asyncio.sleep(0.5)
        finally:
            await browser.close()
    return offsets


async def run_video(seconds: float, console: Console) -> VideoResult:
    missing = NginxRtmp.available() or (None if shutil.which("ffmpeg") else "ffmpeg is not installed")
    if missing:
        raise RuntimeError(missing)
    result = VideoResult()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        database_url = f"sqlite+aiosqlite:///{root / 'bench.db'}"
        db = Database(database_url)
        await upgrade(db)
        await db.dispose()
        port, rtmp_port, http_port = free_port(), free_port(), free_port()
        nginx = NginxRtmp(root / "media", f"http://127.0.0.1:{port}", rtmp_port=rtmp_port, http_port=http_port)
        server = await asyncio.to_thread(spawn_server, database_url=database_url, port=port, env={
            "LIVESHOP_MEDIA_RTMP_URL": nginx.rtmp_url, "LIVESHOP_MEDIA_HLS_URL": nginx.hls_url})
        process = await nginx.start()
        publisher = None
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
                await http.post("/api/v1/users", json={"username": "bench_host", "password": "correct horse 1"})
                token = (await http.post("/api/v1/sessions", json={"username": "bench_host",
                                                                   "password": "correct horse 1"})).json()["token"]
                me = {"Authorization": f"Bearer {token}"}
                shop = (await http.post("/api/v1/shops", json={"name": "Bench"}, headers=me)).json()
                room = (await http.post("/api/v1/rooms", headers=me, json={
                    "shop_id": shop["id"], "title": "Latency", "scheduled_at": "2026-01-01T00:00:00Z"})).json()
                obs = (await http.get(f"/api/v1/rooms/{room['id']}/media", headers=me)).json()
                console.print("publishing through nginx-rtmp …")
                started = time.time()
                publisher = await asyncio.create_subprocess_exec(
                    *encoder_command(["-f", "flv", f"{obs['obs']['server']}/{obs['obs']['stream_key']}"], seconds=seconds + 20))
                clock = SegmentClock(started)
                playlist = nginx.hls_dir / f"{room['id']}.m3u8"
                player = None
                deadline = time.monotonic() + seconds
                while time.monotonic() < deadline:
                    if playlist.exists():
                        clock.observe(playlist.read_text(), time.time())
                        if player is None and Path(CHROMIUM).exists():
                            player = asyncio.create_task(_player_offsets(
                                f"http://127.0.0.1:{port}/rooms/{room['id']}", seconds / 2))
                    await asyncio.sleep(0.05)
                result.segment_delays = clock.delays[2:]
                result.first_segment_seconds = clock.first
                if player is not None:
                    result.player_offsets = await player
        finally:
            if publisher is not None and publisher.returncode is None:
                publisher.terminate()
                await publisher.wait()
            await nginx.stop(process)
            server.terminate()
            server.wait(10)
        console.print("the same stream straight to HLS (baseline) …")
        result.baseline_delays = await _baseline(root / "direct", seconds)
    return result


def print_video_result(result: VideoResult, console: Console) -> None:
    def s(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f} s"

    table = Table(title="video latency (median)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("segment delay, nginx-rtmp path", s(result.segment_delay))
    table.add_row("segment delay, ffmpeg → HLS directly (baseline)", s(result.baseline_delay))
    if result.segment_delay and result.baseline_delay:
        table.add_row("ratio to baseline", f"{result.segment_delay / result.baseline_delay:.2f}×")
    table.add_row("first segment after the encoder started", s(result.first_segment_seconds))
    table.add_row("player behind the live edge (hls.js, Chromium)", s(result.player_offset))
    table.add_row("glass-to-glass ≈ segment delay + player offset", s(result.glass_to_glass))
    table.add_row("target", f"≤ {TARGET_SECONDS:.0f} s " + ("✓" if result.meets_target else "✗"))
    console.print(table)
