"""Shared input types: bounded ids, money, and text that every backend can store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, AwareDatetime, ConfigDict, Field, Strict, StringConstraints
from pydantic import BaseModel as _BaseModel

MAX_ID = 2**53  # also safe as a JavaScript number
MAX_PRICE_CENTS = 100_000_000  # 1,000,000.00 in any currency
MAX_STOCK = 10_000_000


def _storable(value: str) -> str:
    # PostgreSQL text cannot hold NUL, and lone surrogates are not UTF-8.
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("text must be valid Unicode") from exc
    return value


def Text(max_length: int, min_length: int = 1) -> type[str]:  # noqa: N802 - reads as a type
    return Annotated[  # type: ignore[return-value]
        str,
        StringConstraints(min_length=min_length, max_length=max_length, strip_whitespace=True),
        AfterValidator(_storable),
    ]


def _reasonable_time(value: datetime) -> datetime:
    if not (2000 <= value.year <= 2200):
        raise ValueError("time must be between the years 2000 and 2200")
    return value.astimezone(UTC)


# Body numbers are strict: "12" or 12.0 for a price or quantity is a client bug, not a number.
StrictInt = Annotated[int, Strict()]
Id = Annotated[int, Strict(), Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
Cents = Annotated[int, Strict(), Field(ge=0, le=MAX_PRICE_CENTS)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Stock = Annotated[int, Strict(), Field(ge=0, le=MAX_STOCK)]
Timestamp = Annotated[AwareDatetime, AfterValidator(_reasonable_time)]


class Body(_BaseModel):
    """Request bodies: unknown fields are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
