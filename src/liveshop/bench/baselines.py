"""Same-run baselines from the standard tools: redis-benchmark and pgbench."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

DECREMENT_LUA = (
    "local n = tonumber(redis.call('GET', KEYS[1]) or '0') "
    "if n > 0 then return redis.call('DECR', KEYS[1]) else return -1 end"
)


@dataclass
class Baseline:
    name: str
    per_second: float | None
    note: str = ""


def redis_evalsha(redis_url: str, *, clients: int = 50, pipeline: int = 1, requests: int = 200_000) -> Baseline:
    """EVALSHA of a guarded decrement, as the Redis inventory backend would run it."""
    name = f"Redis EVALSHA decrement, {clients} clients" + (f", pipelined {pipeline}" if pipeline > 1 else "")
    if not shutil.which("redis-benchmark"):
        return Baseline(name, None, "redis-benchmark not installed")
    import redis

    try:
        client = redis.Redis.from_url(redis_url)
        sha = client.script_load(DECREMENT_LUA)
        client.set("liveshop:bench:stock", 10**12)
    except redis.RedisError as exc:
        return Baseline(name, None, f"Redis unreachable: {exc}")
    host = client.connection_pool.connection_kwargs.get("host", "127.0.0.1")
    port = client.connection_pool.connection_kwargs.get("port", 6379)
    out = subprocess.run(
        ["redis-benchmark", "-h", str(host), "-p", str(port), "-c", str(clients), "-n", str(requests),
         "-P", str(pipeline), "--csv", "EVALSHA", sha, "1", "liveshop:bench:stock"],
        capture_output=True, text=True, timeout=300,
    )
    client.delete("liveshop:bench:stock")
    rows = [r for r in csv.reader(io.StringIO(out.stdout)) if len(r) >= 2]
    try:
        return Baseline(name, float(rows[-1][1]))
    except (IndexError, ValueError):
        return Baseline(name, None, f"could not read redis-benchmark output: {out.stdout[-200:]}{out.stderr[-200:]}")


def pgbench_hot_row(server_url: str, *, clients: int = 32, seconds: int = 5) -> Baseline:
    """pgbench: one hot row, `UPDATE ... SET n = n - 1 WHERE id = 1 AND n > 0`, synchronous_commit on."""
    name = f"PostgreSQL single-row update, {clients} clients (pgbench)"
    if not shutil.which("pgbench"):
        return Baseline(name, None, "pgbench not installed")
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    env_args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    database = url.database or "postgres"
    setup = (
        "DROP TABLE IF EXISTS liveshop_bench_stock; "
        "CREATE TABLE liveshop_bench_stock (id int PRIMARY KEY, n bigint NOT NULL); "
        "INSERT INTO liveshop_bench_stock VALUES (1, 1000000000000);"
    )
    psql = subprocess.run(["psql", *env_args, "-d", database, "-q", "-c", setup], capture_output=True, text=True)
    if psql.returncode != 0:
        return Baseline(name, None, f"PostgreSQL not usable: {psql.stderr.strip()[:200]}")
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "update.sql"
        script.write_text("UPDATE liveshop_bench_stock SET n = n - 1 WHERE id = 1 AND n > 0;\n")
        out = subprocess.run(
            ["pgbench", *env_args, "-n", "-c", str(clients), "-j", "2", "-T", str(seconds), "-f", str(script), database],
            capture_output=True, text=True, timeout=seconds + 120,
        )
    subprocess.run(["psql", *env_args, "-d", database, "-q", "-c", "DROP TABLE liveshop_bench_stock"], capture_output=True)
    match = re.search(r"tps = ([\d.]+)", out.stdout)
    return Baseline(name, float(match.group(1)) if match else None, "" if match else out.stderr[-200:])
