"""Can a model pick the right tool from its text alone? Each labelled request in requests.tsv
(written the way service-desk staff ask) is scored with BM25 against every tool's served name,
title and description, as a retrieval step in front of a model would. The figures print with
``-s``; the bars are the issue's: hit@1 >= 0.85 and hit@3 >= 0.97."""

from __future__ import annotations

import re
from pathlib import Path

import snowballstemmer
from rank_bm25 import BM25Okapi

from server.tools.registry import all_tool_specs, build_tools

REQUESTS = Path(__file__).with_name("requests.tsv")
HIT_AT_1 = 0.85
HIT_AT_3 = 0.97

# Words that carry no choice between tools; kept short on purpose.
STOP_WORDS = frozenset(
    """a an and any are as at be by can do does for from have how i in is it its me my of on or our
    the their them there this to up use we what when which who with you your""".split()  # noqa: SIM905
)
_STEMMER = snowballstemmer.stemmer("english")


def terms(text: str) -> list[str]:
    """Lower-case stemmed words. Tool names stay one word each ("fetchtickets"): nobody types them,
    so a description that names its neighbour does not pick up the neighbour's words."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return [str(stem) for stem in _STEMMER.stemWords([w for w in words if w not in STOP_WORDS])]


def labelled_requests() -> list[tuple[str, str]]:
    lines = REQUESTS.read_text().splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
    return [(tool, request) for tool, request in rows]


def test_the_labelled_set_is_large_and_covers_every_tool() -> None:
    labelled = labelled_requests()
    assert len(labelled) >= 60
    assert {tool for tool, _ in labelled} == {spec.name for spec in all_tool_specs()}


def test_bm25_over_the_served_tool_text_finds_the_labelled_tool() -> None:
    tools, _ = build_tools(all_tool_specs())
    names = [tool.name for tool in tools]
    index = BM25Okapi([terms(f"{tool.name} {tool.title} {tool.description}") for tool in tools])
    first = top3 = 0
    misses = []
    for expected, request in labelled_requests():
        scores = index.get_scores(terms(request))
        ranked = [names[i] for i in sorted(range(len(names)), key=lambda i: -scores[i])]
        first += ranked[0] == expected
        top3 += expected in ranked[:3]
        if ranked[0] != expected:
            misses.append(f"{request!r}: expected {expected}, got {ranked[:3]}")
    total = len(labelled_requests())
    print(f"\ntool choice (BM25, {total} requests): hit@1 {first / total:.3f}, hit@3 {top3 / total:.3f}")
    print("\n".join(misses))
    assert first / total >= HIT_AT_1, misses
    assert top3 / total >= HIT_AT_3, misses
