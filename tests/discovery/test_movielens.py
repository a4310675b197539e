"""The real interaction log the feed is evaluated on, and its per-viewer time split."""

from __future__ import annotations

import pytest

from liveshop.discovery import movielens


def test_the_log_is_movielens_100k(rows):
    assert len(rows) == 100_000
    assert len({r.viewer for r in rows}) == 943 and len({r.room for r in rows}) == 1682
    assert all(a.at <= b.at for a, b in zip(rows, rows[1:], strict=False))


def test_each_viewer_s_last_fifth_is_the_test_set(rows):
    train, test = movielens.split_per_viewer(rows)
    assert len(train) + len(test) == len(rows)
    assert 0.19 < len(test) / len(rows) < 0.21
    last_train: dict[int, int] = {}
    for r in train:
        last_train[r.viewer] = max(last_train.get(r.viewer, 0), r.at)
    assert {r.viewer for r in test} == {r.viewer for r in rows}  # every viewer is tested
    assert all(r.at >= last_train[r.viewer] for r in test)  # nothing from the future in training


def test_a_wheel_whose_log_is_not_the_pinned_one_is_refused(tmp_path):
    import zipfile

    wheel = tmp_path / "recbole-1.2.1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr(movielens.MEMBER, "user_id:token\titem_id:token\trating:float\ttimestamp:float\n1\t2\t5\t9\n")
    with pytest.raises(ValueError, match="SHA-256"):
        movielens.extract(wheel, tmp_path / "out.inter")
    assert not (tmp_path / "out.inter").exists()
