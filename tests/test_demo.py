"""`make demo` is the main job: a short run seeds the shop, serves it, and the simulated
audience's visits, card views and purchases reach the big screen's numbers."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from liveshop.analytics.log import replay
from liveshop.core.db import Database
from liveshop.engagement import service as engagement
from liveshop.media import store as media_store
from liveshop.media.nginx import NginxRtmp
from liveshop.trust import store as trust_store


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_short_demo_fills_the_big_screen(tmp_path):
    database = tmp_path / "demo.db"
    run = await asyncio.to_thread(subprocess.run, [
        str(Path(sys.executable).with_name("liveshop")), "demo", "--port", str(free_port()), "--viewers", "10",
        "--duration", "30", "--database", str(database)], capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "big screen" in run.stdout and "/screen/bases/1" in run.stdout
    assert "/trust" in run.stdout and "demo-admin" in run.stdout
    db = Database(f"sqlite+aiosqlite:///{database}")
    try:
        figures = (await replay(db)).figures(1)
        # The seeded follower package waits in the review queue; the demo shop's real followers leave it out.
        async with db.transaction(write=False) as tx:
            flagged = await trust_store.list_flags(tx.conn, status="open", subject="account", limit=100)
        assert len(flagged) == 12 and {f["kind"] for f in flagged} <= {"lockstep", "dense_block"}
        counts = await engagement.follower_counts(db, 1)
        assert counts["followers"] - counts["real_followers"] == 12
        if NginxRtmp.available() is None and shutil.which("ffmpeg"):  # `make test` installs both
            # The demo streams a test pattern into its show through nginx-rtmp, as OBS would.
            assert "OBS server rtmp://127.0.0.1:" in run.stdout
            async with db.transaction(write=False) as tx:
                stream = await media_store.stream_of(tx.conn, 1)
            assert stream.publishes >= 1 and stream.state in ("publishing", "interrupted")
        else:
            assert "video" in run.stdout and "apt-get install nginx libnginx-mod-rtmp" in run.stdout
    finally:
        await db.dispose()
    assert figures["views"] >= 5 and figures["unique_viewers"] >= 5
    assert figures["exposures"] > 0 and figures["orders"] > 0
    assert sum(figures["traffic_sources"].values()) == figures["views"]
    assert figures["feed_views"] >= 5  # each simulated viewer scrolls the feed first
