from __future__ import annotations

from liveshop.core.errors import Conflict, InvalidInput, NotFound


class BoostNotFound(NotFound):
    code = "boost_not_found"
    title = "Boost not found"


class SplashNotFound(NotFound):
    code = "splash_not_found"
    title = "Splash placement not found"


class NotRoomOfShop(NotFound):
    code = "room_not_found"
    title = "The shop has no such room"


class RoomNotBoostable(Conflict):
    code = "room_not_boostable"
    title = "Only a scheduled or live show can be promoted"


class BudgetTooSmall(InvalidInput):
    code = "budget_too_small"
    title = "The budget must pay at least 1 cent per impression"


class BadWindow(InvalidInput):
    code = "bad_window"
    title = "The time window is not valid"
