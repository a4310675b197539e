"""Fan-club points and levels (粉丝团等级): the rules, in one place (docs/engagement.md quotes them).

A viewer who follows a shop is in its fan club. They earn points with that shop by:
- watching its live shows: 1 point per minute of watch time, at most WATCH_CAP_MINUTES per show;
- chatting in its shows: 1 point per comment, at most one every COMMENT_GAP_SECONDS per show;
- buying: PURCHASE_POINTS per paid order (prizes, which cost nothing, earn nothing);
- its quizzes: QUIZ_CORRECT_POINTS per right answer, QUIZ_WIN_POINTS per quiz won.
The level is the highest whose threshold the points reach; a follower is at least level 1.
"""

from __future__ import annotations

import bisect

WATCH_CAP_MINUTES = 120
COMMENT_GAP_SECONDS = 60
PURCHASE_POINTS = 10
QUIZ_CORRECT_POINTS = 2
QUIZ_WIN_POINTS = 30

# Points needed for levels 1, 2, 3, …
LEVEL_THRESHOLDS = (0, 20, 50, 100, 200, 400, 700, 1000, 1500, 2500)


def level_for(points: int) -> int:
    return bisect.bisect_right(LEVEL_THRESHOLDS, points)


def next_level_at(points: int) -> int | None:
    level = level_for(points)
    return LEVEL_THRESHOLDS[level] if level < len(LEVEL_THRESHOLDS) else None


def rules() -> dict[str, object]:
    return {
        "watch": f"1 point per minute watched, at most {WATCH_CAP_MINUTES} per show",
        "comment": f"1 point per comment, at most one every {COMMENT_GAP_SECONDS} s per show",
        "purchase": f"{PURCHASE_POINTS} points per paid order",
        "quiz": f"{QUIZ_CORRECT_POINTS} points per right answer, {QUIZ_WIN_POINTS} per quiz won",
        "level_thresholds": list(LEVEL_THRESHOLDS),
    }
