import pytest
from pydantic import ValidationError

from liveshop.core.config import DEV_SECRET_KEY, Settings


def test_production_refuses_the_default_or_a_short_secret_key():
    for key in (DEV_SECRET_KEY, "short"):
        with pytest.raises(ValidationError, match="LIVESHOP_SECRET_KEY"):
            Settings(env="production", secret_key=key)
    Settings(env="production", secret_key="x" * 40)  # a real one is fine


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("LIVESHOP_PAYMENT_TIMEOUT", "120")
    monkeypatch.setenv("LIVESHOP_INVENTORY_BACKEND", "memory")
    settings = Settings()
    assert settings.payment_timeout == 120 and settings.inventory_backend == "memory"
    monkeypatch.setenv("LIVESHOP_PAYMENT_TIMEOUT", "-5")
    with pytest.raises(ValidationError):
        Settings()


def test_the_sandbox_webhook_secret_is_derived_from_the_secret_key():
    a = Settings(secret_key="a" * 40).webhook_secret
    assert a == Settings(secret_key="a" * 40).webhook_secret
    assert a != Settings(secret_key="b" * 40).webhook_secret
    assert "a" * 40 not in a
