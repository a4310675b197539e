"""What a detector hands the review queue: the accounts (and rooms) it found, the hosts
involved, the evidence, and which shops' payouts to hold until an admin has looked."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Finding:
    graph: str  # follows | joins | orders | payments | devices | rooms
    kind: str  # lockstep | dense_block | shared_address | shared_instrument | shared_device | refund_loop | conversion_outlier
    accounts: list[str]  # "u<id>" / "a<cookie>"
    hosts: list[int]  # shops
    evidence: dict[str, float | str] = field(default_factory=dict)
    rooms: list[int] = field(default_factory=list)  # rooms whose sales look brushed
    hold_payouts: list[int] = field(default_factory=list)  # shops that may be paying for fake orders
