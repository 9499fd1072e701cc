"""Suspicious-score detection for a contest's voting phase, as pure functions over plain rows.

No Flask, no database, no I/O: the caller loads the rows, calls :func:`detect` and records one
``ScoreExclusion`` per returned :class:`Flag`. Pure so the rules can be tested on generated contests and
re-run on demand with identical results (the output depends only on the data, never on row order).

Every signal looks at one (voter, artist) pair: how a member scored one artist's designs compared with
how they scored everybody else. A flag always excludes exactly that member's scores for that artist,
never their other scores. Raw means alone would punish honest taste (everyone rates the best artist
high), so the comparisons that matter use *residuals*: a score minus the consensus on that design (the
mean of the other members' scores for it). An honest fan of the contest favourite has residuals near
zero; a ring pushing a middling artist has large positive residuals on that artist and negative ones
on the rivals it marks down.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter

import numpy as np
import numpy.typing as npt

NEW_ACCOUNT_SINGLE_ARTIST = "new_account_single_artist"
SHARED_NETWORK = "shared_network"
SHARED_DEVICE = "shared_device"
OUTLIER = "outlier"

# When several signals hit one score, the first category here wins: evidence that several accounts
# are steered together (one browser, then one network plus identical favouritism) before evidence about
# a single account's behaviour, and the purely statistical outlier last.
CATEGORY_PRIORITY = (SHARED_DEVICE, SHARED_NETWORK, NEW_ACCOUNT_SINGLE_ARTIST, OUTLIER)

# --- consensus ---------------------------------------------------------------------------------------
# A score's consensus is the mean of the *other* members' scores for the design (so a voter never pulls
# it towards themselves), shrunk towards the contest mean by this many pseudo-scores so that a design
# with two or three scores does not make every score on it look extreme.
CONSENSUS_PRIOR_SCORES = 3.0

# --- how unusual a (voter, artist) pair is, relative to this contest -----------------------------------
# The evidence of favouritism is the residual gap divided by sqrt(1/n_artist + 1/n_other): a 3-point gap
# over 3 + 15 scores means far more than over 1 + 2. It is then centred and scaled by the median and
# MAD (x 1.4826, the standard deviation of a normal sample) of all comparable pairs of the contest, so
# thresholds adapt to how noisy its honest members are, and a few rings cannot move them.
MAD_TO_SD = 1.4826
# A comparable pair has at least this many scores on the artist's designs and on other artists' designs.
COMPARABLE_ARTIST_SCORES = 2
COMPARABLE_OTHER_SCORES = 3
# Integer 1-5 scores cannot be judged finer than half a point: the estimated spread never goes below.
MIN_SPREAD = 0.5
# Below this many comparable pairs the median and MAD are noise; 0 and MIN_SPREAD are used instead.
MIN_PAIRS_FOR_SPREAD = 30

# --- 1. new account, single artist -------------------------------------------------------------------
# "Top" scores: every score at least this value, or a mean at least NEW_ACCOUNT_MIN_MEAN (which lets
# one 3 among several 5s through: 5, 5, 5, 3 is still a friend's ballot).
NEW_ACCOUNT_MIN_VALUE = 4
NEW_ACCOUNT_MIN_MEAN = 4.5

# --- 2. clusters on one device or one network ----------------------------------------------------------
# A ring needs at least this many accounts favouring the same artist from one device or one network.
# Two is a couple sharing a laptop or a flat; three is where households get rare and rings begin.
CLUSTER_MIN_ACCOUNTS = 3
# A member judges an artist on at least two of their designs (or all, if the artist has one): a single
# 5 against a few low scores is everyday noise, and ring members score every design of their artist.
CLUSTER_MIN_ARTIST_SCORES = 2
# One browser cookie behind three accounts is strong evidence by itself, so a device member "favours"
# an artist on looser terms: mean >= 4.0, at least 1 point above their other scores both raw and beyond
# each design's consensus, and DEVICE_MIN_Z robust deviations above the contest's typical pair. A
# household sharing one laptop is protected by needing three accounts that favour the *same* artist.
DEVICE_MIN_MEAN = 4.0
DEVICE_MIN_GAP = 1.0
DEVICE_MIN_Z = 2.0
# A /24 or /48 can be a university or office NAT with hundreds of honest members, so a network member
# must favour the artist clearly: mean >= 4.5, 1.5 points above their other scores (raw and beyond
# consensus) and NETWORK_MIN_Z deviations above typical. The consensus test is what protects a NAT full
# of honest fans of the contest's best artist: everyone rates those designs high, so their 5s are not
# "beyond consensus" at all. At 3.0, about 1 generated contest in 150 swept one mildly enthusiastic
# honest member into a ring on the same NAT; at 3.5 none in 500 did. Members who scored nobody but this
# artist (at the mean above) count as favouring it: there is nothing to compare them with.
NETWORK_MIN_MEAN = 4.5
NETWORK_MIN_GAP = 1.5
NETWORK_MIN_Z = 3.5

# --- 3. outlier ----------------------------------------------------------------------------------------
# A lone account has no corroboration: its raw gap (mean for the artist - mean for the others) must reach
# 2 points, its gap beyond consensus 1.5 points, and its evidence OUTLIER_MIN_Z robust deviations above
# the contest's typical comparable pair. On 1,000 contests from the tests' generator (300 honest members
# with personal taste per artist) the most extreme honest pair reached 4.6; 5.0 keeps a margin and
# still catches 99% of lone accounts pushing a mid-table artist (a third of those pushing a contender,
# whose 5s are barely above consensus; rings of several accounts are caught by the cluster signals).
OUTLIER_MIN_GAP = 2.0
OUTLIER_MIN_BEYOND_CONSENSUS = 1.5
OUTLIER_MIN_Z = 5.0


@dataclass(frozen=True, slots=True)
class VoteRow:
    """One non-null score (Score.value IS NOT NULL) with the design's artist and the request context.

    ``cast_at`` is carried for staff tooling and future timing signals; no current signal reads it.
    """

    score_id: int
    voter_id: int
    design_id: int
    artist_id: int
    value: int
    cast_at: datetime
    ip_prefix: str
    device_id: str


@dataclass(frozen=True, slots=True)
class VoterRow:
    """When a voting account was created (accounts missing here are treated as long-standing)."""

    voter_id: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Flag:
    """One score to exclude: its category (ScoreExclusion.category) and a sentence for staff only."""

    score_id: int
    category: str
    detail: str


@dataclass(slots=True)
class Pairs:
    """Per (voter, artist) pair statistics, plus the per-score arrays the cluster signals group on.

    Arrays documented "per pair" are indexed by pair; ``score_*`` arrays by score, in score_id order.
    """

    voter_ids: npt.NDArray[np.int64]  # voter index -> voter_id
    artist_ids: npt.NDArray[np.int64]  # artist index -> artist_id
    pair_voter: npt.NDArray[np.int64]  # per pair: voter index
    pair_artist: npt.NDArray[np.int64]  # per pair: artist index
    n_artist: npt.NDArray[np.int64]  # per pair: the voter's scores for the artist's designs
    artist_designs: npt.NDArray[np.int64]  # per pair: how many of the artist's designs anybody scored
    mean_artist: npt.NDArray[np.float64]  # per pair
    low_artist: npt.NDArray[np.int64]  # per pair: scores for the artist below NEW_ACCOUNT_MIN_VALUE
    n_other: npt.NDArray[np.int64]  # per pair: the voter's scores for other artists' designs
    mean_other: npt.NDArray[np.float64]  # per pair; NaN when n_other == 0 (as are the three below)
    gap: npt.NDArray[np.float64]  # per pair: mean_artist - mean_other, raw points
    beyond: npt.NDArray[np.float64]  # per pair: the same gap on residuals (score - design consensus)
    z: npt.NDArray[np.float64]  # per pair: robust z-score of the evidence (see MAD_TO_SD above)
    score_ids: npt.NDArray[np.int64]
    score_pair: npt.NDArray[np.int64]
    score_voter: npt.NDArray[np.int64]
    score_network: npt.NDArray[np.int64]  # code into network_labels
    score_device: npt.NDArray[np.int64]  # code into device_labels
    network_labels: list[str]
    device_labels: list[str]

    @property
    def comparable(self) -> npt.NDArray[np.bool_]:
        """Pairs with enough scores on both sides for their gap to mean something."""
        return (self.n_artist >= COMPARABLE_ARTIST_SCORES) & (self.n_other >= COMPARABLE_OTHER_SCORES)


def _factorize(values: Iterable[str], count: int) -> tuple[npt.NDArray[np.int64], list[str]]:
    """Strings to integer codes (grouping only; codes follow input order, labels break ties)."""
    strings = list(values)
    labels = list(dict.fromkeys(strings))
    index = {label: code for code, label in enumerate(labels)}
    return np.fromiter(map(index.__getitem__, strings), dtype=np.int64, count=count), labels


def robust_z(evidence: npt.NDArray[np.float64], comparable: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
    """(evidence - median) / (1.4826 MAD), both taken over the comparable pairs of this contest."""
    sample = evidence[comparable]
    if sample.size < MIN_PAIRS_FOR_SPREAD:
        return evidence / MIN_SPREAD
    center = float(np.median(sample))
    spread = max(float(np.median(np.abs(sample - center))) * MAD_TO_SD, MIN_SPREAD)
    return (evidence - center) / spread


def tabulate(votes: Iterable[VoteRow]) -> Pairs | None:
    """Columnar, score_id-ordered view of the votes and the per-pair statistics (None if no votes).

    Sorting by score_id first makes every float sum, and so every result, independent of input order.
    """
    rows = votes if isinstance(votes, Sequence) else list(votes)
    n = len(rows)
    if n == 0:
        return None

    def ints(name: str) -> npt.NDArray[np.int64]:
        return np.fromiter(map(attrgetter(name), rows), dtype=np.int64, count=n)

    score_ids, voters, designs, artists, values = (
        ints(name) for name in ("score_id", "voter_id", "design_id", "artist_id", "value")
    )
    networks, network_labels = _factorize(map(attrgetter("ip_prefix"), rows), n)
    devices, device_labels = _factorize(map(attrgetter("device_id"), rows), n)
    order = np.argsort(score_ids, kind="stable")
    score_ids, voters, designs, artists, networks, devices, values = (
        a[order] for a in (score_ids, voters, designs, artists, networks, devices, values)
    )
    value = values.astype(np.float64)

    voter_ids, vi = np.unique(voters, return_inverse=True)
    artist_ids, ai = np.unique(artists, return_inverse=True)
    design_keys, di = np.unique(designs, return_inverse=True)
    n_artists = len(artist_ids)

    # Leave-one-out consensus: the other members' mean on the design, shrunk towards the contest mean.
    design_sum = np.bincount(di, weights=value)
    design_n = np.bincount(di).astype(np.float64)
    prior = CONSENSUS_PRIOR_SCORES
    consensus = (design_sum[di] - value + prior * value.mean()) / (design_n[di] - 1.0 + prior)
    residual = value - consensus

    design_artist = np.zeros(len(design_keys), dtype=np.int64)
    design_artist[di] = ai
    designs_per_artist = np.bincount(design_artist, minlength=n_artists)
    pair_keys, pi = np.unique(vi * n_artists + ai, return_inverse=True)
    pair_voter, pair_artist = pair_keys // n_artists, pair_keys % n_artists
    n_pair = np.bincount(pi)
    sum_pair = np.bincount(pi, weights=value)
    res_pair = np.bincount(pi, weights=residual)
    low_pair = np.bincount(pi, weights=values < NEW_ACCOUNT_MIN_VALUE).astype(np.int64)
    n_voter = np.bincount(vi)
    sum_voter = np.bincount(vi, weights=value)
    res_voter = np.bincount(vi, weights=residual)

    n_other = n_voter[pair_voter] - n_pair
    has_other = n_other > 0
    other_div = np.where(has_other, n_other, 1)
    mean_artist = sum_pair / n_pair
    mean_other = np.where(has_other, (sum_voter[pair_voter] - sum_pair) / other_div, np.nan)
    beyond = res_pair / n_pair - np.where(has_other, (res_voter[pair_voter] - res_pair) / other_div, np.nan)
    evidence = beyond / np.sqrt(1.0 / n_pair + 1.0 / other_div)
    comparable = (n_pair >= COMPARABLE_ARTIST_SCORES) & (n_other >= COMPARABLE_OTHER_SCORES)
    return Pairs(
        voter_ids=voter_ids,
        artist_ids=artist_ids,
        pair_voter=pair_voter,
        pair_artist=pair_artist,
        n_artist=n_pair,
        artist_designs=designs_per_artist[pair_artist],
        mean_artist=mean_artist,
        low_artist=low_pair,
        n_other=n_other,
        mean_other=mean_other,
        gap=mean_artist - mean_other,
        beyond=beyond,
        z=robust_z(evidence, comparable),
        score_ids=score_ids,
        score_pair=pi,
        score_voter=vi,
        score_network=networks,
        score_device=devices,
        network_labels=network_labels,
        device_labels=device_labels,
    )


def _as_utc(moment: datetime) -> datetime:
    """Naive datetimes (SQLite) are UTC in this project; makes them comparable with aware ones."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _artist(pairs: Pairs, pair: int) -> str:
    return f"artist #{int(pairs.artist_ids[pairs.pair_artist[pair]])}"


def _average(pairs: Pairs, pair: int) -> str:
    n_a = int(pairs.n_artist[pair])
    return f"{float(pairs.mean_artist[pair]):.1f} average over {n_a} design{'s' if n_a != 1 else ''}"


def _comparison(pairs: Pairs, pair: int) -> str:
    """How the member scored the artist against everyone else, in points staff can check by hand."""
    n_o = int(pairs.n_other[pair])
    if n_o == 0:
        return f"{_average(pairs, pair)} and no other artist scored"
    return (
        f"{_average(pairs, pair)} vs {float(pairs.mean_other[pair]):.1f} over {n_o} other "
        f"score{'s' if n_o != 1 else ''} ({float(pairs.beyond[pair]):+.1f} beyond other members' scores "
        f"for the same designs, {float(pairs.z[pair]):.1f} robust SDs above this contest's typical voter)"
    )


def new_account_single_artist(
    pairs: Pairs,
    voters: Iterable[VoterRow],
    *,
    submissions_open_at: datetime,
    voting_opens_at: datetime,
) -> dict[int, str]:
    """Accounts created after submissions opened whose every score went, at the top, to one artist.

    The friends-and-family pattern: an artist shares a link and people sign up just to push them.
    Honest newcomers who browse the gallery score several artists and are untouched.
    """
    opened, voting = _as_utc(submissions_open_at), _as_utc(voting_opens_at)
    top = (pairs.low_artist == 0) | (pairs.mean_artist >= NEW_ACCOUNT_MIN_MEAN)
    candidates = np.flatnonzero((pairs.n_other == 0) & top)
    if candidates.size == 0:
        return {}
    joined = {row.voter_id: _as_utc(row.created_at) for row in voters}
    found: dict[int, str] = {}
    for pair in candidates.tolist():
        created = joined.get(int(pairs.voter_ids[pairs.pair_voter[pair]]))
        if created is None or created <= opened:
            continue
        when = "after voting opened" if created >= voting else "while submissions were open"
        found[pair] = f"Account created {when} scored only {_artist(pairs, pair)}: {_average(pairs, pair)}."
    return found


def favours(pairs: Pairs, *, min_mean: float, min_gap: float, min_z: float) -> npt.NDArray[np.bool_]:
    """Pairs where the member rates the artist at the top and clearly above everyone else they scored."""
    covered = pairs.n_artist >= np.minimum(CLUSTER_MIN_ARTIST_SCORES, pairs.artist_designs)
    with np.errstate(invalid="ignore"):  # NaN (nobody else scored) compares False
        above = (pairs.gap >= min_gap) & (pairs.beyond >= min_gap) & (pairs.z >= min_z)
    return covered & (pairs.mean_artist >= min_mean) & ((pairs.n_other == 0) | above)


def shared_cluster(
    pairs: Pairs,
    score_cluster: npt.NDArray[np.int64],
    labels: list[str],
    favouring: npt.NDArray[np.bool_],
    *,
    what: str,
) -> dict[int, str]:
    """Favouring pairs whose voter shares a device/network with enough others favouring the same artist.

    A member belongs to every cluster any of their scores came from; an empty label (unknown) is none.
    Only the favouring members' pairs for the favoured artist are returned, never their other scores.
    """
    fav = np.flatnonzero(favouring)
    if fav.size == 0:
        return {}
    known = np.array([label != "" for label in labels], dtype=bool)[score_cluster]
    n_voters = len(pairs.voter_ids)
    members = np.unique(score_cluster[known] * n_voters + pairs.score_voter[known])
    member_cluster, member_voter = members // n_voters, members % n_voters
    cluster_size = np.bincount(member_cluster, minlength=len(labels))
    # Join each favouring pair to every cluster of its voter (a vectorised merge on the voter index).
    by_voter = np.argsort(member_voter, kind="stable")
    fav_voter = pairs.pair_voter[fav]
    left = np.searchsorted(member_voter[by_voter], fav_voter, side="left")
    counts = np.searchsorted(member_voter[by_voter], fav_voter, side="right") - left
    which = np.repeat(np.arange(fav.size), counts)
    offsets = np.arange(which.size) - np.repeat(np.cumsum(counts) - counts, counts)
    cluster = member_cluster[by_voter[np.repeat(left, counts) + offsets]]
    pair = fav[which]
    _, group, ring_sizes = np.unique(
        cluster * len(pairs.artist_ids) + pairs.pair_artist[pair], return_inverse=True, return_counts=True
    )
    ring = ring_sizes[group]
    # A pair in several qualifying clusters is reported with the largest ring, then the smallest label.
    best: dict[int, tuple[int, str, int]] = {}
    for p, c, size in zip(pair.tolist(), cluster.tolist(), ring.tolist(), strict=True):
        if size < CLUSTER_MIN_ACCOUNTS:
            continue
        current = best.get(p)
        if current is None or (-size, labels[c]) < (-current[0], current[1]):
            best[p] = (size, labels[c], int(cluster_size[c]))
    found: dict[int, str] = {}
    for p, (size, label, seen) in best.items():
        shown = f"{label[:12]}..." if what == "device" and len(label) > 12 else label
        found[p] = (
            f"One of {size} accounts on {what} {shown} ({seen} scored from it) favouring "
            f"{_artist(pairs, p)}: {_comparison(pairs, p)}."
        )
    return found


def shared_device(pairs: Pairs) -> dict[int, str]:
    """Several accounts in one browser pushing one artist: the cheapest ring there is."""
    favouring = favours(pairs, min_mean=DEVICE_MIN_MEAN, min_gap=DEVICE_MIN_GAP, min_z=DEVICE_MIN_Z)
    return shared_cluster(pairs, pairs.score_device, pairs.device_labels, favouring, what="device")


def shared_network(pairs: Pairs) -> dict[int, str]:
    """Several accounts on one /24 or /48 favouring one artist alike (a shared NAT alone is never enough)."""
    favouring = favours(pairs, min_mean=NETWORK_MIN_MEAN, min_gap=NETWORK_MIN_GAP, min_z=NETWORK_MIN_Z)
    return shared_cluster(pairs, pairs.score_network, pairs.network_labels, favouring, what="network")


def outliers(pairs: Pairs) -> dict[int, str]:
    """A lone account scoring one artist far above everyone else, further than honest members ever do."""
    with np.errstate(invalid="ignore"):
        hit = (
            pairs.comparable
            & (pairs.gap >= OUTLIER_MIN_GAP)
            & (pairs.beyond >= OUTLIER_MIN_BEYOND_CONSENSUS)
            & (pairs.z >= OUTLIER_MIN_Z)
        )
    return {
        pair: f"Scored {_artist(pairs, pair)} far above all others: {_comparison(pairs, pair)}."
        for pair in np.flatnonzero(hit).tolist()
    }


def detect(
    votes: Iterable[VoteRow],
    voters: Iterable[VoterRow],
    *,
    submissions_open_at: datetime,
    voting_opens_at: datetime,
) -> list[Flag]:
    """Every score to exclude, one Flag each, in score_id order; the same for any order of the input.

    ``votes``: the contest's scores that have a value; ``voters``: creation times of the voters.
    """
    pairs = tabulate(votes)
    if pairs is None:
        return []
    found = {
        SHARED_DEVICE: shared_device(pairs),
        SHARED_NETWORK: shared_network(pairs),
        NEW_ACCOUNT_SINGLE_ARTIST: new_account_single_artist(
            pairs, voters, submissions_open_at=submissions_open_at, voting_opens_at=voting_opens_at
        ),
        OUTLIER: outliers(pairs),
    }
    chosen: dict[int, tuple[str, str]] = {}
    for category in CATEGORY_PRIORITY:
        for pair, detail in found[category].items():
            chosen.setdefault(pair, (category, detail))
    if not chosen:
        return []
    flagged = np.zeros(len(pairs.pair_voter), dtype=bool)
    flagged[list(chosen)] = True
    return [
        Flag(int(pairs.score_ids[i]), *chosen[int(pairs.score_pair[i])])
        for i in np.flatnonzero(flagged[pairs.score_pair]).tolist()
    ]
