"""The replay's timeline: recordings played back to back, moments placed on it (gaps while the
host was away skipped), and recordings taken only from the media folder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from liveshop.media.replay import Span, offset_of
from tests.helpers import assert_problem, shop_with_room
from tests.media.test_hooks import key_of, publish

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_moment_is_placed_by_the_recorded_time_before_it():
    spans = [Span(at(0), at(100)), Span(at(160), at(200))]  # the host was away from 100 s to 160 s
    assert offset_of(at(30), spans) == 30
    assert offset_of(at(100), spans) == 100
    assert offset_of(at(130), spans) == 100  # pinned while away: shown when the host is back
    assert offset_of(at(170), spans) == 110
    assert offset_of(at(-5), spans) == 0
    assert offset_of(at(201), spans) is None  # after the last recording: not on the replay
    assert offset_of(at(10), []) is None


async def test_recordings_are_taken_only_from_the_media_folder(client, services, tmp_path):
    shop = await shop_with_room(client, live=False)
    assert (await publish(client, shop.room_id, await key_of(client, shop))).status_code == 200
    folder = (tmp_path / "media" / "recordings")
    services.settings.media_dir = str(tmp_path / "media")
    for bad in ("/etc/passwd", str(folder / "x.mp4"), str(folder / ".." / "x.flv"), "relative/x.flv"):
        r = await client.post("/api/v1/media/hooks/record_done", data={"name": str(shop.room_id), "path": bad})
        assert_problem(r, 403, "bad_recording")
    r = await client.post("/api/v1/media/hooks/record_done",
                          data={"name": str(shop.room_id), "path": str(folder / f"{shop.room_id}-1.flv")})
    assert r.status_code == 200 and r.json()["recorded"] is True
    srs_dvr = {"action": "on_dvr", "client_id": "x", "ip": "127.0.0.1", "app": "live", "stream": str(shop.room_id),
               "param": "", "cwd": "/srs", "file": str(folder / f"{shop.room_id}.1700000000.flv")}
    r = await client.post("/api/v1/media/hooks/record_done", json=srs_dvr)
    assert r.status_code == 200 and r.json()["recorded"] is True
    replay = (await client.get(f"/api/v1/rooms/{shop.room_id}/replay")).json()
    assert replay["replay"] == "none" and replay["hls_url"] is None and replay["moments"] == []
