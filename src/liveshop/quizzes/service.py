"""Quizzes (答题/抢答): live in a show, where the host pushes each question to everyone with
a timer, or as a campaign on their own page, where each player's clock starts when they are
shown the question.

Answers are judged by the server's receive time: one that arrives after the question's
deadline is refused (409 `answer_too_late`), however early the player's device says it was
sent. A correct answer scores BASE_POINTS plus up to SPEED_POINTS for the share of the time
still left; the leaderboard ranks by points, then by total answer time. Badges go out when a
quiz ends: quiz_champion (first), quiz_top3, quiz_perfect (every question right).
"""

from __future__ import annotations

import time
import weakref
from datetime import datetime, timedelta
from typing import Any

from liveshop.analytics import events as analytics
from liveshop.catalog.access import LIVE_CREW, access_shop, shop_role
from liveshop.core.auth.store import User
from liveshop.core.db import Database, Tx
from liveshop.fans import rules as fan_rules
from liveshop.fans import store as fans_store
from liveshop.quizzes import store
from liveshop.quizzes.errors import (
    AlreadyAnswered,
    AnswerTooLate,
    BadChoice,
    QuestionNotFound,
    QuestionNotOpen,
    QuizNotFound,
    QuizNotRunning,
)
from liveshop.realtime.events import publish_best_effort, record_critical
from liveshop.rooms.errors import RoomNotFound
from liveshop.rooms.service import access_room

BASE_POINTS = 10
SPEED_POINTS = 10
LEADERBOARD_EVERY_SECONDS = 1.0  # a live leaderboard costs a query: at most this often per quiz per node
# Per database (a node serves one; tests run several with the same quiz ids): quiz → last sent.
_last_leaderboard: weakref.WeakKeyDictionary[Database, dict[int, float]] = weakref.WeakKeyDictionary()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def question_view(q: dict[str, Any], *, reveal: bool = False) -> dict[str, Any]:
    return {
        "id": q["id"], "quiz_id": q["quiz_id"], "position": q["position"], "text": q["text"],
        "options": list(q["options"]), "time_limit_seconds": q["time_limit_seconds"], "status": q["status"],
        "opened_at": _iso(q["opened_at"]), "closes_at": _iso(q["closes_at"]),
        "correct": q["correct"] if reveal or q["status"] == "closed" else None,
    }


def points_for(correct: bool, left: timedelta, limit_seconds: int) -> int:
    if not correct:
        return 0
    share = max(0.0, min(1.0, left.total_seconds() / limit_seconds))
    return BASE_POINTS + int(SPEED_POINTS * share)


async def _crew_quiz(tx: Tx, user: User, quiz_id: int) -> dict[str, Any]:
    quiz = await store.quiz_by_id(tx.conn, quiz_id)
    if quiz is None or await shop_role(tx.conn, user, quiz["shop_id"]) not in LIVE_CREW | {"admin"}:
        raise QuizNotFound()
    return quiz


async def create_quiz(db: Database, *, user: User, shop_id: int, room_id: int | None, title: str,
                      items: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    async with db.transaction() as tx:
        await access_shop(tx.conn, user, shop_id, LIVE_CREW)
        if room_id is not None and (await access_room(tx.conn, user, room_id, LIVE_CREW)).shop_id != shop_id:
            raise RoomNotFound()
        for item in items:
            if not 0 <= item["correct"] < len(item["options"]):
                raise BadChoice("`correct` must be the index of one of the options")
        quiz_id = await store.insert_quiz(tx.conn, items, shop_id=shop_id, room_id=room_id, title=title,
                                          status="running", created_by=user.id, created_at=now)
    return await get_quiz(db, quiz_id=quiz_id, user=user)


async def get_quiz(db: Database, *, quiz_id: int, user: User | None) -> dict[str, Any]:
    """The quiz as its viewer may see it: the crew sees every question with its answer; players
    see live questions once pushed (answers once closed), and only how many a campaign has."""
    async with db.transaction(write=False) as tx:
        quiz = await store.quiz_by_id(tx.conn, quiz_id)
        if quiz is None:
            raise QuizNotFound()
        crew = user is not None and await shop_role(tx.conn, user, quiz["shop_id"]) in LIVE_CREW | {"admin"}
        qs = await store.questions_of(tx.conn, quiz_id)
        shown = qs if crew else [q for q in qs if q["status"] != "pending"] if quiz["room_id"] else []
        mine = await store.score_of(tx.conn, quiz_id, user.id) if user else None
        return {
            "id": quiz["id"], "shop_id": quiz["shop_id"], "room_id": quiz["room_id"], "title": quiz["title"],
            "mode": "live" if quiz["room_id"] else "campaign", "status": quiz["status"],
            "question_count": len(qs), "questions": [question_view(q, reveal=crew) for q in shown],
            "leaderboard": await store.leaderboard(tx.conn, quiz_id),
            "me": {"points": mine["points"], "correct": mine["correct"]} if mine else None,
        }


async def room_quizzes(db: Database, *, room_id: int, user: User | None) -> list[dict[str, Any]]:
    async with db.transaction(write=False) as tx:
        found = [q["id"] for q in await store.quizzes_of_room(tx.conn, room_id) if q["status"] == "running"]
    return [await get_quiz(db, quiz_id=quiz_id, user=user) for quiz_id in found]


async def push_question(db: Database, *, user: User, question_id: int, now: datetime) -> dict[str, Any]:
    """The host asks the next question in the show: everyone's timer starts now."""
    async with db.transaction() as tx:
        q = await store.question_by_id(tx.conn, question_id)
        if q is None:
            raise QuestionNotFound()
        quiz = await _crew_quiz(tx, user, q["quiz_id"])
        if quiz["status"] != "running":
            raise QuizNotRunning()
        if quiz["room_id"] is None:
            raise QuestionNotOpen("A campaign's questions open for each player on the quiz page")
        if not await store.open_question(tx.conn, question_id, now, now + timedelta(seconds=q["time_limit_seconds"])):
            raise QuestionNotOpen("This question was already asked")
        q = await store.question_by_id(tx.conn, question_id)
        assert q is not None
        await record_critical(tx, quiz["room_id"], "quiz_question", {"quiz": {"id": quiz["id"], "title": quiz["title"]},
                                                                     "question": question_view(q)}, now=now)
        return question_view(q, reveal=True)


async def next_question(db: Database, *, user: User, quiz_id: int, now: datetime) -> dict[str, Any]:
    """A campaign player's next question; their clock on it starts the first time it is shown."""
    async with db.transaction() as tx:
        quiz = await store.quiz_by_id(tx.conn, quiz_id)
        if quiz is None:
            raise QuizNotFound()
        if quiz["room_id"] is not None:
            raise QuestionNotOpen("In a show, the host asks the questions")
        if quiz["status"] != "running":
            raise QuizNotRunning()
        for q in await store.questions_of(tx.conn, quiz_id):
            answer = await store.answer_of(tx.conn, q["id"], user.id)
            if answer is None or answer["received_at"] is None:
                started = await store.start_for(tx.conn, q, user.id, now)
                view = question_view(q) | {"status": "open", "opened_at": started.isoformat(),
                                           "closes_at": (started + timedelta(seconds=q["time_limit_seconds"])).isoformat()}
                return {"done": False, "question": view}
        return {"done": True, "question": None}


async def answer(db: Database, *, user: User, question_id: int, choice: int, now: datetime) -> dict[str, Any]:
    """Judge one answer by the time the server received it (`now`)."""
    async with db.transaction() as tx:
        q = await store.question_by_id(tx.conn, question_id)
        if q is None:
            raise QuestionNotFound()
        quiz = await store.quiz_by_id(tx.conn, q["quiz_id"])
        assert quiz is not None
        if quiz["status"] != "running":
            raise QuizNotRunning()
        live = quiz["room_id"] is not None
        if live:
            if q["status"] == "pending":
                raise QuestionNotOpen()
            opened, deadline = q["opened_at"], q["closes_at"]
        else:
            mine = await store.answer_of(tx.conn, question_id, user.id)
            if mine is None or mine["started_at"] is None:
                raise QuestionNotOpen("Ask for the question first: its clock starts when you see it")
            opened, deadline = mine["started_at"], mine["started_at"] + timedelta(seconds=q["time_limit_seconds"])
        if now > deadline:
            raise AnswerTooLate(received_at=now.isoformat(), closed_at=deadline.isoformat())
        if not 0 <= choice < len(q["options"]):
            raise BadChoice()
        correct = choice == q["correct"]
        points = points_for(correct, deadline - now, q["time_limit_seconds"])
        if not await store.record_answer(tx.conn, q, user.id, choice=choice, received_at=now, correct=correct,
                                         points=points):
            raise AlreadyAnswered()
        took_ms = int((now - opened).total_seconds() * 1000)
        await store.add_score(tx.conn, quiz["id"], user.id, user.username, points=points, correct=int(correct),
                              answer_ms=took_ms if correct else 0)
        if correct:
            await fans_store.add(tx.conn, quiz["shop_id"], user.id, fan_rules.QUIZ_CORRECT_POINTS, now)
        if live:
            analytics.emit(tx, analytics.Event(now.timestamp(), analytics.QUIZ_ANSWER, quiz["room_id"], quiz["shop_id"],
                                               analytics.user_viewer(user.id)))
        sent = _last_leaderboard.setdefault(db, {})
        if live and time.monotonic() - sent.get(quiz["id"], 0.0) >= LEADERBOARD_EVERY_SECONDS:
            sent[quiz["id"]] = time.monotonic()
            publish_best_effort(tx, quiz["room_id"], "quiz_leaderboard",
                                {"quiz": {"id": quiz["id"], "leaderboard": await store.leaderboard(tx.conn, quiz["id"])}})
        # In a show the verdict waits for the question to close (no leaking the answer to the
        # room); a campaign player learns it at once.
        return {"question_id": question_id, "choice": choice, "received_at": now.isoformat(),
                "closes_at": deadline.isoformat(), "correct": None if live else correct,
                "points": None if live else points}


async def _close(tx: Tx, question_id: int, now: datetime) -> bool:
    if not await store.close_question(tx.conn, question_id):
        return False
    q = await store.question_by_id(tx.conn, question_id)
    assert q is not None
    quiz = await store.quiz_by_id(tx.conn, q["quiz_id"])
    assert quiz is not None and quiz["room_id"] is not None
    counts = await store.option_counts(tx.conn, question_id)
    await record_critical(tx, quiz["room_id"], "quiz_question_closed", {
        "quiz": {"id": quiz["id"], "leaderboard": await store.leaderboard(tx.conn, quiz["id"])},
        "question": question_view(q), "counts": [counts.get(i, 0) for i in range(len(q["options"]))],
    }, now=now)
    return True


async def close_due_questions(db: Database, *, now: datetime) -> int:
    """Reveal live questions whose time is up (each once, whichever node gets there first)."""
    async with db.transaction(write=False) as tx:
        due = await store.due_questions(tx.conn, now)
    closed = 0
    for question_id in due:
        async with db.transaction() as tx:
            closed += await _close(tx, question_id, now)
    return closed


async def my_result(db: Database, *, user: User, question_id: int) -> dict[str, Any]:
    """A player's own verdict on a question (once the question is closed, or in a campaign)."""
    async with db.transaction(write=False) as tx:
        q = await store.question_by_id(tx.conn, question_id)
        if q is None:
            raise QuestionNotFound()
        quiz = await store.quiz_by_id(tx.conn, q["quiz_id"])
        assert quiz is not None
        mine = await store.answer_of(tx.conn, question_id, user.id)
        hidden = quiz["room_id"] is not None and q["status"] != "closed"
        answered = mine is not None and mine["received_at"] is not None
        return {"question_id": question_id, "answered": answered, "choice": mine["choice"] if answered else None,
                "correct": None if hidden or not answered else mine["correct"],
                "points": None if hidden or not answered else mine["points"]}


async def end_quiz(db: Database, *, user: User, quiz_id: int, now: datetime) -> dict[str, Any]:
    async with db.transaction() as tx:
        quiz = await _crew_quiz(tx, user, quiz_id)
        if quiz["room_id"] is not None:
            for q in await store.questions_of(tx.conn, quiz_id):
                if q["status"] == "open":
                    await _close(tx, q["id"], now)
        if not await store.end_quiz(tx.conn, quiz_id, now):
            raise QuizNotRunning()
        total = len(await store.questions_of(tx.conn, quiz_id))
        board = await store.leaderboard(tx.conn, quiz_id, limit=3)
        awards = [{"user_id": row["user_id"], "badge": "quiz_champion" if rank == 0 else "quiz_top3",
                   "quiz_id": quiz_id, "awarded_at": now} for rank, row in enumerate(board) if row["points"] > 0]
        perfect = await store.perfect_players(tx.conn, quiz_id, total)
        awards += [{"user_id": u, "badge": "quiz_perfect", "quiz_id": quiz_id, "awarded_at": now} for u in perfect]
        await store.award_badges(tx.conn, awards)
        for award in awards:
            if award["badge"] == "quiz_champion":
                await fans_store.add(tx.conn, quiz["shop_id"], award["user_id"], fan_rules.QUIZ_WIN_POINTS, now)
        if quiz["room_id"] is not None:
            await record_critical(tx, quiz["room_id"], "quiz_ended", {"quiz": {
                "id": quiz_id, "leaderboard": await store.leaderboard(tx.conn, quiz_id)}}, now=now)
    return await get_quiz(db, quiz_id=quiz_id, user=user)


async def my_badges(db: Database, *, user: User) -> list[dict[str, Any]]:
    async with db.transaction(write=False) as tx:
        return [{"badge": b["badge"], "quiz_id": b["quiz_id"], "awarded_at": b["awarded_at"]}
                for b in await store.badges_of(tx.conn, user.id)]
