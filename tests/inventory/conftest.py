import pytest


@pytest.fixture(params=["sql", "memory", "redis"])
def inventory(request: pytest.FixtureRequest) -> str:
    return request.param
