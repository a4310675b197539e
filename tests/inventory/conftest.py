import pytest


@pytest.fixture(params=["sql", "memory"])
def inventory(request: pytest.FixtureRequest) -> str:
    return request.param
