from liveshop.core.errors import Conflict, InvalidInput, NotFound


class OfferNotFound(NotFound):
    code = "coupon_offer_not_found"
    title = "Coupon offer not found"


class CouponNotFound(NotFound):
    code = "coupon_not_found"
    title = "Coupon not found"


class OfferNotClaimable(Conflict):
    code = "coupon_offer_not_claimable"
    title = "This coupon cannot be claimed now"


class OfferExhausted(Conflict):
    code = "coupon_offer_exhausted"
    title = "All of these coupons have been claimed"


class ClaimLimitReached(Conflict):
    code = "coupon_claim_limit_reached"
    title = "You have claimed as many of these coupons as allowed"


class CouponNotUsable(Conflict):
    code = "coupon_not_usable"
    title = "This coupon cannot be used on this order"


class CouponsDoNotStack(Conflict):
    code = "coupons_do_not_stack"
    title = "These coupons cannot be used together"


class ThresholdNotMet(Conflict):
    code = "coupon_threshold_not_met"
    title = "The order does not reach this coupon's threshold"


class SubsidyBudgetExhausted(Conflict):
    code = "subsidy_budget_exhausted"
    title = "The budget of this subsidy is used up"


class InvalidOffer(InvalidInput):
    code = "invalid_coupon_offer"
    title = "These coupon terms do not make sense"
