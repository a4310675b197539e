"""Banned-word matching and the chat token bucket, without a server."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liveshop.moderation.matcher import WordMatcher, normalise
from liveshop.moderation.ratelimit import TokenBuckets


@pytest.mark.parametrize("text", [
    "this is bad", "this is BAD", "this is Ｂａｄ", "this is b a d", "this is b\u200bad", "this is b.a-d!",
    "b\ufeffa\u00adD", "ｂ　ａ　ｄ",
])
def test_evasions_of_a_listed_word_are_caught(text):
    assert WordMatcher(["bad"]).first_match(text) == "bad"


def test_chinese_words_full_width_punctuation_and_the_word_as_listed():
    matcher = WordMatcher(["加微信", "ＶＸ"])
    assert matcher.first_match("想要的 加 微 信 聊") == "加微信"
    assert matcher.first_match("私聊 v x 号") == "ＶＸ"  # the author is told the word as it was listed
    assert matcher.first_match("好茶，值得买") is None


def test_empty_and_punctuation_only_words_are_ignored():
    matcher = WordMatcher(["", " ", "!!"])
    assert len(matcher) == 0 and matcher.first_match("anything") is None


# Combining marks are left out: one after the last letter would rightly make another letter.
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Mn", "Mc", "Me")), max_size=40))
def test_the_text_with_the_word_hidden_in_it_always_matches(noise):
    matcher = WordMatcher(["spam"])
    spaced = "s\u200bP a\u3000M"
    assert matcher.first_match(noise + spaced + " " + noise) == "spam"
    assert "spam" in normalise(noise + " spam")


def test_token_bucket_allows_a_burst_then_the_rate():
    buckets = TokenBuckets(rate_per_second=1.0, burst=3)
    key = (1, 1)
    assert [buckets.take(key, now=100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take(key, now=100.0) == pytest.approx(1.0)
    assert buckets.take(key, now=101.0) == 0.0  # one token back after a second
    assert buckets.take((2, 1), now=101.0) == 0.0  # another viewer has a bucket of their own


def test_token_buckets_forget_the_least_recent_keys_beyond_the_bound():
    buckets = TokenBuckets(rate_per_second=1.0, burst=1, max_keys=2)
    for user in range(3):
        buckets.take((user, 1), now=0.0)
    assert (0, 1) not in buckets._buckets and len(buckets._buckets) == 2
