"""Quizzes, their questions, every answer with the server's receive time, scores and badges."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.core.db import IdType, UTCDateTime, conflict_insert, metadata

quizzes = Table(
    "quizzes",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("shop_id", IdType, ForeignKey("shops.id", ondelete="CASCADE"), nullable=False),
    # In a live show (the host pushes each question to everyone) or, NULL, a campaign on its
    # own page that each player takes at their own pace.
    Column("room_id", IdType, ForeignKey("rooms.id", ondelete="CASCADE"), nullable=True),
    Column("title", String(80), nullable=False),
    Column("status", String(8), nullable=False),  # running | ended
    Column("created_by", IdType, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime(), nullable=True),
    Index("ix_quizzes_room_id", "room_id"),
)

questions = Table(
    "quiz_questions",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("quiz_id", IdType, ForeignKey("quizzes.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("text", String(200), nullable=False),
    Column("options", JSON, nullable=False),  # the labels, 2–6
    Column("correct", Integer, nullable=False),  # index into options; secret until closed
    Column("time_limit_seconds", Integer, nullable=False),
    Column("status", String(8), nullable=False),  # pending | open | closed (live quizzes)
    Column("opened_at", UTCDateTime(), nullable=True),
    Column("closes_at", UTCDateTime(), nullable=True),
    Index("ix_quiz_questions_quiz_id", "quiz_id", "position"),
    Index("ix_quiz_questions_status_closes_at", "status", "closes_at"),
)

answers = Table(
    "quiz_answers",
    metadata,
    Column("question_id", IdType, ForeignKey("quiz_questions.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("quiz_id", IdType, ForeignKey("quizzes.id", ondelete="CASCADE"), nullable=False),
    # A campaign question's clock starts when this player was shown it.
    Column("started_at", UTCDateTime(), nullable=True),
    Column("choice", Integer, nullable=True),
    Column("received_at", UTCDateTime(), nullable=True),
    Column("correct", Boolean, nullable=False, default=False),
    Column("points", Integer, nullable=False, default=0),
    Index("ix_quiz_answers_quiz_id_user_id", "quiz_id", "user_id"),
)

scores = Table(
    "quiz_scores",
    metadata,
    Column("quiz_id", IdType, ForeignKey("quizzes.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("username", String(32), nullable=False),
    Column("points", Integer, nullable=False),
    Column("correct", Integer, nullable=False),
    # Ties go to whoever was faster in total (milliseconds from open to receive, correct answers).
    Column("answer_ms", Integer, nullable=False),
    Index("ix_quiz_scores_quiz_id_points", "quiz_id", "points"),
)

badges = Table(
    "user_badges",
    metadata,
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("badge", String(24), primary_key=True),
    Column("quiz_id", IdType, ForeignKey("quizzes.id", ondelete="CASCADE"), primary_key=True),
    Column("awarded_at", UTCDateTime(), nullable=False),
)



async def insert_quiz(conn: AsyncConnection, items: list[dict[str, Any]], **values: Any) -> int:
    quiz_id = int((await conn.execute(insert(quizzes).values(**values).returning(quizzes.c.id))).scalar_one())
    await conn.execute(insert(questions), [{"quiz_id": quiz_id, "position": i, "status": "pending", **item}
                                           for i, item in enumerate(items)])
    return quiz_id


async def quiz_by_id(conn: AsyncConnection, quiz_id: int) -> dict[str, Any] | None:
    row = (await conn.execute(select(quizzes).where(quizzes.c.id == quiz_id))).first()
    return dict(row._mapping) if row else None


async def questions_of(conn: AsyncConnection, quiz_id: int) -> list[dict[str, Any]]:
    rows = await conn.execute(select(questions).where(questions.c.quiz_id == quiz_id).order_by(questions.c.position))
    return [dict(r._mapping) for r in rows]


async def question_by_id(conn: AsyncConnection, question_id: int) -> dict[str, Any] | None:
    row = (await conn.execute(select(questions).where(questions.c.id == question_id))).first()
    return dict(row._mapping) if row else None


async def quizzes_of_room(conn: AsyncConnection, room_id: int) -> list[dict[str, Any]]:
    rows = await conn.execute(select(quizzes).where(quizzes.c.room_id == room_id).order_by(quizzes.c.id.desc()).limit(5))
    return [dict(r._mapping) for r in rows]


async def open_question(conn: AsyncConnection, question_id: int, now: datetime, closes_at: datetime) -> bool:
    result = await conn.execute(update(questions).where(questions.c.id == question_id, questions.c.status == "pending")
                                .values(status="open", opened_at=now, closes_at=closes_at))
    return result.rowcount == 1


async def close_question(conn: AsyncConnection, question_id: int) -> bool:
    result = await conn.execute(update(questions).where(questions.c.id == question_id, questions.c.status == "open")
                                .values(status="closed"))
    return result.rowcount == 1


async def due_questions(conn: AsyncConnection, now: datetime) -> list[int]:
    rows = await conn.execute(select(questions.c.id).where(questions.c.status == "open", questions.c.closes_at <= now))
    return [r for (r,) in rows]


async def start_for(conn: AsyncConnection, question: dict[str, Any], user_id: int, now: datetime) -> datetime:
    """When this player's clock on a campaign question started (now, the first time they see it)."""
    await conn.execute(conflict_insert(conn, answers).values(
        question_id=question["id"], user_id=user_id, quiz_id=question["quiz_id"], started_at=now,
        correct=False, points=0).on_conflict_do_nothing())
    row = (await conn.execute(select(answers.c.started_at).where(
        answers.c.question_id == question["id"], answers.c.user_id == user_id))).one()
    return row[0]  # type: ignore[no-any-return]


async def answer_of(conn: AsyncConnection, question_id: int, user_id: int) -> dict[str, Any] | None:
    row = (await conn.execute(select(answers).where(answers.c.question_id == question_id,
                                                    answers.c.user_id == user_id))).first()
    return dict(row._mapping) if row else None


async def record_answer(conn: AsyncConnection, question: dict[str, Any], user_id: int, *, choice: int,
                        received_at: datetime, correct: bool, points: int) -> bool:
    """The player's one answer (False if they had answered already)."""
    values = dict(choice=choice, received_at=received_at, correct=correct, points=points)
    inserted = await conn.execute(conflict_insert(conn, answers).values(
        question_id=question["id"], user_id=user_id, quiz_id=question["quiz_id"], **values).on_conflict_do_nothing())
    if inserted.rowcount == 1:
        return True
    # A campaign player has a row from when the question was shown: it takes the answer once.
    updated = await conn.execute(update(answers).where(
        answers.c.question_id == question["id"], answers.c.user_id == user_id, answers.c.received_at.is_(None))
        .values(**values))
    return updated.rowcount == 1


async def add_score(conn: AsyncConnection, quiz_id: int, user_id: int, username: str, *, points: int,
                    correct: int, answer_ms: int) -> None:
    stmt = conflict_insert(conn, scores).values(quiz_id=quiz_id, user_id=user_id, username=username, points=points,
                                                correct=correct, answer_ms=answer_ms)
    await conn.execute(stmt.on_conflict_do_update(
        index_elements=[scores.c.quiz_id, scores.c.user_id],
        set_={"points": scores.c.points + points, "correct": scores.c.correct + correct,
              "answer_ms": scores.c.answer_ms + answer_ms}))


async def leaderboard(conn: AsyncConnection, quiz_id: int, limit: int = 10) -> list[dict[str, Any]]:
    rows = await conn.execute(select(scores).where(scores.c.quiz_id == quiz_id)
                              .order_by(scores.c.points.desc(), scores.c.answer_ms, scores.c.user_id).limit(limit))
    return [{"user_id": r.user_id, "name": r.username, "points": r.points, "correct": r.correct} for r in rows]


async def score_of(conn: AsyncConnection, quiz_id: int, user_id: int) -> dict[str, Any] | None:
    row = (await conn.execute(select(scores).where(scores.c.quiz_id == quiz_id, scores.c.user_id == user_id))).first()
    return dict(row._mapping) if row else None


async def option_counts(conn: AsyncConnection, question_id: int) -> dict[int, int]:
    rows = await conn.execute(select(answers.c.choice, func.count()).where(
        answers.c.question_id == question_id, answers.c.choice.is_not(None)).group_by(answers.c.choice))
    return {int(choice): int(n) for choice, n in rows}


async def end_quiz(conn: AsyncConnection, quiz_id: int, now: datetime) -> bool:
    result = await conn.execute(update(quizzes).where(quizzes.c.id == quiz_id, quizzes.c.status == "running")
                                .values(status="ended", ended_at=now))
    return result.rowcount == 1


async def award_badges(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(conflict_insert(conn, badges).on_conflict_do_nothing(), rows)


async def badges_of(conn: AsyncConnection, user_id: int) -> list[dict[str, Any]]:
    rows = await conn.execute(select(badges).where(badges.c.user_id == user_id).order_by(badges.c.awarded_at.desc()))
    return [dict(r._mapping) for r in rows]


async def perfect_players(conn: AsyncConnection, quiz_id: int, total: int) -> list[int]:
    if total == 0:
        return []
    rows = await conn.execute(select(scores.c.user_id).where(scores.c.quiz_id == quiz_id, scores.c.correct >= total))
    return [r for (r,) in rows]
