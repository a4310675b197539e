from liveshop.core.errors import Conflict, InvalidInput, LiveshopError, NotFound


class ListingNotFound(NotFound):
    code = "listing_not_found"
    title = "Listing not found"


class SoldOut(Conflict):
    code = "sold_out"
    title = "Sold out"


class NotEnoughStock(Conflict):
    code = "insufficient_stock"
    title = "Not that many left"


class ListingWithdrawn(Conflict):
    code = "listing_withdrawn"
    title = "This item is no longer on sale"


class PerUserLimitExceeded(InvalidInput):
    code = "per_user_limit_exceeded"
    title = "You have reached the per-person limit for this item"


class StockWouldGoNegative(Conflict):
    code = "stock_would_go_negative"
    title = "Cannot remove more stock than is left unsold"


class StockEngineUnavailable(LiveshopError):
    status = 503
    code = "stock_engine_unavailable"
    title = "Orders cannot be saved right now; try again in a moment (same Idempotency-Key)"
