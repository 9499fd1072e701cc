"""The published ranking method: hand-worked numbers, the promises it makes, and its two implementations."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings, target
from hypothesis import strategies as st

from contest.voting.ranking import (
    PRIOR_WEIGHT_DEFAULT,
    DesignRow,
    RankedDesign,
    ScoreRow,
    VoteLine,
    explain,
    rank_designs,
    rank_designs_fast,
)

# No example database: it would write a .hypothesis folder into the working tree.
FAST = settings(deadline=None, max_examples=60, database=None, suppress_health_check=[HealthCheck.too_slow])
HARD = settings(FAST, max_examples=200)  # the promise members care most about: let hypothesis try hard

UNLISTED = 99  # a design that receives scores but is not ranked (e.g. withdrawn)


def fast(scores: list[ScoreRow], designs: list[DesignRow], **kwargs: object) -> list[RankedDesign]:
    """The vectorised path, fed from the same rows."""
    columns = [[getattr(s, name) for s in scores] for name in ("voter_id", "design_id", "value")]
    return rank_designs_fast(*columns, designs, **kwargs)


IMPLEMENTATIONS = pytest.mark.parametrize("rank", [rank_designs, fast], ids=["reference", "fast"])


@st.composite
def contests(draw: st.DrawFn, max_voters: int = 7, max_designs: int = 6, max_scores: int = 30):
    """Small contests dense in ties: few voters, few designs, small buy counts and submission orders."""
    design = st.builds(DesignRow, st.integers(1, 40), st.integers(0, 2), st.integers(0, 3))
    listed = draw(st.lists(design, max_size=max_designs, unique_by=lambda d: d.design_id))
    targets = st.sampled_from([*(d.design_id for d in listed), UNLISTED])
    values = st.integers(1, 5) | st.sampled_from([1, 5])  # extremes are where the edge cases live
    rows = st.builds(ScoreRow, st.integers(1, max_voters), targets, values)
    scores = draw(st.lists(rows, max_size=max_scores, unique_by=lambda s: (s.voter_id, s.design_id)))
    return scores, listed


weights = st.one_of(st.none(), st.sampled_from([0.01, 0.5, 1.0, 2.5, 20.0]), st.floats(0.01, 100))


def order(ranked: list[RankedDesign]) -> list[int]:
    return [r.design_id for r in ranked]


def by_id(ranked: list[RankedDesign]) -> dict[int, RankedDesign]:
    return {r.design_id: r for r in ranked}


# --- Hand-worked numbers -------------------------------------------------------------------------------

SCORES = [
    ScoreRow(voter_id=1, design_id=10, value=5),  # Ann, a generous member
    ScoreRow(voter_id=1, design_id=20, value=3),
    ScoreRow(voter_id=2, design_id=10, value=3),  # Bob, a harsh member
    ScoreRow(voter_id=2, design_id=20, value=1),
    ScoreRow(voter_id=3, design_id=30, value=4),  # Cid scored a single design
]
DESIGNS = [DesignRow(10, 0, 1), DesignRow(20, 0, 2), DesignRow(30, 0, 3), DesignRow(40, 0, 4)]


@IMPLEMENTATIONS
def test_hand_worked_contest(rank) -> None:
    # With C = 1 (one imaginary 3 each):
    # Ann: usual vote u = (5 + 3 + 3) / (2 + 1) = 11/3.  Her 5 stays 5.  Her 3 is below u:
    #      1 + 2 * (3 - 1) / (11/3 - 1) = 1 + 4 / (8/3) = 2.5.
    # Bob: u = (3 + 1 + 3) / 3 = 7/3.  His 3 is above u: 5 - 2 * (5 - 3) / (5 - 7/3) = 5 - 4 / (8/3) = 3.5.
    #      His 1 stays 1.
    # Cid: u = (4 + 3) / 2 = 7/2.  His 4 is above u: 5 - 2 * 1 / (3/2) = 11/3.
    # Design 10: adjusted 5 and 3.5 (mean 4.25); final = (3 + 5 + 3.5) / (1 + 2) = 11.5/3 = 3.8333...
    # Design 20: adjusted 2.5 and 1 (mean 1.75); final = (3 + 2.5 + 1) / 3 = 6.5/3 = 2.1666... -> 2.166667
    # Design 30: final = (3 + 11/3) / 2 = 10/3 = 3.333333, but one score is below the minimum of two.
    # Design 40: no scores, final 3, not qualified.
    ranked = rank(SCORES, DESIGNS, min_scores=2, prior_weight=1)
    assert ranked[:2] == [
        RankedDesign(10, 1, 3.833333, 4.0, 4.25, 2, 0, True),
        RankedDesign(20, 2, 2.166667, 2.0, 1.75, 2, 0, True),
    ]
    assert ranked[2:] == [
        RankedDesign(30, 3, 3.333333, 4.0, pytest.approx(11 / 3), 1, 0, False),
        RankedDesign(40, 4, 3.0, None, None, 0, 0, False),
    ]


@IMPLEMENTATIONS
def test_default_prior_weight(rank) -> None:
    # C = 5: a member's only score, a 5, still counts as 5 (u = (5 + 15) / 6 = 10/3 < 5), and the design
    # is pulled towards 3 by five imaginary 3s: (15 + 5) / 6 = 3.333333.
    assert PRIOR_WEIGHT_DEFAULT == 5.0
    [ranked] = rank([ScoreRow(1, 1, 5)], [DesignRow(1, 0, 0)], min_scores=1)
    assert ranked == RankedDesign(1, 1, 3.333333, 5.0, 5.0, 1, 0, True)


@IMPLEMENTATIONS
def test_harsh_members_middle_vote_can_beat_generous_members_middle_vote(rank) -> None:
    # C = 1.  The harsh member gives 1, 1, 3 (u = (5 + 3) / 4 = 2): their 3 is
    #   5 - 2 * 2 / 3 = 3.666667.  The generous member gives 5, 5, 4 (u = (14 + 3) / 4 = 4.25): their 4 is
    #   1 + 2 * 3 / 3.25 = 2.846154.  So design 2 (the harsh 3) beats design 1 (the generous 4):
    #   final(2) = (3 + 11/3) / 2 = 3.333333 and final(1) = (3 + 37/13) / 2 = 2.923077.
    scores = [ScoreRow(1, 5, 1), ScoreRow(1, 6, 1), ScoreRow(1, 2, 3)]
    scores += [ScoreRow(2, 5, 5), ScoreRow(2, 6, 5), ScoreRow(2, 1, 4)]
    ranked = by_id(rank(scores, [DesignRow(1, 0, 0), DesignRow(2, 0, 1)], min_scores=1, prior_weight=1))
    assert (ranked[2].final_score, ranked[1].final_score) == (3.333333, 2.923077)
    assert (ranked[2].rank, ranked[1].rank) == (1, 2)


@IMPLEMENTATIONS
def test_a_generous_members_five_still_helps(rank) -> None:
    # The case that sinks z-scores: design 2 has a 5 from a member whose other score was a 3; a new member
    # who has given nothing but this 5 scores it.  With z-scores the new 5 would count as "average" (0)
    # and lower the design; here every 5 counts as 5.
    # C = 1.  Before: member 1 has u = (3 + 5 + 3) / 3 = 11/3; design 2 = (3 + 5) / 2 = 4.
    # After: member 2 has u = (5 + 3) / 2 = 4, their 5 counts 5; design 2 = (3 + 5 + 5) / 3 = 4.333333.
    scores = [ScoreRow(1, 1, 3), ScoreRow(1, 2, 5)]
    designs = [DesignRow(1, 0, 0), DesignRow(2, 0, 1)]
    before = by_id(rank(scores, designs, min_scores=0, prior_weight=1))[2].final_score
    after = by_id(rank([*scores, ScoreRow(2, 2, 5)], designs, min_scores=0, prior_weight=1))[2].final_score
    assert (before, after) == (4.0, 4.333333)


@IMPLEMENTATIONS
def test_ties_broken_by_buys_then_submission_then_id(rank) -> None:
    # One member gives 5 to all four designs: equal final scores, so the tie-breaks decide.
    scores = [ScoreRow(1, design, 5) for design in (1, 2, 3, 4)]
    designs = [DesignRow(1, 0, 0), DesignRow(4, 3, 5), DesignRow(3, 3, 5), DesignRow(2, 3, 1)]
    ranked = rank(scores, designs, min_scores=1)
    assert len({r.final_score for r in ranked}) == 1
    # Design 2 (3 buys, submitted first), 3 and 4 (3 buys, same submission slot: lower id first), 1 (0 buys).
    assert order(ranked) == [2, 3, 4, 1]
    assert [r.rank for r in ranked] == [1, 2, 3, 4]


@IMPLEMENTATIONS
def test_minimum_scores_rule(rank) -> None:
    # Design 1 has a single 5 (final 4 with C = 1), design 2 two 4s from members whose only score it is
    # (each 4: u = 3.5, counts 5 - 2 / 1.5 = 11/3; final = (3 + 22/3) / 3 = 3.444444).
    scores = [ScoreRow(1, 1, 5), ScoreRow(2, 2, 4), ScoreRow(3, 2, 4)]
    designs = [DesignRow(1, 0, 0), DesignRow(2, 0, 1), DesignRow(3, 9, 2)]
    open_to_all = rank(scores, designs, min_scores=0, prior_weight=1)
    assert order(open_to_all) == [1, 2, 3]
    assert [r.final_score for r in open_to_all] == [4.0, 3.444444, 3.0]
    assert all(r.qualified for r in open_to_all)
    ranked = rank(scores, designs, min_scores=2, prior_weight=1)
    assert order(ranked) == [2, 1, 3]
    assert [r.qualified for r in ranked] == [True, False, False]


@IMPLEMENTATIONS
def test_degenerate_contests(rank) -> None:
    assert rank([], [], min_scores=3) == []
    assert rank([ScoreRow(1, 1, 4)], [], min_scores=0) == []
    [lonely] = rank([], [DesignRow(7, 2, 0)], min_scores=1)
    assert lonely == RankedDesign(7, 1, 3.0, None, None, 0, 2, False)
    # One member, zero spread (all 1s, then all 5s): finite numbers, 1s count 1 and 5s count 5.
    for value, expected in ((1, 2.0), (5, 4.0)):
        scores = [ScoreRow(1, d, value) for d in (1, 2, 3)]
        ranked = rank(scores, [DesignRow(d, 0, d) for d in (1, 2, 3)], min_scores=1, prior_weight=1)
        assert {r.final_score for r in ranked} == {expected}
        assert {r.normalised_mean for r in ranked} == {float(value)}


@IMPLEMENTATIONS
@pytest.mark.parametrize("weight", [1e-12, 1e-3, 1e6, 1e300])
def test_extreme_prior_weights_stay_finite(rank, weight) -> None:
    scores = [ScoreRow(1, 1, 5), ScoreRow(1, 2, 5), ScoreRow(2, 1, 1), ScoreRow(3, 2, 3), ScoreRow(3, 1, 3)]
    for r in rank(scores, [DesignRow(1, 0, 0), DesignRow(2, 0, 1)], min_scores=0, prior_weight=weight):
        assert 1 <= r.final_score <= 5
        assert math.isfinite(r.normalised_mean)


@IMPLEMENTATIONS
@pytest.mark.parametrize(
    ("scores", "designs", "kwargs"),
    [
        ([ScoreRow(1, 1, 0)], [], {}),
        ([ScoreRow(1, 1, 6)], [], {}),
        ([ScoreRow(1, 1, 3), ScoreRow(1, 1, 4)], [], {}),
        ([], [DesignRow(1, 0, 0), DesignRow(1, 0, 1)], {}),
        ([], [], {"prior_weight": 0}),
        ([], [], {"prior_weight": -1}),
        ([], [], {"prior_weight": math.inf}),
        ([], [], {"prior_weight": math.nan}),
        ([], [], {"min_scores": -1}),
    ],
)
def test_rejects_impossible_input(rank, scores, designs, kwargs) -> None:
    with pytest.raises(ValueError, match=r"."):
        rank(scores, designs, **{"min_scores": 0, **kwargs})


def test_fast_rejects_ragged_columns() -> None:
    with pytest.raises(ValueError, match="equal length"):
        rank_designs_fast([1, 2], [1], [5, 5], [], min_scores=0)


def test_fast_handles_sparse_ids() -> None:
    # Ids far apart take numpy's sorting path instead of the linear one; the result must not change.
    scores = [ScoreRow(10**15 + v, 10**14 * d, (v * d) % 5 + 1) for v in range(1, 6) for d in range(1, 4)]
    designs = [DesignRow(10**14 * d, 0, d) for d in range(1, 4)]
    assert fast(scores, designs, min_scores=0) == rank_designs(scores, designs, min_scores=0)


def test_worked_example() -> None:
    # The same numbers as test_hand_worked_contest, for design 10.
    example = explain(SCORES, 10, prior_weight=1)
    assert (example.design_id, example.prior_weight, example.centre) == (10, 1.0, 3)
    assert example.contest_mean_raw == pytest.approx(16 / 5)
    assert [(v.voter_id, v.value, v.voter_score_count, v.voter_mean_raw) for v in example.votes] == [
        (1, 5, 2, 4.0),
        (2, 3, 2, 2.0),
    ]
    assert [v.voter_mean_used for v in example.votes] == pytest.approx([11 / 3, 7 / 3])
    assert [v.adjusted for v in example.votes] == [5.0, 3.5]
    assert (example.score_count, example.mean_raw, example.normalised_mean) == (2, 4.0, 4.25)
    assert example.final_score == 3.833333
    empty = explain([], 1)
    assert (empty.votes, empty.contest_mean_raw, empty.mean_raw, empty.final_score) == ((), None, None, 3.0)


# --- The promises, checked by hypothesis -----------------------------------------------------------------


@HARD
@given(data=st.data(), contest=contests(), weight=weights, min_scores=st.integers(0, 4))
def test_a_five_never_lowers_rank_or_score(data, contest, weight, min_scores) -> None:
    check_a_five_never_hurts(rank_designs, data, contest, weight, min_scores)


@FAST
@given(data=st.data(), contest=contests(), weight=weights, min_scores=st.integers(0, 4))
def test_a_five_never_lowers_rank_or_score_fast(data, contest, weight, min_scores) -> None:
    check_a_five_never_hurts(fast, data, contest, weight, min_scores)


def check_a_five_never_hurts(rank, data, contest, weight, min_scores) -> None:
    """Give a 5 to one design, from an existing member who had not scored it or from a new member."""
    scores, designs = contest
    assume(designs)
    chosen = data.draw(st.sampled_from([d.design_id for d in designs]), label="design")
    voters = {s.voter_id for s in scores} | {max((s.voter_id for s in scores), default=0) + 1}
    scored = {(s.voter_id, s.design_id) for s in scores}
    free = sorted(v for v in voters if (v, chosen) not in scored)
    voter = data.draw(st.sampled_from(free), label="voter")  # an existing member, or a new one
    before = rank(scores, designs, min_scores=min_scores, prior_weight=weight)
    after = rank([*scores, ScoreRow(voter, chosen, 5)], designs, min_scores=min_scores, prior_weight=weight)
    old, new = by_id(before)[chosen], by_id(after)[chosen]
    behind = order(before)[old.rank :]
    # Steer the search towards near-misses: a 5 that barely helps, a chaser that comes close.
    target(old.final_score - new.final_score, label="score lost")
    chasers = [by_id(after)[e].final_score - new.final_score for e in behind if by_id(after)[e].qualified]
    target(max(chasers, default=-5.0), label="closest chaser")
    assert new.final_score >= old.final_score
    assert new.rank <= old.rank
    # Stronger: nobody who was behind the design gets ahead of it.
    assert set(behind) <= set(order(after)[new.rank :])


@FAST
@given(data=st.data(), contest=contests(), weight=weights)
def test_the_proof_step_by_step(data, contest, weight) -> None:
    # The module docstring's argument, one step at a time, on the numbers the public page shows.
    scores, _ = contest
    designs = sorted({s.design_id for s in scores} | {UNLISTED})
    chosen = data.draw(st.sampled_from(designs), label="design")
    scored = {(s.voter_id, s.design_id) for s in scores}
    voter = data.draw(st.integers(1, 8).filter(lambda v: (v, chosen) not in scored), label="voter")

    def adjusted(rows: list[ScoreRow]) -> dict[tuple[int, int], VoteLine]:
        lines = (explain(rows, d, prior_weight=weight).votes for d in designs)
        return {(line.voter_id, d): line for d, votes in zip(designs, lines, strict=True) for line in votes}

    before, after = adjusted(scores), adjusted([*scores, ScoreRow(voter, chosen, 5)])
    for line in after.values():
        assert 1 <= line.adjusted <= 5
        assert (line.value == 5) <= (line.adjusted == 5)  # (c) a 5 always counts 5
    mean = {line.voter_id: line.voter_mean_used for line in before.values()}
    assert after[voter, chosen].voter_mean_used >= mean.get(voter, 3)  # (a) v's usual vote cannot fall
    for key, line in before.items():
        if key[0] == voter:  # (b) v's other scores can only count less
            assert after[key].adjusted <= line.adjusted
        else:  # nobody else's scores change
            assert after[key] == line


@IMPLEMENTATIONS
@FAST
@given(data=st.data(), contest=contests(), weight=weights, min_scores=st.integers(0, 3))
def test_arrival_order_does_not_matter(rank, data, contest, weight, min_scores) -> None:
    scores, designs = contest
    shuffled = data.draw(st.permutations(scores), label="scores")
    listed = data.draw(st.permutations(designs), label="designs")
    first = rank(scores, designs, min_scores=min_scores, prior_weight=weight)
    again = rank(shuffled, listed, min_scores=min_scores, prior_weight=weight)
    if rank is rank_designs:
        assert again == first
    else:  # floating-point sums may differ in the last bits; rounded scores and the order may not
        assert [(r.design_id, r.final_score, r.mean_raw) for r in again] == [
            (r.design_id, r.final_score, r.mean_raw) for r in first
        ]


@IMPLEMENTATIONS
@FAST
@given(contest=contests(), weight=weights, min_scores=st.integers(0, 4))
def test_order_is_total_and_follows_the_published_rules(rank, contest, weight, min_scores) -> None:
    scores, designs = contest
    ranked = rank(scores, designs, min_scores=min_scores, prior_weight=weight)
    assert [r.rank for r in ranked] == list(range(1, len(designs) + 1))
    assert sorted(order(ranked)) == sorted(d.design_id for d in designs)
    submitted = {d.design_id: d.submitted_order for d in designs}
    keys = [
        (not r.qualified, -r.final_score, -r.buy_count, submitted[r.design_id], r.design_id) for r in ranked
    ]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    counts = {d.design_id: 0 for d in designs}
    for s in scores:
        counts[s.design_id] = counts.get(s.design_id, 0) + 1
    for r in ranked:
        assert r.score_count == counts[r.design_id]
        assert r.qualified == (r.score_count >= min_scores)
        assert 1 <= r.final_score <= 5
        assert (r.mean_raw is None) == (r.normalised_mean is None) == (r.score_count == 0)
        if r.score_count:
            assert 1 <= r.normalised_mean <= 5 + 1e-12
    # Unqualified designs are ranked among themselves exactly as if everyone qualified.
    everyone = order(rank(scores, designs, min_scores=0, prior_weight=weight))
    unqualified = {r.design_id for r in ranked if not r.qualified}
    assert [i for i in order(ranked) if i in unqualified] == [i for i in everyone if i in unqualified]


@FAST
@given(
    contest=contests(max_voters=12, max_designs=8, max_scores=60),
    weight=weights,
    min_scores=st.integers(0, 5),
)
def test_fast_agrees_with_reference(contest, weight, min_scores) -> None:
    scores, designs = contest
    expected = rank_designs(scores, designs, min_scores=min_scores, prior_weight=weight)
    got = fast(scores, designs, min_scores=min_scores, prior_weight=weight)
    exact = ("design_id", "rank", "final_score", "mean_raw", "score_count", "buy_count", "qualified")
    assert [[getattr(r, f) for f in exact] for r in got] == [[getattr(r, f) for f in exact] for r in expected]
    for g, e in zip(got, expected, strict=True):
        assert g.normalised_mean == (e.normalised_mean and pytest.approx(e.normalised_mean, rel=1e-12))


@FAST
@given(contest=contests(), weight=weights)
def test_worked_example_matches_the_ranking(contest, weight) -> None:
    scores, designs = contest
    for r in rank_designs(scores, designs, min_scores=0, prior_weight=weight):
        example = explain(scores, r.design_id, prior_weight=weight)
        assert (example.final_score, example.score_count) == (r.final_score, r.score_count)
        assert (example.mean_raw, example.normalised_mean) == (r.mean_raw, r.normalised_mean)
        if example.votes:
            # The final score is the Bayesian average of the adjusted scores shown on the page.
            centre, c = example.centre, example.prior_weight
            total = sum(v.adjusted for v in example.votes)
            assert (centre * c + total) / (c + len(example.votes)) == pytest.approx(r.final_score, abs=1e-6)


def _timing() -> None:
    """Time the fast path on a contest of 1,000,000 scores, 10,000 designs and 50,000 members."""
    rng = np.random.default_rng(2026)
    designs_n, voters_n, scores_n = 10_000, 50_000, 1_000_000
    pairs = rng.choice(designs_n * voters_n, size=scores_n, replace=False)
    voter_ids, design_ids = pairs // designs_n + 1, pairs % designs_n + 1
    values = rng.integers(1, 6, size=scores_n)
    designs = [DesignRow(i + 1, int(rng.integers(0, 40)), i) for i in range(designs_n)]
    for attempt in range(1, 4):
        start = time.perf_counter()
        rank_designs_fast(voter_ids, design_ids, values, designs, min_scores=10)
        print(f"run {attempt}: {time.perf_counter() - start:.3f} s")


if __name__ == "__main__":
    _timing()
