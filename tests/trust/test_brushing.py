"""The order-brushing rules, one by one, at and just below their thresholds."""

from __future__ import annotations

from liveshop.trust import brushing
from liveshop.trust.brushing import PaidOrder, ShowFigures

HOUR = 3600.0


def order(n: int, buyer: int, *, shop: int = 1, room: int = 10, at: float = 0.0, refunded: float | None = None,
          address: str | None = None, card: str | None = None) -> PaidOrder:
    return PaidOrder(n, buyer, shop, room, at, refunded, address, card)


def test_five_accounts_shipping_to_one_address_at_one_shop_hold_its_payouts():
    ring = [order(i, 100 + i, address="addr-A") for i in range(5)]
    family = [order(10 + i, 200 + i, address="addr-B") for i in range(4)]  # a household: 4 people
    spread = [order(20 + i, 300 + i, shop=i, address="addr-C") for i in range(6)]  # an office, six shops
    [finding] = brushing.shared_addresses(ring + family + spread)
    assert finding.kind == "shared_address" and finding.accounts == [f"u{100 + i}" for i in range(5)]
    assert finding.hold_payouts == [1] and finding.evidence["accounts"] == 5


def test_one_card_for_three_accounts_is_found_and_a_card_per_person_is_not():
    shared = [order(i, 100 + i, card="card-X") for i in range(3)]
    own = [order(10 + i, 200 + i, card=f"card-{i}") for i in range(10)]
    two = [order(30 + i, 300 + i, card="card-Y") for i in range(2)]  # a couple sharing a card
    [finding] = brushing.shared_instruments(shared + own + two)
    assert finding.accounts == ["u100", "u101", "u102"] and finding.hold_payouts == [1]
    across = [order(40 + i, 400 + i, shop=i, card="card-Z") for i in range(3)]
    [spread] = brushing.shared_instruments(across)
    assert spread.hold_payouts == []  # one card, many shops: the accounts are in doubt, not one shop


def test_a_device_used_by_five_accounts_is_a_farm():
    farm = [(u, "dev-1") for u in range(5)] + [(0, "dev-1")]
    family = [(10 + u, "dev-2") for u in range(4)]
    [finding] = brushing.shared_devices(farm + family + [(99, None)])
    assert finding.accounts == [f"u{u}" for u in range(5)] and finding.kind == "shared_device"


def test_pay_then_refund_three_times_at_one_shop_is_a_loop():
    loop = [order(i, 7, at=i * 10 * HOUR, refunded=i * 10 * HOUR + 2 * HOUR) for i in range(3)]
    slow = [order(10 + i, 8, at=0, refunded=100 * HOUR) for i in range(5)]  # refunds after 4 days: returns
    twice = [order(20 + i, 9, at=0, refunded=HOUR) for i in range(2)]
    elsewhere = [order(30 + i, 11, shop=i, at=0, refunded=HOUR) for i in range(3)]  # one at each of 3 shops
    [finding] = brushing.refund_loops(loop + slow + twice + elsewhere)
    assert finding.accounts == ["u7"] and finding.evidence["refunded_orders"] == 3 and finding.hold_payouts == [1]


def test_a_show_converting_far_above_its_shops_normal_is_an_outlier():
    history = [ShowFigures(room, 1, 200, 10) for room in range(1, 6)]  # the shop converts 5 %
    brushed = ShowFigures(99, 1, 60, 30)  # 50 %: ten times its normal
    busy = ShowFigures(98, 1, 200, 24)  # 12 %: a good day, under 3× and +15 points
    small = ShowFigures(97, 1, 10, 9)  # 90 % of ten: too few buyers to say
    found = brushing.conversion_outliers([brushed, busy, small], history + [brushed, busy, small],
                                         {99: {5, 6, 7}})
    [finding] = found
    assert finding.rooms == [99] and finding.accounts == ["u5", "u6", "u7"] and finding.hold_payouts == [1]
    assert finding.evidence["baseline"] == 0.05 and finding.evidence["conversion"] == 0.5


def test_a_new_shop_is_compared_with_the_installation_and_without_history_with_nothing():
    others = [ShowFigures(room, 2, 100, 4) for room in range(1, 5)]  # other shops convert 4 %
    first_show = ShowFigures(50, 3, 40, 20)
    assert brushing.baseline(first_show, others) == 0.04
    assert [f.rooms for f in brushing.conversion_outliers([first_show], others, {})] == [[50]]
    assert brushing.conversion_outliers([first_show], others[:2], {}) == []  # too little to compare with
    blind_only = ShowFigures(51, 3, 0, 12)  # twelve buyers, nobody entered the show
    assert [f.rooms for f in brushing.conversion_outliers([blind_only], others, {})] == [[51]]
