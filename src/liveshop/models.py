"""Imports every capability's tables so `metadata` is complete (migrations, checks)."""

from liveshop.analytics import store as analytics  # noqa: F401
from liveshop.bases import store as bases  # noqa: F401
from liveshop.campaigns import store as campaigns  # noqa: F401
from liveshop.catalog import store as catalog  # noqa: F401
from liveshop.core.auth import store as auth  # noqa: F401
from liveshop.core.db import metadata
from liveshop.coupons import store as coupons  # noqa: F401
from liveshop.discovery import store as discovery  # noqa: F401
from liveshop.engagement import store as engagement  # noqa: F401
from liveshop.fans import store as fans  # noqa: F401
from liveshop.inventory import store as inventory  # noqa: F401
from liveshop.luckybags import store as luckybags  # noqa: F401
from liveshop.media import store as media  # noqa: F401
from liveshop.moderation import store as moderation  # noqa: F401
from liveshop.orders import store as orders  # noqa: F401
from liveshop.polls import store as polls  # noqa: F401
from liveshop.quizzes import store as quizzes  # noqa: F401
from liveshop.realtime import store as realtime  # noqa: F401
from liveshop.referrals import store as referrals  # noqa: F401
from liveshop.rooms import store as rooms  # noqa: F401
from liveshop.schedules import store as schedules  # noqa: F401
from liveshop.trust import store as trust  # noqa: F401
from liveshop.webhooks import store as webhooks  # noqa: F401

__all__ = ["metadata"]
