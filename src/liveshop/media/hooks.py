"""Reading a media server's hook call, whichever server makes it — the adapter that lets
nginx-rtmp (form fields), SRS (`http_hooks`, JSON) or MediaMTX (`authHTTPAddress`, JSON) sit in
front of liveshop without a translating proxy:

| server | publish | stream name | key | stopped |
|---|---|---|---|---|
| nginx-rtmp | `on_publish`, form `call=publish` | `name` | `key` (the stream's query) | `on_publish_done` |
| SRS | `on_publish`, JSON `action: on_publish` | `stream` | `param` = `?key=…` | `on_unpublish` (recordings: `on_dvr`, `file`) |
| MediaMTX | auth, JSON `action: publish` | `path` = `live/<room>` | `query` = `key=…` | `runOnNotReady` posting `name=$MTX_PATH` |

MediaMTX also asks before anyone reads a stream (`action: read`, `playback`, …): those are
"other" here and allowed — a live show is public.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

import orjson
from starlette.requests import Request

from liveshop.core.errors import InvalidInput

SRS_ACTIONS = {"on_publish": "publish", "on_unpublish": "publish_done", "on_dvr": "record_done"}


class BadHook(InvalidInput):
    code = "bad_hook"
    title = "Not a media server hook call liveshop understands"


@dataclass(frozen=True, slots=True)
class HookCall:
    action: str  # publish | publish_done | record_done | other
    name: str  # the room's stream name (its id)
    key: str = ""
    addr: str = ""
    path: str = ""


def _key_of(query: str) -> str:
    return (parse_qs(query.lstrip("?")).get("key") or [""])[0]


def _checked(call: HookCall) -> HookCall:
    name = call.name.rsplit("/", 1)[-1]  # MediaMTX paths: "live/12"
    if not name or len(name) > 64 or len(call.key) > 128 or len(call.addr) > 64 or len(call.path) > 500:
        raise BadHook()
    return HookCall(call.action, name, call.key, call.addr, call.path)


async def read(request: Request, *, default: str) -> HookCall:
    """The call, from a form (nginx-rtmp; `default` is the hook's own action) or JSON (SRS,
    MediaMTX, which say their action in the body)."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError as exc:
            raise BadHook() from exc
        if not isinstance(body, dict) or not isinstance(body.get("action"), str):
            raise BadHook()
        if "stream" in body:  # SRS
            return _checked(HookCall(SRS_ACTIONS.get(body["action"], "other"), str(body["stream"]),
                                     _key_of(str(body.get("param") or "")), str(body.get("ip") or ""),
                                     str(body.get("file") or "")))
        if "path" in body:  # MediaMTX
            return _checked(HookCall("publish" if body["action"] == "publish" else "other", str(body["path"]),
                                     _key_of(str(body.get("query") or "")), str(body.get("ip") or "")))
        raise BadHook()
    form = await request.form()
    values = {k: form.get(k) for k in ("name", "key", "addr", "path")}
    if not all(isinstance(v, str) or v is None for v in values.values()) or not values["name"]:
        raise BadHook()
    return _checked(HookCall(default, values["name"], values["key"] or "", values["addr"] or "",  # type: ignore[arg-type]
                             values["path"] or ""))  # type: ignore[arg-type]
