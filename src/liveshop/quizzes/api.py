"""Quizzes: the crew writes and runs them; players answer against the server's clock."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from liveshop.core.http import CurrentUser, OptionalUser, ServicesDep
from liveshop.core.validation import Body, Id, PathId, StrictInt, Text
from liveshop.quizzes import service

router = APIRouter(prefix="/api/v1", tags=["quizzes"])


class QuestionIn(Body):
    text: Text(200)  # type: ignore[valid-type]
    options: list[Text(60)] = Field(min_length=2, max_length=6)  # type: ignore[valid-type]
    correct: StrictInt = Field(ge=0, le=5)  # index of the right option
    time_limit_seconds: StrictInt = Field(default=15, ge=3, le=600)


class QuizIn(Body):
    title: Text(80)  # type: ignore[valid-type]
    questions: list[QuestionIn] = Field(min_length=1, max_length=50)
    room_id: Id | None = None  # a live quiz in this show; without it, a campaign on its own page


class AnswerIn(Body):
    choice: StrictInt = Field(ge=0, le=5)


class QuestionOut(BaseModel):
    id: int
    quiz_id: int
    position: int
    text: str
    options: list[str]
    time_limit_seconds: int
    status: str
    opened_at: str | None
    closes_at: str | None
    correct: int | None  # revealed when the question closes (always to the crew)


class Standing(BaseModel):
    user_id: int
    name: str
    points: int
    correct: int


class MyScore(BaseModel):
    points: int
    correct: int


class QuizOut(BaseModel):
    id: int
    shop_id: int
    room_id: int | None
    title: str
    mode: str  # live | campaign
    status: str
    question_count: int
    questions: list[QuestionOut]
    leaderboard: list[Standing]
    me: MyScore | None


class NextOut(BaseModel):
    done: bool
    question: QuestionOut | None


class AnswerOut(BaseModel):
    question_id: int
    choice: int
    received_at: str  # the server's clock: what the answer is judged by
    closes_at: str
    correct: bool | None  # live quizzes reveal it when the question closes
    points: int | None


class ResultOut(BaseModel):
    question_id: int
    answered: bool
    choice: int | None
    correct: bool | None
    points: int | None


class BadgeOut(BaseModel):
    badge: str
    quiz_id: int
    awarded_at: Any


@router.post("/shops/{shop_id}/quizzes", status_code=201, response_model=QuizOut)
async def create_quiz(shop_id: PathId, body: QuizIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    return await service.create_quiz(services.db, user=user, shop_id=shop_id, room_id=body.room_id, title=body.title,
                                     items=[q.model_dump() for q in body.questions], now=services.clock.now())


@router.get("/quizzes/{quiz_id}", response_model=QuizOut)
async def get_quiz(quiz_id: PathId, user: OptionalUser, services: ServicesDep) -> dict[str, Any]:
    return await service.get_quiz(services.db, quiz_id=quiz_id, user=user)


@router.get("/rooms/{room_id}/quizzes", response_model=list[QuizOut])
async def room_quizzes(room_id: PathId, user: OptionalUser, services: ServicesDep) -> list[dict[str, Any]]:
    return await service.room_quizzes(services.db, room_id=room_id, user=user)


@router.post("/quiz-questions/{question_id}/push", response_model=QuestionOut)
async def push_question(question_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """Ask this question in the show now; everyone's timer starts."""
    return await service.push_question(services.db, user=user, question_id=question_id, now=services.clock.now())


@router.post("/quizzes/{quiz_id}/next", response_model=NextOut)
async def next_question(quiz_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """Campaigns: your next question; your clock on it starts the first time you get it."""
    return await service.next_question(services.db, user=user, quiz_id=quiz_id, now=services.clock.now())


@router.post("/quiz-questions/{question_id}/answers", status_code=201, response_model=AnswerOut)
async def answer(question_id: PathId, body: AnswerIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """One answer per player, judged by when the server received it: after the deadline it is
    refused with 409 `answer_too_late`."""
    return await service.answer(services.db, user=user, question_id=question_id, choice=body.choice,
                                now=services.clock.now())


@router.get("/quiz-questions/{question_id}/result", response_model=ResultOut)
async def my_result(question_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    return await service.my_result(services.db, user=user, question_id=question_id)


@router.post("/quizzes/{quiz_id}/end", response_model=QuizOut)
async def end_quiz(quiz_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """End the quiz: open questions close and the badges go out."""
    return await service.end_quiz(services.db, user=user, quiz_id=quiz_id, now=services.clock.now())


@router.get("/me/badges", response_model=list[BadgeOut])
async def my_badges(user: CurrentUser, services: ServicesDep) -> list[dict[str, Any]]:
    return await service.my_badges(services.db, user=user)
