"""The room channel on a port of its own, for big rooms (`LIVESHOP_CHANNEL_PORT`).

Under the ASGI route every frame costs each viewer a task wake-up and a trip through the
framework and the WebSocket library (`liveshop bench fanout` measured ~40 µs per viewer per
frame). Here the same channel is a bare asyncio protocol: the upgrade is handled by hand, the
room hub encodes a frame once per tick, it is framed once as WebSocket bytes, and written to
every viewer's transport — nothing runs per viewer but the write. Same path, same frames,
same resume (`since=`) and the same lanes as the ASGI route; it shares the process's hub, so
everything committed in this process (or received over the cross-node bus) reaches it.

Slow viewers: a viewer whose unsent bytes pass the high-water mark loses chat and counter
frames; if a critical frame would be lost, it is closed (4008) and resumes with since=.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from websockets.utils import accept_key

from liveshop.analytics.events import channel_presence
from liveshop.core.errors import NotFound
from liveshop.core.http import SESSION_COOKIE
from liveshop.core.ids import GUEST_COOKIE
from liveshop.core.tasks import BackgroundTasks
from liveshop.core.validation import MAX_ID
from liveshop.realtime.hub import RoomHub

PATH = re.compile(r"^/api/v1/rooms/([1-9][0-9]{0,15})/live$")
MAX_REQUEST_BYTES = 8192
HIGH_WATER_BYTES = 256 * 1024

_last_frame: list[Any] = [None, b""]


def ws_frame(payload: bytes, opcode: int = 0x1) -> bytes:
    n = len(payload)
    first = 0x80 | opcode
    if n < 126:
        return bytes([first, n]) + payload
    if n < 65536:
        return bytes([first, 126]) + n.to_bytes(2, "big") + payload
    return bytes([first, 127]) + n.to_bytes(8, "big") + payload


def _framed(frame: str) -> bytes:
    # The hub hands every viewer of a room the same str object in a tick: frame it once.
    if frame is not _last_frame[0]:
        _last_frame[0], _last_frame[1] = frame, ws_frame(frame.encode())
    return _last_frame[1]  # type: ignore[no-any-return]


class TransportConnection:
    """A viewer on the gateway, as the hub sees it (the same interface as its queue-backed one)."""

    def __init__(self, room_id: int, transport: asyncio.Transport) -> None:
        self.room_id = room_id
        self.user_id: int | None = None
        self.visitor: str | None = None
        self.source = ""
        self.transport = transport
        self.closed = False
        self.dropped_frames = 0

    def offer(self, frame: str, *, critical: bool) -> None:
        if self.closed:
            return
        if self.transport.get_write_buffer_size() > HIGH_WATER_BYTES:
            if critical:
                self.close(4008)  # resume with since= rather than miss a critical event
            else:
                self.dropped_frames += 1
            return
        self.transport.write(_framed(frame))

    def close(self, code: int = 1000) -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(Exception):
            self.transport.write(ws_frame(code.to_bytes(2, "big"), opcode=0x8))
            self.transport.close()


class GatewayProtocol(asyncio.Protocol):
    def __init__(self, gateway: ChannelGateway) -> None:
        self.gateway = gateway
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.connection: TransportConnection | None = None
        self.upgrading = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.connection is not None:
            self._client_frames()
            return
        if self.upgrading:
            return
        if len(self.buffer) > MAX_REQUEST_BYTES:
            self._refuse(431, "Request Header Fields Too Large")
            return
        end = self.buffer.find(b"\r\n\r\n")
        if end >= 0:
            self.upgrading = True
            head = bytes(self.buffer[:end]).decode("latin-1")
            del self.buffer[: end + 4]
            self.gateway.tasks.spawn(self._upgrade(head))

    async def _upgrade(self, head: str) -> None:
        lines = head.split("\r\n")
        parts = lines[0].split(" ")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if len(parts) != 3 or parts[0] != "GET":
            self._refuse(405, "Method Not Allowed")
            return
        path, _, query = parts[1].partition("?")
        match = PATH.match(path)
        key = headers.get("sec-websocket-key", "")
        if match is None:
            self._refuse(404, "Not Found")
            return
        if headers.get("upgrade", "").lower() != "websocket" or headers.get("sec-websocket-version") != "13" or not key:
            self._refuse(426, "Upgrade Required")
            return
        params = parse_qs(query)
        since_values = params.get("since", [])
        since = None
        if since_values:
            if not since_values[0].isdigit() or int(since_values[0]) > MAX_ID:
                self._refuse(400, "Bad Request")
                return
            since = int(since_values[0])
        room_id = int(match.group(1))
        hub = self.gateway.hub
        if not hub.has_channel(room_id):
            try:
                await self.gateway.room_exists(room_id)
            except NotFound:
                self._refuse(404, "Not Found")
                return
        if self.transport is None or self.transport.is_closing():
            return
        accept = accept_key(key)
        self.transport.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              f"Sec-WebSocket-Accept: {accept}\r\n\r\n").encode())
        connection = TransportConnection(room_id, self.transport)
        user_id, guest = self.gateway.viewer_of(headers.get("cookie", ""))
        visitor, source = channel_presence(user_id, guest, params.get("src", [""])[0])
        _, first = await hub.subscribe(room_id, since, connection=connection, user_id=user_id, visitor=visitor,
                                       source=source)
        if self.transport.is_closing():
            hub.unsubscribe(connection)
            return
        self.connection = connection
        self.transport.write(ws_frame(first.encode()))
        if self.buffer:
            self._client_frames()

    def _refuse(self, status: int, reason: str) -> None:
        if self.transport is not None:
            body = f"{status} {reason}\n".encode()
            self.transport.write(f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\n"
                                 f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
            self.transport.close()

    def _client_frames(self) -> None:
        """Viewers only ever need to close or ping; anything big is refused."""
        buf = self.buffer
        while len(buf) >= 2:
            opcode, length = buf[0] & 0x0F, buf[1] & 0x7F
            masked = buf[1] & 0x80
            head = 2
            if length == 126:
                if len(buf) < 4:
                    return
                length, head = int.from_bytes(buf[2:4], "big"), 4
            elif length == 127:
                length = MAX_REQUEST_BYTES + 1  # nothing a viewer sends is that big
            if length > MAX_REQUEST_BYTES or not masked:
                self._close(1009 if masked else 1002)
                return
            if len(buf) < head + 4 + length:
                return
            mask = buf[head : head + 4]
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(buf[head + 4 : head + 4 + length]))
            del buf[: head + 4 + length]
            if opcode == 0x8:
                self._close(1000)
                return
            if opcode == 0x9 and self.transport is not None:
                self.transport.write(ws_frame(payload, opcode=0xA))

    def _close(self, code: int) -> None:
        if self.connection is not None:
            self.connection.close(code)
        elif self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.connection is not None:
            self.connection.closed = True
            self.gateway.hub.unsubscribe(self.connection)


class ChannelGateway:
    def __init__(self, hub: RoomHub, room_exists: Any, viewer: Any = None) -> None:
        self.hub = hub
        self.room_exists = room_exists
        # session token → user id (or None): signed-in viewers get their own orders' events
        self._viewer = viewer
        self._server: asyncio.Server | None = None
        # Upgrades in progress (a room check and the first frame each).
        self.tasks = BackgroundTasks("room channel gateway")

    def viewer_of(self, cookie_header: str) -> tuple[int | None, str | None]:
        """(signed-in user id, guest cookie) from the upgrade's Cookie header."""
        if not cookie_header:
            return None, None
        cookies: SimpleCookie = SimpleCookie()
        try:
            cookies.load(cookie_header)
        except CookieError:
            return None, None
        session, guest = cookies.get(SESSION_COOKIE), cookies.get(GUEST_COOKIE)
        user_id = self._viewer(session.value) if session and self._viewer is not None else None
        return user_id, guest.value if guest else None

    async def start(self, host: str, port: int) -> None:
        # reuse_port: with several worker processes the kernel spreads viewers over them.
        self._server = await asyncio.get_running_loop().create_server(
            lambda: GatewayProtocol(self), host, port, backlog=4096, reuse_port=True
        )

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        await self.tasks.stop()
