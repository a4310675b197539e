from liveshop.core.errors import Conflict, InvalidInput, NotFound


class LuckyBagNotFound(NotFound):
    code = "lucky_bag_not_found"
    title = "Lucky bag not found"


class LuckyBagClosed(Conflict):
    code = "lucky_bag_closed"
    title = "This lucky bag has been drawn"


class NotDrawnYet(Conflict):
    code = "lucky_bag_not_drawn"
    title = "This lucky bag has not been drawn yet"


class EntryConditionNotMet(Conflict):
    code = "lucky_bag_condition_not_met"
    title = "You do not meet this lucky bag's conditions yet"


class InvalidPrize(InvalidInput):
    code = "invalid_lucky_bag_prize"
    title = "This prize cannot be given away"
