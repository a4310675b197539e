"""Schemathesis generates requests from the whole OpenAPI spec, valid and invalid; none may
get a server error, and every error is problem+json.

It runs against a real server on loopback, authenticated as a merchant who owns a shop
with a live room and a listing, so generated ids sometimes hit real rows.
(schemathesis' pytest plugin does not load under pytest 9, so operations are driven
through its Python API: one test per operation and generation mode.)
"""

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from liveshop.app import create_app
from liveshop.core.config import Settings
from tests.conftest import ServerThread, make_settings
from tests.helpers import account, listing, shop_with_room

SPEC = create_app(Settings(database_url="sqlite+aiosqlite:///./unused.db")).openapi()
SCHEMA = schemathesis.openapi.from_dict(SPEC)
OPERATIONS = [op.ok() for op in SCHEMA.get_all_operations()]


@pytest.fixture(scope="module")
def fuzz_server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerThread, dict]]:
    path = tmp_path_factory.mktemp("fuzz") / "liveshop.db"
    shutil.copy(sqlite_template, path)
    with ServerThread(make_settings(f"sqlite+aiosqlite:///{path}")) as server:

        async def seed() -> dict:
            async with httpx.AsyncClient(base_url=server.base) as http:
                shop = await shop_with_room(http)
                await listing(http, shop, stock=50)
                await account(http)
                return {"Authorization": shop.merchant["Authorization"]}

        yield server, asyncio.run(seed())


def test_the_spec_covers_the_contract():
    paths = {(op.method.upper(), op.path) for op in OPERATIONS}
    for route in [("POST", "/api/v1/users"), ("POST", "/api/v1/sessions"), ("POST", "/api/v1/orders"),
                  ("POST", "/api/v1/rooms/{room_id}/listings"), ("POST", "/api/v1/payments/{provider}/webhook"),
                  ("GET", "/api/v1/rooms/{room_id}/events"), ("GET", "/api/v1/rooms/{room_id}/stats")]:
        assert route in paths, route


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_no_server_errors(operation, mode, fuzz_server):
    server, auth = fuzz_server
    if operation.path.endswith("/events"):
        pytest.skip("an endless stream; its parameters are covered by the channel tests")

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=50, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case):
        headers = dict(case.headers or {})
        headers.setdefault("Authorization", auth["Authorization"])
        response = case.call(base_url=server.base, headers=headers, timeout=10)
        case.validate_response(response, checks=[not_a_server_error])
        if response.status_code >= 400 and response.status_code != 405:
            content_type = response.headers["content-type"][0]  # schemathesis keeps header lists
            assert content_type.startswith("application/problem+json"), response.text

    try:
        run()
    except Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE
        pytest.skip("the operation takes no input, so no invalid request exists")
