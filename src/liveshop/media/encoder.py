"""ffmpeg standing in for a host's encoder: a generated test pattern with a tone, encoded the
way OBS should be set for liveshop — H.264 with a keyframe every second (the HLS fragment),
AAC — in real time (-re). Used by the demo, `liveshop bench video` and the video tests."""

from __future__ import annotations


def encoder_command(output: list[str], *, seconds: float | None = None, pattern: str = "testsrc",
                 size: str = "640x360", tone_hz: int = 440, preset: str = "veryfast") -> list[str]:
    """The ffmpeg command line; `output` is what follows the encoding options (e.g.
    `["-f", "flv", "rtmp://…/live/<room>?key=…"]`); `seconds=None` streams until stopped."""
    duration = f":duration={seconds}" if seconds is not None else ""
    return ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", f"{pattern}=size={size}:rate=25{duration}",
            "-f", "lavfi", "-i", f"sine=frequency={tone_hz}{duration}",
            "-c:v", "libx264", "-preset", preset, "-tune", "zerolatency", "-pix_fmt", "yuv420p", "-g", "25",
            "-c:a", "aac", "-b:a", "64k", *output]
