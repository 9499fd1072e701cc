"""How a contest's designs are ranked: the published method ("How scoring works"), as pure functions.

In plain words:

1. Every member's *usual vote* is the average of their scores in this contest together with C imaginary
   3s, so a member who has cast only a few scores is not over-corrected: u = (sum + 3C) / (count + C).
2. Each score is re-read on its member's own scale: their usual vote counts as a 3, a 5 stays 5 and a 1
   stays 1, and the values in between are stretched evenly.  A generous member's 4 and a harsh member's
   3 thus become comparable, while a 5 is always the best vote anyone can give::

       adjusted = 5 - 2 * (5 - value) / (5 - u)   if value >= u
       adjusted = 1 + 2 * (value - 1) / (u - 1)   if value <  u

3. A design's final score is the average of its adjusted scores together with C imaginary 3s (a Bayesian
   average): final = (3C + sum of adjusted) / (C + count).  A design with few scores stays close to 3, the
   score of an average vote, until enough members agree.  The final score is rounded to 6 decimals.
4. Designs with at least ``min_scores`` scores qualify and come first.  Equal final scores are ordered by
   "I'd buy this" count (more first), then by earlier submission, then by design number.

Why a 5 can never hurt the design it is given to (property checked by tests/voting/test_ranking.py).
Members score a design at most once, so say member v gives a 5 to design d that v had not scored:
  (a) v's usual vote u_v cannot fall: (sum + 5 + 3C) / (count + 1 + C) >= u_v because 5 >= u_v.  Nobody
      else's usual vote changes: it depends only on their own scores and the fixed 3, never on the
      contest's average (which is why we do not pull towards the contest's raw mean, see (d)).
  (b) For a fixed value, ``adjusted`` never rises when u rises (both branches decrease in u and meet at 3),
      so v's scores of other designs can only go down, and every other design's final score can only
      go down (its count is unchanged).
  (c) Design d keeps its other adjusted scores and gains a 5.  Its final score is an average of numbers
      that are all at most 5, so adding a 5 cannot lower it: (3C + S + 5) / (C + n + 1) >= (3C + S) / (C + n)
      because 5 (C + n) >= 3C + S.
  (d) Rounding to 6 decimals keeps order; buy counts, submission order and ids do not change; d may become
      qualified (moving up) and nobody else's qualification changes.  So no design that ranked below d can
      overtake it.  (A pull towards the contest's raw mean would move every design at every vote; with
      a z-score instead of step 2, a generous member's 5 counts below a harsh member's 5, and a 5 could
      lower a design's score.)

The arithmetic never divides by zero: 5 - u >= 2C / (count + C) > 0 and u - 1 > 0 whenever C > 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike

PRIOR_WEIGHT_DEFAULT = 5.0  # C: imaginary 3s given to every design and to every member's usual vote
CENTRE = 3  # the score of an average vote, where designs with few scores start
DECIMALS = 6  # final scores are rounded (half up) to this many decimals before ranking


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """One member's 1-5 score of one design (buy-only rows, with no value, are not scores)."""

    voter_id: int
    design_id: int
    value: int


@dataclass(frozen=True, slots=True)
class DesignRow:
    """A design to rank, with what the tie-breaks need."""

    design_id: int
    buy_count: int
    submitted_order: int


@dataclass(frozen=True, slots=True)
class RankedDesign:
    """A design's place in the results and the numbers behind it (means are None without scores)."""

    design_id: int
    rank: int
    final_score: float
    mean_raw: float | None
    normalised_mean: float | None
    score_count: int
    buy_count: int
    qualified: bool


@dataclass(frozen=True, slots=True)
class VoteLine:
    """One score in a worked example: the member's usual vote and what the score counts as."""

    voter_id: int
    value: int
    voter_score_count: int
    voter_mean_raw: float
    voter_mean_used: float
    adjusted: float


@dataclass(frozen=True, slots=True)
class WorkedExample:
    """Every intermediate number for one design, for the public "How scoring works" page.

    ``contest_mean_raw`` is shown for context only: designs are pulled towards ``centre``, not towards it.
    """

    design_id: int
    prior_weight: float
    centre: int
    contest_mean_raw: float | None
    votes: tuple[VoteLine, ...]
    score_count: int
    mean_raw: float | None
    normalised_mean: float | None
    final_score: float


def _weight(prior_weight: float | None) -> float:
    weight = PRIOR_WEIGHT_DEFAULT if prior_weight is None else float(prior_weight)
    if not 0 < weight < math.inf:
        raise ValueError("prior_weight must be a positive, finite number")
    return weight


def _check_min_scores(min_scores: int) -> None:
    if min_scores < 0:
        raise ValueError("min_scores must not be negative")


def _adjusted(value: int, count: int, total: int, weight: Fraction) -> Fraction:
    """Step 2, exactly; 5 - u and u - 1 are written so that they are visibly positive."""
    above = (5 * count - total + 2 * weight) / (count + weight)  # 5 - u
    below = (total - count + 2 * weight) / (count + weight)  # u - 1
    return 5 - 2 * (5 - value) / above if 5 - value <= above else 1 + 2 * (value - 1) / below


def _voters(rows: list[ScoreRow]) -> dict[int, tuple[int, int]]:
    """Each member's (count, sum) of scores; rejects impossible values and repeated (member, design)."""
    voters: dict[int, tuple[int, int]] = {}
    seen: set[tuple[int, int]] = set()
    for row in rows:
        if not 1 <= row.value <= 5:
            raise ValueError(f"score value {row.value!r} is not between 1 and 5")
        if (row.voter_id, row.design_id) in seen:
            raise ValueError(f"member {row.voter_id} scored design {row.design_id} twice")
        seen.add((row.voter_id, row.design_id))
        count, total = voters.get(row.voter_id, (0, 0))
        voters[row.voter_id] = (count + 1, total + row.value)
    return voters


def _final_key(deviation_sum: Fraction, count: int, weight: Fraction) -> int:
    """Step 3 rounded half up to DECIMALS, as an integer so that equal scores are exactly equal."""
    final = CENTRE + deviation_sum / (weight + count)
    return math.floor(final * 10**DECIMALS + Fraction(1, 2))


def _ranked(
    designs: list[DesignRow],
    keys: list[int],
    counts: list[int],
    raw_means: list[float | None],
    normalised_means: list[float | None],
    min_scores: int,
) -> list[RankedDesign]:
    """Step 4: qualified first, then final score, buy count, submission, design id."""
    order = sorted(
        range(len(designs)),
        key=lambda i: (
            counts[i] < min_scores,
            -keys[i],
            -designs[i].buy_count,
            designs[i].submitted_order,
            designs[i].design_id,
        ),
    )
    return [
        RankedDesign(
            design_id=designs[i].design_id,
            rank=rank,
            final_score=keys[i] / 10**DECIMALS,
            mean_raw=raw_means[i],
            normalised_mean=normalised_means[i],
            score_count=counts[i],
            buy_count=designs[i].buy_count,
            qualified=counts[i] >= min_scores,
        )
        for rank, i in enumerate(order, start=1)
    ]


def _unique_designs(designs: Iterable[DesignRow]) -> list[DesignRow]:
    listed = list(designs)
    if len({d.design_id for d in listed}) != len(listed):
        raise ValueError("a design is listed twice")
    return listed


def rank_designs(
    scores: Iterable[ScoreRow],
    designs: Iterable[DesignRow],
    *,
    min_scores: int,
    prior_weight: float | None = None,
) -> list[RankedDesign]:
    """The reference ranking, in exact arithmetic so that ties are true ties and order never matters.

    Scores of designs that are not listed still count towards their member's usual vote (they are real
    votes) but are not ranked.  Use ``rank_designs_fast`` for large contests; both give the same result.
    """
    _check_min_scores(min_scores)
    weight = Fraction(_weight(prior_weight))
    rows = list(scores)
    voters = _voters(rows)
    sums: dict[int, tuple[int, int, Fraction]] = {}  # design -> (count, raw sum, sum of adjusted - 3)
    for row in rows:
        count, raw, deviation = sums.get(row.design_id, (0, 0, Fraction(0)))
        adjusted = _adjusted(row.value, *voters[row.voter_id], weight)
        sums[row.design_id] = (count + 1, raw + row.value, deviation + adjusted - CENTRE)
    listed = _unique_designs(designs)
    keys, counts, raw_means, normalised_means = [], [], [], []
    for design in listed:
        count, raw, deviation = sums.get(design.design_id, (0, 0, Fraction(0)))
        keys.append(_final_key(deviation, count, weight))
        counts.append(count)
        raw_means.append(raw / count if count else None)
        normalised_means.append(float(CENTRE + deviation / count) if count else None)
    return _ranked(listed, keys, counts, raw_means, normalised_means, min_scores)


def _dense(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(ids, return_inverse=True)``, in linear time when the ids are not too sparse."""
    if ids.size == 0 or int(ids.max()) - int(ids.min()) > 4 * ids.size + 1_000_000:
        return np.unique(ids, return_inverse=True)
    offset = ids - ids.min()
    present = np.zeros(int(offset.max()) + 1, dtype=bool)
    present[offset] = True
    return np.flatnonzero(present) + ids.min(), (np.cumsum(present) - 1)[offset]


def rank_designs_fast(
    voter_ids: ArrayLike,
    design_ids: ArrayLike,
    values: ArrayLike,
    designs: Iterable[DesignRow],
    *,
    min_scores: int,
    prior_weight: float | None = None,
) -> list[RankedDesign]:
    """``rank_designs`` vectorised with numpy, for big contests: one array entry per score.

    Same results as the reference (final scores are rounded to 6 decimals, so floating-point noise cannot
    reorder designs); 1,000,000 scores take well under half a second.
    """
    _check_min_scores(min_scores)
    weight = _weight(prior_weight)
    voter = np.asarray(voter_ids, dtype=np.int64)
    design = np.asarray(design_ids, dtype=np.int64)
    value = np.asarray(values, dtype=np.int64)
    if not voter.shape == design.shape == value.shape or voter.ndim != 1:
        raise ValueError("voter_ids, design_ids and values must be 1-D and of equal length")
    if value.size and (value.min() < 1 or value.max() > 5):
        raise ValueError("score values must be between 1 and 5")
    voter_keys, voter_index = _dense(voter)
    design_keys, design_index = _dense(design)
    pairs = np.sort(voter_index * len(design_keys) + design_index)
    if np.any(pairs[1:] == pairs[:-1]):
        raise ValueError("a member scored the same design twice")

    # Steps 1 and 2, per member then per score.
    count = np.bincount(voter_index, minlength=len(voter_keys)).astype(np.float64)
    total = np.bincount(voter_index, weights=value, minlength=len(voter_keys))
    above = ((5 * count - total + 2 * weight) / (count + weight))[voter_index]  # 5 - u
    below = ((total - count + 2 * weight) / (count + weight))[voter_index]  # u - 1
    upper = 5 - value <= above
    adjusted = np.where(
        upper,
        5 - 2 * (5 - value) / np.where(upper, above, 1),
        1 + 2 * (value - 1) / np.where(upper, 1, below),
    )

    # Step 3, per design; scores of designs that are not listed only shaped their members' usual votes.
    listed = _unique_designs(designs)
    ids = np.fromiter((d.design_id for d in listed), dtype=np.int64, count=len(listed))
    slot = np.searchsorted(design_keys, ids)
    found = slot < len(design_keys)
    found[found] = design_keys[slot[found]] == ids[found]
    n = np.bincount(design_index, minlength=len(design_keys))
    raw = np.bincount(design_index, weights=value, minlength=len(design_keys))
    deviation = np.bincount(design_index, weights=adjusted - CENTRE, minlength=len(design_keys))
    gather = np.where(found, slot, len(design_keys))  # unscored designs read the appended zero
    n, raw, deviation = (np.append(a, 0)[gather] for a in (n, raw, deviation))
    final = CENTRE + deviation / (weight + n)
    keys = np.floor(final * 10**DECIMALS + 0.5).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        raw_mean = np.where(n > 0, raw / np.maximum(n, 1), np.nan)
        normalised_mean = np.where(n > 0, CENTRE + deviation / np.maximum(n, 1), np.nan)

    def optional(column: np.ndarray) -> list[float | None]:
        return [None if math.isnan(x) else x for x in column.tolist()]

    return _ranked(
        listed, keys.tolist(), n.tolist(), optional(raw_mean), optional(normalised_mean), min_scores
    )


def explain(
    scores: Iterable[ScoreRow], design_id: int, *, prior_weight: float | None = None
) -> WorkedExample:
    """The worked example for one design, from real scores.

    Pass the contest's scores (at least every score cast by the members who scored this design, since
    their usual votes depend on them); the final score is the one ``rank_designs`` publishes.
    """
    weight = Fraction(_weight(prior_weight))
    rows = list(scores)
    voters = _voters(rows)
    mine = sorted((r for r in rows if r.design_id == design_id), key=lambda r: r.voter_id)
    votes = []
    for row in mine:
        count, total = voters[row.voter_id]
        votes.append(
            VoteLine(
                voter_id=row.voter_id,
                value=row.value,
                voter_score_count=count,
                voter_mean_raw=total / count,
                voter_mean_used=float((total + CENTRE * weight) / (count + weight)),
                adjusted=float(_adjusted(row.value, count, total, weight)),
            )
        )
    deviation = sum((_adjusted(r.value, *voters[r.voter_id], weight) - CENTRE for r in mine), Fraction(0))
    n = len(mine)
    return WorkedExample(
        design_id=design_id,
        prior_weight=float(weight),
        centre=CENTRE,
        contest_mean_raw=sum(r.value for r in rows) / len(rows) if rows else None,
        votes=tuple(votes),
        score_count=n,
        mean_raw=sum(r.value for r in mine) / n if n else None,
        normalised_mean=float(CENTRE + deviation / n) if n else None,
        final_score=_final_key(deviation, n, weight) / 10**DECIMALS,
    )
