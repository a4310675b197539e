"""MovieLens-100K, the public interaction log the feed is evaluated on (`liveshop eval feed`).

It ships inside the recbole 1.2.1 wheel. `fetch` takes the file out of the downloaded wheel at
build time (`make` runs it); recbole itself is never installed or imported. The file's SHA-256
is pinned, so a changed download is refused rather than silently evaluated.

Mapping to the feed: a MovieLens user is a viewer, an item a host's room, a rating (any value)
an interaction with it — watched and bought from it — at its timestamp.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

WHEEL = "recbole==1.2.1"
MEMBER = "recbole/dataset_example/ml-100k/ml-100k.inter"
SHA256 = "4edb74e2a81178c2ba9ff381495f754f996c4aea351b1272ca36b43da0935eff"
DEFAULT_PATH = Path("data/ml-100k/ml-100k.inter")


@dataclass(frozen=True, slots=True)
class Interaction:
    viewer: int
    room: int
    at: int  # unix seconds


def fetch(target: Path = DEFAULT_PATH) -> Path:
    """Download the recbole wheel (no dependencies, nothing installed) and extract the log."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", tmp, WHEEL], check=True)
        (wheel,) = Path(tmp).glob("recbole-*.whl")
        return extract(wheel, target)


def extract(wheel: Path, target: Path) -> Path:
    data = zipfile.ZipFile(wheel).read(MEMBER)
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        raise ValueError(f"{MEMBER} in {wheel.name} has SHA-256 {digest}, expected {SHA256}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def load(path: Path = DEFAULT_PATH) -> list[Interaction]:
    """The interactions in time order (ties by viewer, then room)."""
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: `make {path}` takes it out of the {WHEEL} wheel")
    rows = []
    with path.open(encoding="utf-8") as f:
        next(f)  # header: user_id:token item_id:token rating:float timestamp:float
        for line in f:
            user, item, _rating, at = line.split("\t")
            rows.append(Interaction(int(user), int(item), int(float(at))))
    rows.sort(key=lambda r: (r.at, r.viewer, r.room))
    return rows


def split_per_viewer(rows: list[Interaction], *, test_share: float = 0.2) -> tuple[list[Interaction], list[Interaction]]:
    """Per-viewer time split: each viewer's last `test_share` of interactions (at least one, and
    never all of them) is the test set; everything before is training."""
    by_viewer: dict[int, list[Interaction]] = {}
    for row in rows:
        by_viewer.setdefault(row.viewer, []).append(row)
    train, test = [], []
    for history in by_viewer.values():
        cut = len(history) - max(1, round(len(history) * test_share)) if len(history) > 1 else len(history)
        train += history[:cut]
        test += history[cut:]
    train.sort(key=lambda r: (r.at, r.viewer, r.room))
    test.sort(key=lambda r: (r.at, r.viewer, r.room))
    return train, test


if __name__ == "__main__":  # `python -m liveshop.discovery.movielens PATH` (the Makefile's build step)
    print(fetch(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH))
