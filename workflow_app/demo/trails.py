"""Audit trails the nomination machine could have produced, without running it: for the large
benchmark data set (``seed-scale``), where firing 400,000 transitions one by one would take hours.

A trail is a list of steps ``(event, from_state, to_state, actor)``; ``actor`` names who acts
(``chair``, ``admin``, ``system`` or a review level). Tests replay every trail through
``states.nomination.TRANSITIONS`` and the moves open to the nomination's review chain."""

from __future__ import annotations

import random

from states.nomination import REVIEW_STATE

Step = tuple[str, str, str, str]

# How often each state occurs in the data set (weights, not percentages).
STATE_WEIGHTS = {
    "draft": 5, "branch_review": 9, "township_review": 9, "county_review": 9, "public_notice": 5,
    "approved": 8, "certified": 25, "returned": 6, "rejected": 12, "withdrawn": 6, "revoked": 2,
}
# States a nomination of a closed (earlier) campaign can still be in.
SETTLED = ("approved", "certified", "rejected", "withdrawn", "revoked")


def trail(chain: list[str], target: str, rng: random.Random, resubmitted: bool = False) -> list[Step]:
    """A plausible history from ``draft`` to ``target`` for a nomination reviewed by ``chain``
    (bottom-up levels, e.g. ``["branch", "county"]`` for a county-direct unit). ``resubmitted``
    adds a return for revision and a second submission on the way."""
    reviews = [REVIEW_STATE[level] for level in chain]
    steps: list[Step] = []
    state = "draft"

    def go(event: str, to: str, actor: str) -> None:
        nonlocal state
        steps.append((event, state, to, actor))
        state = to

    def climb(top: int) -> None:
        """Submit, then approve level by level until the review at ``chain[top]``."""
        go("submit", reviews[0], "chair")
        for index in range(1, top + 1):
            go("approve", reviews[index], chain[index - 1])

    if target == "draft":
        return steps
    if target in REVIEW_STATE.values() and target not in reviews:
        target = reviews[-1]  # e.g. township review for a county-direct unit: it waits at the county
    if resubmitted:
        level = rng.randrange(len(chain))
        climb(level)
        go("return_for_revision", "returned", chain[level])
    if target == "withdrawn" and rng.random() < 0.3:
        go("withdraw", "withdrawn", "chair")  # withdrawn before it was ever submitted
        return steps
    if target in reviews:
        climb(reviews.index(target))
    elif target in ("returned", "rejected", "withdrawn"):
        level = rng.randrange(len(chain))
        climb(level)
        event = {"returned": "return_for_revision", "rejected": "reject", "withdrawn": "withdraw"}[target]
        go(event, target, "chair" if target == "withdrawn" else chain[level])
    else:  # public notice and beyond
        climb(len(chain) - 1)
        go("approve", "public_notice", chain[-1])
        if target in ("approved", "certified", "revoked"):
            go("end_notice", "approved", "system")
            if target == "certified" or (target == "revoked" and rng.random() < 0.7):
                go("certify", "certified", "admin")
            if target == "revoked":
                go("revoke", "revoked", "admin")
    return steps
