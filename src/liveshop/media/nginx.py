"""The media server for development, CI and small installations: Debian's nginx with
libnginx-mod-rtmp. liveshop writes its configuration (`liveshop media config`) and, for the demo
and the tests, runs it as a child process; in production run it (or SRS, MediaMTX — see
docs/video.md) yourself and point its hooks at liveshop.

RTMP comes in on `rtmp_port` (OBS: server `rtmp://host:1935/live`, stream key
`<room id>?key=<stream key>`); nginx asks liveshop's hooks whether the stream may publish and
tells it when it stops; the HLS it cuts (1-second fragments, a 6-second playlist) is served on
`http_port` under /hls/<room id>.m3u8; every stream is also recorded (FLV, under
recordings/) for the replay.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"
TEMP_KINDS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")  # nginx's temp folders, kept inside root
INSTALL_HINT = "sudo apt-get install nginx libnginx-mod-rtmp ffmpeg   (Debian/Ubuntu)"


@dataclass(frozen=True)
class NginxRtmp:
    root: Path  # holds nginx.conf, logs/, hls/, recordings/, tmp/
    hooks: str | None  # liveshop's base URL as nginx reaches it; None: a plain RTMP server (no hooks, no recording)
    rtmp_port: int = 1935
    http_port: int = 8088
    host: str = "127.0.0.1"
    fragment_seconds: int = 1
    playlist_seconds: int = 6

    @property
    def hls_dir(self) -> Path:
        return self.root / "hls"

    @property
    def recordings(self) -> Path:
        return self.root / "recordings"

    @property
    def rtmp_url(self) -> str:
        return f"rtmp://{self.host}:{self.rtmp_port}/live"

    @property
    def hls_url(self) -> str:
        return f"http://{self.host}:{self.http_port}/hls"

    @property
    def replay_url(self) -> str:
        return f"http://{self.host}:{self.http_port}/replays"

    @staticmethod
    def available() -> str | None:
        """Why this machine cannot run it (None: it can)."""
        if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
            return f"nginx is not installed: {INSTALL_HINT}"
        if not Path(RTMP_MODULE).exists():
            return f"nginx's RTMP module is not installed: {INSTALL_HINT}"
        return None

    def config(self) -> str:
        root = self.root.resolve()
        hooks = f"""      # liveshop decides who publishes (the room's stream key) and learns when a stream stops.
      notify_method post;
      on_publish {self.hooks.rstrip("/")}/api/v1/media/hooks/publish;
      on_publish_done {self.hooks.rstrip("/")}/api/v1/media/hooks/publish_done;
      on_record_done {self.hooks.rstrip("/")}/api/v1/media/hooks/record_done;
      record all;
      record_path {root}/recordings;
      record_suffix -%Y%m%d-%H%M%S.flv;
""" if self.hooks else ""
        temp = "\n".join(f"  {kind}_temp_path {root}/tmp/{kind};" for kind in TEMP_KINDS)
        return f"""# Written by `liveshop media config`; regenerate rather than edit.
load_module {RTMP_MODULE};
# One process, as the user who starts it: the RTMP module keeps streams in one worker.
daemon off;
master_process off;
worker_processes 1;
error_log {root}/logs/error.log warn;
pid {root}/nginx.pid;
events {{ worker_connections 1024; }}

rtmp {{
  server {{
    listen {self.host}:{self.rtmp_port};
    chunk_size 4096;
    application live {{
      live on;
      # Viewers watch HLS; RTMP is for the host's encoder only.
      allow play 127.0.0.1;
      deny play all;
{hooks}      hls on;
      hls_path {root}/hls;
      hls_fragment {self.fragment_seconds}s;
      hls_playlist_length {self.playlist_seconds}s;
      hls_cleanup on;
    }}
  }}
}}

http {{
  access_log off;
{temp}
  types {{
    application/vnd.apple.mpegurl m3u8;
    video/mp2t ts;
  }}
  server {{
    listen {self.host}:{self.http_port};
    location /hls/ {{
      alias {root}/hls/;
      add_header Cache-Control no-cache;
      add_header Access-Control-Allow-Origin *;
    }}
    location /replays/ {{
      alias {root}/replays/;
      add_header Access-Control-Allow-Origin *;
    }}
  }}
}}
"""

    def write(self) -> Path:
        for folder in ("logs", "hls", "recordings", "replays", *(f"tmp/{k}" for k in TEMP_KINDS)):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        path = self.root / "nginx.conf"
        path.write_text(self.config())
        return path

    async def start(self) -> asyncio.subprocess.Process:
        """Run nginx with this configuration until `stop`; returns once it listens."""
        conf = self.write()
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        check = subprocess.run([nginx, "-t", "-p", str(self.root), "-c", str(conf)], capture_output=True, text=True,
                               check=False)
        if check.returncode != 0:
            raise RuntimeError(f"nginx refused the configuration: {check.stderr.strip()[-500:]}")
        process = await asyncio.create_subprocess_exec(nginx, "-p", str(self.root), "-c", str(conf),
                                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(100):
            if process.returncode is not None:
                raise RuntimeError(f"nginx exited: {(await process.stderr.read()).decode()[-500:]}")  # type: ignore[union-attr]
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection(self.host, self.rtmp_port)
                writer.close()
                return process
            await asyncio.sleep(0.05)
        process.kill()
        raise RuntimeError("nginx did not start listening")

    @staticmethod
    async def stop(process: asyncio.subprocess.Process) -> None:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                process.kill()
                await process.wait()

