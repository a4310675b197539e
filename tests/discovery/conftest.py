from __future__ import annotations

import pytest

from liveshop.discovery import evaluation, movielens
from tests.conftest import IN_CI


@pytest.fixture(scope="session")
def rows():
    """MovieLens-100K, made by `make test` (its build step); CI fails without it, a dev run skips."""
    if not movielens.DEFAULT_PATH.exists():
        message = f"{movielens.DEFAULT_PATH} is missing: make {movielens.DEFAULT_PATH}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return movielens.load()


@pytest.fixture(scope="session")
def setting(rows):
    return evaluation.setting(rows)


@pytest.fixture(scope="session")
def model(setting):
    from liveshop.discovery.affinity import train

    return train((r.viewer, r.room) for r in setting.train)
