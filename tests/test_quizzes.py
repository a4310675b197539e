"""Quizzes: the host pushes questions in the show, answers are judged by the server's receive
time (late ones refused), points reward speed, the leaderboard is live, badges at the end; a
campaign runs the same questions at each player's own pace."""

from __future__ import annotations

import asyncio

from liveshop.quizzes import service as quizzes
from tests.helpers import account, assert_problem, next_hub_event, shop_with_room

QUESTIONS = [
    {"text": "龙井产自哪里？", "options": ["杭州", "苏州", "福州"], "correct": 0, "time_limit_seconds": 20},
    {"text": "明前茶采于什么节气之前？", "options": ["谷雨", "清明"], "correct": 1, "time_limit_seconds": 10},
]


async def make_quiz(client, shop, *, room=True, questions=QUESTIONS):
    body = {"title": "茶知识抢答", "questions": questions} | ({"room_id": shop.room_id} if room else {})
    r = await client.post(f"/api/v1/shops/{shop.shop_id}/quizzes", json=body, headers=shop.merchant)
    assert r.status_code == 201, r.text
    return r.json()


async def answer(client, who, question_id, choice):
    return await client.post(f"/api/v1/quiz-questions/{question_id}/answers", json={"choice": choice}, headers=who)


async def test_a_live_quiz_judged_by_receive_time_with_a_live_leaderboard_and_badges(client, services, clock):
    shop = await shop_with_room(client)
    quiz = await make_quiz(client, shop)
    first, second = (q["id"] for q in quiz["questions"])
    assert quiz["questions"][0]["correct"] == 0  # the crew sees the answers
    fast, slow, wrong, late = [await account(client) for _ in range(4)]
    public = (await client.get(f"/api/v1/quizzes/{quiz['id']}", headers=fast)).json()
    assert public["questions"] == []  # nothing asked yet, nothing shown
    assert_problem(await answer(client, fast, first, 0), 409, "quiz_question_not_open")

    conn, _ = await services.hub.subscribe(shop.room_id, None)
    pushed = await client.post(f"/api/v1/quiz-questions/{first}/push", headers=shop.merchant)
    assert pushed.status_code == 200, pushed.text
    asked = await next_hub_event(conn, "quiz_question")
    assert asked["question"]["correct"] is None and asked["question"]["options"] == ["杭州", "苏州", "福州"]
    assert_problem(await client.post(f"/api/v1/quiz-questions/{first}/push", headers=shop.merchant), 409)

    clock.advance(2)
    r = await answer(client, fast, first, 0)
    assert r.status_code == 201, r.text
    assert r.json()["correct"] is None  # revealed when the question closes
    assert_problem(await answer(client, fast, first, 1), 409, "already_answered")
    clock.advance(8)
    assert (await answer(client, slow, first, 0)).status_code == 201
    assert (await answer(client, wrong, first, 2)).status_code == 201
    clock.advance(10)  # exactly at the deadline: still in time
    assert (await answer(client, late, first, 0)).status_code == 201
    clock.advance(0.001)
    too_late = assert_problem(await answer(client, await account(client), first, 0), 409, "answer_too_late")
    assert too_late["received_at"] > too_late["closed_at"]
    board = await next_hub_event(conn, "quiz_leaderboard")
    assert board["quiz"]["leaderboard"][0]["points"] >= 10

    assert await quizzes.close_due_questions(services.db, now=clock.now()) == 1
    assert await quizzes.close_due_questions(services.db, now=clock.now()) == 0
    closed = await next_hub_event(conn, "quiz_question_closed")
    assert closed["question"]["correct"] == 0 and closed["counts"] == [3, 0, 1]
    # 10 points plus the share of time left: 18/20 → 19, 10/20 → 15, 0/20 → 10.
    assert [(s["name"], s["points"]) for s in closed["quiz"]["leaderboard"]] == [
        (fast["X-Username"], 19), (slow["X-Username"], 15), (late["X-Username"], 10), (wrong["X-Username"], 0)]
    mine = (await client.get(f"/api/v1/quiz-questions/{first}/result", headers=wrong)).json()
    assert (mine["answered"], mine["correct"], mine["points"]) == (True, False, 0)

    await client.post(f"/api/v1/quiz-questions/{second}/push", headers=shop.merchant)
    clock.advance(1)
    assert (await answer(client, slow, second, 1)).status_code == 201
    assert (await answer(client, fast, second, 0)).status_code == 201
    ended = (await client.post(f"/api/v1/quizzes/{quiz['id']}/end", headers=shop.merchant)).json()
    assert ended["status"] == "ended"
    assert (await next_hub_event(conn, "quiz_ended"))["quiz"]["id"] == quiz["id"]
    services.hub.unsubscribe(conn)
    # slow: 15 + 19 = 34 beats fast: 19 + 0.
    assert [s["name"] for s in ended["leaderboard"][:2]] == [slow["X-Username"], fast["X-Username"]]
    assert {b["badge"] for b in (await client.get("/api/v1/me/badges", headers=slow)).json()} == {
        "quiz_champion", "quiz_perfect"}
    assert [b["badge"] for b in (await client.get("/api/v1/me/badges", headers=fast)).json()] == ["quiz_top3"]
    assert_problem(await answer(client, late, second, 1), 409, "quiz_not_running")


async def test_a_campaign_runs_at_each_players_pace(client, clock):
    shop = await shop_with_room(client, live=False)
    quiz = await make_quiz(client, shop, room=False)
    player = await account(client)
    assert (await client.get(f"/api/v1/quizzes/{quiz['id']}", headers=player)).json()["mode"] == "campaign"
    first = (await client.post(f"/api/v1/quizzes/{quiz['id']}/next", headers=player)).json()["question"]
    assert first["correct"] is None and first["status"] == "open"
    clock.advance(5)
    again = (await client.post(f"/api/v1/quizzes/{quiz['id']}/next", headers=player)).json()["question"]
    assert again["closes_at"] == first["closes_at"]  # asking again does not restart the clock
    r = (await answer(client, player, first["id"], 0)).json()
    assert (r["correct"], r["points"]) == (True, 17)  # 15 of 20 s left
    second = (await client.post(f"/api/v1/quizzes/{quiz['id']}/next", headers=player)).json()["question"]
    clock.advance(11)
    assert_problem(await answer(client, player, second["id"], 1), 409, "answer_too_late")
    other = await account(client)
    assert_problem(await answer(client, other, second["id"], 1), 409, "quiz_question_not_open")
    assert_problem(await client.post(f"/api/v1/quiz-questions/{first['id']}/push", headers=shop.merchant), 409)


async def test_many_players_answer_at_once_and_each_counts_once(client, clock):
    shop = await shop_with_room(client)
    quiz = await make_quiz(client, shop, questions=QUESTIONS[:1])
    question = quiz["questions"][0]["id"]
    await client.post(f"/api/v1/quiz-questions/{question}/push", headers=shop.merchant)
    players = [await account(client) for _ in range(15)]
    answers = await asyncio.gather(*(answer(client, p, question, i % 3) for p in players for i in range(2)))
    assert sorted(a.status_code for a in answers) == [201] * 15 + [409] * 15
    board = (await client.get(f"/api/v1/quizzes/{quiz['id']}")).json()["leaderboard"]
    assert sum(s["correct"] for s in board) <= 10 and all(s["points"] in (0, 20) for s in board)


async def test_who_may_run_a_quiz_and_bad_questions(client):
    shop = await shop_with_room(client)
    viewer = await account(client)
    body = {"title": "q", "questions": QUESTIONS}
    assert_problem(await client.post(f"/api/v1/shops/{shop.shop_id}/quizzes", json=body, headers=viewer), 404)
    bad = {"title": "q", "questions": [{**QUESTIONS[0], "correct": 4}]}
    assert_problem(await client.post(f"/api/v1/shops/{shop.shop_id}/quizzes", json=bad, headers=shop.merchant), 422)
    assert_problem(await client.post(f"/api/v1/shops/{shop.shop_id}/quizzes", json={"title": "q", "questions": []},
                                     headers=shop.merchant), 422)
    quiz = await make_quiz(client, shop)
    assert_problem(await client.post(f"/api/v1/quiz-questions/{quiz['questions'][0]['id']}/push", headers=viewer), 404)
    assert_problem(await client.post(f"/api/v1/quizzes/{quiz['id']}/end", headers=viewer), 404)
    assert_problem(await answer(client, viewer, quiz["questions"][0]["id"], 9), 422)
