"""Suspicion detection on generated contests: honest random members, one planted ring per test.

Pure functions, so no app or database: each scene is a few thousand plain rows built from a seeded
``random.Random``. The planted rings must be caught with the right category, and no honest member may
ever be flagged (NAT-sharing students, families sharing a laptop, newcomers and fans of the best artist
included).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest

from contest.voting.integrity import (
    CATEGORY_PRIORITY,
    NEW_ACCOUNT_SINGLE_ARTIST,
    OUTLIER,
    SHARED_DEVICE,
    SHARED_NETWORK,
    Flag,
    VoteRow,
    VoterRow,
    detect,
)

SUBMISSIONS_OPEN = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
VOTING_OPENS = datetime(2026, 3, 15, 9, 0, tzinfo=UTC)
VOTING_CLOSES = datetime(2026, 3, 22, 9, 0, tzinfo=UTC)
SEEDS = (1, 2, 3, 4, 5)
ARTISTS = 15
DESIGNS_PER_ARTIST = 3
HONEST_VOTERS = 300
# Big shared networks of honest members: a university /24, an office /24 and a mobile carrier /48.
NATS = {"198.51.100.0/24": 45, "203.0.113.0/24": 30, "2001:db8:7::/48": 25}
FAMILIES = 12  # pairs of honest members sharing one browser (and home network)
RINGS = ("new_accounts", "device", "network", "outliers")


@dataclass
class Scene:
    """A generated contest: rows for detect() plus the ground truth the assertions need."""

    rng: random.Random
    quality: dict[int, float]  # design_id -> true quality
    artist_of: dict[int, int]  # design_id -> artist_id
    votes: list[VoteRow] = field(default_factory=list)
    voters: list[VoterRow] = field(default_factory=list)
    honest: set[int] = field(default_factory=set)
    next_voter: int = 1
    next_score: int = 1

    def designs_of(self, artist: int) -> list[int]:
        return sorted(d for d, a in self.artist_of.items() if a == artist)

    def account(self, created_at: datetime) -> int:
        voter = self.next_voter
        self.next_voter += 1
        self.voters.append(VoterRow(voter, created_at))
        return voter

    def cast(self, voter: int, design: int, value: int, *, network: str, device: str) -> None:
        moment = VOTING_OPENS + timedelta(seconds=self.rng.randrange(7 * 24 * 3600))
        self.votes.append(
            VoteRow(self.next_score, voter, design, self.artist_of[design], value, moment, network, device)
        )
        self.next_score += 1

    def other_designs(self, artist: int) -> list[int]:
        return sorted(d for d, a in self.artist_of.items() if a != artist)

    def ranked_artists(self) -> list[int]:
        """Artists from best to worst by the mean true quality of their designs."""
        return sorted(
            set(self.artist_of.values()),
            key=lambda a: -sum(self.quality[d] for d in self.designs_of(a)),
        )


def old_account_time(rng: random.Random) -> datetime:
    return SUBMISSIONS_OPEN - timedelta(days=rng.uniform(1, 900))


def contest_time(rng: random.Random) -> datetime:
    return SUBMISSIONS_OPEN + timedelta(
        seconds=rng.randrange(int((VOTING_CLOSES - SUBMISSIONS_OPEN).total_seconds()))
    )


def random_network(rng: random.Random) -> str:
    return f"10.{rng.randrange(256)}.{rng.randrange(256)}.0/24"


def random_device(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def honest_scene(seed: int) -> Scene:
    """~300 honest members scoring random designs by true quality plus personal taste and noise."""
    rng = random.Random(seed)  # noqa: S311 - simulation, not security
    quality: dict[int, float] = {}
    artist_of: dict[int, int] = {}
    for a in range(ARTISTS):
        artist, level = 1000 + a, rng.uniform(1.8, 4.4)
        for k in range(DESIGNS_PER_ARTIST):
            design = 100 + a * DESIGNS_PER_ARTIST + k
            quality[design] = min(5.0, max(1.0, level + rng.gauss(0, 0.3)))
            artist_of[design] = artist
    scene = Scene(rng, quality, artist_of)
    nat_seats = [net for net, count in NATS.items() for _ in range(count)]
    rng.shuffle(nat_seats)
    designs = sorted(quality)
    artists = sorted(set(artist_of.values()))
    family_device: str | None = None
    family_network = ""
    for i in range(HONEST_VOTERS):
        newcomer = rng.random() < 0.15
        voter = scene.account(contest_time(rng) if newcomer else old_account_time(rng))
        scene.honest.add(voter)
        if i < 2 * FAMILIES:  # consecutive pairs share one browser and one home network
            if i % 2 == 0:
                family_device, family_network = random_device(rng), random_network(rng)
            device, home = family_device, family_network
        else:
            device, home = random_device(rng), nat_seats.pop() if nat_seats else random_network(rng)
        mobile = random_network(rng)
        leniency = rng.gauss(0, 0.35)
        taste = {a: rng.gauss(0, 0.3) for a in artists}
        count = rng.randint(8, 30) if newcomer else rng.randint(3, 30)
        for design in rng.sample(designs, count):
            raw = quality[design] + leniency + taste[artist_of[design]] + rng.gauss(0, 0.75)
            value = min(5, max(1, round(raw)))
            network = mobile if rng.random() < 0.2 else home
            scene.cast(voter, design, value, network=network, device=device)
    return scene


def plant(scene: Scene, kind: str) -> tuple[int, set[int], str]:
    """Adds one ring; returns (favoured artist, ring accounts, expected category)."""
    rng = scene.rng
    # Rings exist to lift artists who would not win on merit: pick one from the middle of the field.
    # A lone outlier has no corroboration, so it is only caught reliably when the artist it pushes is
    # clearly below the top (for contenders its 5s sit close to everyone else's scores).
    artist = rng.choice(scene.ranked_artists()[5:12] if kind == "outliers" else scene.ranked_artists()[3:12])
    theirs, others = scene.designs_of(artist), scene.other_designs(artist)
    ring: set[int] = set()
    if kind == "new_accounts":
        for _ in range(8):
            voter = scene.account(VOTING_OPENS + timedelta(hours=rng.uniform(0, 48)))
            device, network = random_device(rng), random_network(rng)
            for design in theirs:
                scene.cast(voter, design, 5, network=network, device=device)
            ring.add(voter)
        return artist, ring, NEW_ACCOUNT_SINGLE_ARTIST
    if kind == "device":
        device, network = random_device(rng), random_network(rng)
        for _ in range(5):
            ring.add(voter := scene.account(old_account_time(rng)))
            for design in theirs:
                scene.cast(voter, design, 5, network=network, device=device)
            for design in rng.sample(others, rng.randint(6, 15)):
                scene.cast(voter, design, rng.randint(1, 2), network=network, device=device)
        return artist, ring, SHARED_DEVICE
    if kind == "network":
        network = next(iter(NATS))  # hidden inside the university NAT, among 45 honest members
        for _ in range(6):
            ring.add(voter := scene.account(old_account_time(rng)))
            device = random_device(rng)
            for design in theirs:
                scene.cast(voter, design, 5, network=network, device=device)
            for design in rng.sample(others, rng.randint(6, 15)):
                scene.cast(voter, design, rng.randint(1, 2), network=network, device=device)
        return artist, ring, SHARED_NETWORK
    assert kind == "outliers"
    for _ in range(4):
        ring.add(voter := scene.account(old_account_time(rng)))
        device, network = random_device(rng), random_network(rng)
        for design in theirs:
            scene.cast(voter, design, 5, network=network, device=device)
        for design in rng.sample(others, rng.randint(10, 20)):
            scene.cast(voter, design, rng.choice((1, 1, 2)), network=network, device=device)
    return artist, ring, OUTLIER


def run(scene: Scene) -> list[Flag]:
    return detect(
        scene.votes, scene.voters, submissions_open_at=SUBMISSIONS_OPEN, voting_opens_at=VOTING_OPENS
    )


def flagged_voters(scene: Scene, flags: list[Flag]) -> set[int]:
    voter_of = {v.score_id: v.voter_id for v in scene.votes}
    return {voter_of[f.score_id] for f in flags}


@pytest.mark.parametrize("seed", SEEDS)
def test_honest_contest_has_no_flags(seed: int) -> None:
    scene = honest_scene(seed)
    assert run(scene) == []


@pytest.mark.parametrize("kind", RINGS)
def test_planted_ring_is_caught_and_nobody_else(kind: str) -> None:
    for seed in SEEDS:
        scene = honest_scene(seed)
        artist, ring, category = plant(scene, kind)
        flags = run(scene)
        expected = {v.score_id for v in scene.votes if v.voter_id in ring and v.artist_id == artist}
        assert {f.score_id for f in flags} == expected, (seed, kind)
        assert {f.category for f in flags} == {category}, (seed, kind)
        assert all(f"artist #{artist}" in f.detail for f in flags), (seed, kind)
        assert not flagged_voters(scene, flags) & scene.honest, (seed, kind)


def test_output_is_deterministic_and_independent_of_input_order() -> None:
    scene = honest_scene(7)
    for kind in RINGS:
        plant(scene, kind)
    expected = run(scene)
    assert expected == run(scene)
    assert {f.category for f in expected} >= {SHARED_DEVICE, SHARED_NETWORK, NEW_ACCOUNT_SINGLE_ARTIST}
    rng = random.Random(7)  # noqa: S311 - shuffling test input
    for _ in range(3):
        votes, voters = scene.votes[:], scene.voters[:]
        rng.shuffle(votes)
        rng.shuffle(voters)
        shuffled = detect(
            iter(votes), iter(voters), submissions_open_at=SUBMISSIONS_OPEN, voting_opens_at=VOTING_OPENS
        )
        assert shuffled == expected
    assert [f.score_id for f in expected] == sorted(f.score_id for f in expected)


def test_one_flag_per_score_with_the_strongest_category() -> None:
    """A device ring also shares a network and looks like outliers: the device category wins, once."""
    scene = honest_scene(11)
    artist, ring, _ = plant(scene, "device")
    # The same five accounts are also brand new: still one flag per score, still the device category.
    created = {v.voter_id: v for v in scene.voters}
    scene.voters = [
        replace(created[v.voter_id], created_at=VOTING_OPENS) if v.voter_id in ring else v
        for v in scene.voters
    ]
    flags = run(scene)
    assert len({f.score_id for f in flags}) == len(flags)
    assert {f.category for f in flags} == {SHARED_DEVICE}
    assert CATEGORY_PRIORITY.index(SHARED_DEVICE) < CATEGORY_PRIORITY.index(OUTLIER)
    assert all(f.detail.endswith(".") and f"artist #{artist}" in f.detail for f in flags)


def test_nat_full_of_fans_of_the_best_artist_is_not_a_ring() -> None:
    """Twenty honest students on one /24 all love the contest's best artist: nothing is flagged."""
    scene = honest_scene(3)
    best = scene.ranked_artists()[0]
    rng = scene.rng
    for _ in range(20):
        voter = scene.account(old_account_time(rng))
        scene.honest.add(voter)
        device = random_device(rng)
        for design in scene.designs_of(best):
            scene.cast(voter, design, 5, network="192.0.2.0/24", device=device)
        for design in rng.sample(scene.other_designs(best), 8):
            value = min(5, max(1, round(scene.quality[design] + rng.gauss(0, 0.75))))
            scene.cast(voter, design, value, network="192.0.2.0/24", device=device)
    assert run(scene) == []


def test_household_sharing_one_browser_without_a_favourite_is_not_a_ring() -> None:
    scene = honest_scene(4)
    rng = scene.rng
    device, network = random_device(rng), random_network(rng)
    for _ in range(4):
        voter = scene.account(old_account_time(rng))
        scene.honest.add(voter)
        for design in rng.sample(sorted(scene.quality), 12):
            value = min(5, max(1, round(scene.quality[design] + rng.gauss(0, 0.75))))
            scene.cast(voter, design, value, network=network, device=device)
    assert run(scene) == []


def test_old_single_artist_accounts_and_lukewarm_newcomers_are_not_flagged() -> None:
    rows = [
        VoteRow(1, 1, 10, 7, 5, VOTING_OPENS, "", ""),  # old account, one artist, top score
        VoteRow(2, 2, 10, 7, 3, VOTING_OPENS, "", ""),  # new account, one artist, lukewarm
        VoteRow(3, 2, 11, 7, 4, VOTING_OPENS, "", ""),
        VoteRow(4, 3, 10, 7, 5, VOTING_OPENS, "", ""),  # created before the contest: not new
        VoteRow(5, 9, 10, 7, 4, VOTING_OPENS, "", ""),  # unknown account: treated as old
    ]
    voters = [
        VoterRow(1, SUBMISSIONS_OPEN - timedelta(days=40)),
        VoterRow(2, SUBMISSIONS_OPEN + timedelta(days=2)),
        VoterRow(3, SUBMISSIONS_OPEN),
    ]
    assert detect(rows, voters, submissions_open_at=SUBMISSIONS_OPEN, voting_opens_at=VOTING_OPENS) == []


def test_new_account_single_artist_accepts_naive_datetimes() -> None:
    """SQLite hands back naive UTC datetimes; they compare with aware ones without raising."""
    naive_open = SUBMISSIONS_OPEN.replace(tzinfo=None)
    rows = [VoteRow(1, 1, 10, 7, 5, VOTING_OPENS, "", ""), VoteRow(2, 1, 11, 7, 4, VOTING_OPENS, "", "")]
    voters = [VoterRow(1, (VOTING_OPENS + timedelta(hours=1)).replace(tzinfo=None))]
    flags = detect(rows, voters, submissions_open_at=naive_open, voting_opens_at=VOTING_OPENS)
    assert [(f.score_id, f.category) for f in flags] == [
        (1, NEW_ACCOUNT_SINGLE_ARTIST),
        (2, NEW_ACCOUNT_SINGLE_ARTIST),
    ]
    assert "after voting opened" in flags[0].detail
    assert "artist #7" in flags[0].detail


def test_no_votes_no_flags() -> None:
    assert detect([], [], submissions_open_at=SUBMISSIONS_OPEN, voting_opens_at=VOTING_OPENS) == []
