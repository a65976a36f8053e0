"""`Graph.reaches`: whether a resource waits, through references and depends_on, for one of a set of
others (TDL818 asks it for each service of a target group), answered once per set of goals and within a
budget for the document."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taskdeflint.model import Graph, Resource

NAMES = [f"r{n}" for n in range(8)]


def graph(edges: dict[str, tuple[list[str], list[str]]]) -> Graph:
    built = Graph()
    for key, (refs, depends_on) in edges.items():
        refs_by_pointer = {f"/ref/{i}": target for i, target in enumerate(refs)}
        built.add(Resource({}, key=key, refs=refs_by_pointer, depends_on=tuple(depends_on)))
    return built


def naive(edges: dict[str, tuple[list[str], list[str]]], start: str, goals: set[str]) -> bool:
    seen, stack = {start}, [start]
    while stack:
        refs, depends_on = edges.get(stack.pop(), ([], []))
        for target in (*refs, *depends_on):
            if target in goals:
                return True
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return False


EDGES = st.dictionaries(
    st.sampled_from(NAMES),
    st.tuples(
        st.lists(st.sampled_from([*NAMES, "outside"]), max_size=3),
        st.lists(st.sampled_from(NAMES), max_size=3),
    ),
)


@settings(max_examples=200, deadline=None)
@given(
    EDGES,
    st.lists(st.tuples(st.sampled_from(NAMES), st.sets(st.sampled_from([*NAMES, "outside"]))), max_size=6),
)
def test_reaches_follows_references_and_depends_on(
    edges: dict[str, tuple[list[str], list[str]]], queries: list[tuple[str, set[str]]]
) -> None:
    built = graph(edges)
    for start, goals in queries:
        assert built.reaches(start, goals) is naive(edges, start, goals), (start, goals)


def test_a_resource_added_later_is_followed() -> None:
    built = graph({"service": ([], ["middle"])})
    assert not built.reaches("service", {"listener"})
    built.add(Resource({}, key="middle", depends_on=("listener",)))
    assert built.reaches("service", {"listener"})


def test_past_its_budget_a_wait_is_not_ruled_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """Services that each wait for a hub that waits for a thousand rules: each target group's rule is
    searched for from a different set of goals. Within the budget the answers are exact; past it, yes."""
    edges: dict[str, tuple[list[str], list[str]]] = {"hub": ([], [f"rule{n}" for n in range(1000)])}
    edges |= {f"service{n}": ([f"group{n}"], ["hub"]) for n in range(1000)}
    edges |= {f"rule{n}": ([f"group{n}"], []) for n in range(1000)}
    edges["lone"] = ([], [])
    assert graph(edges).reaches("service7", {"rule7"})
    assert not graph(edges).reaches("lone", {"rule7"})
    monkeypatch.setattr(Graph, "MIN_WORK", 100)
    monkeypatch.setattr(Graph, "WORK_PER_EDGE", 0)
    small = graph(edges)
    assert [small.reaches(f"service{n}", {f"rule{n}"}) for n in range(3)] == [True] * 3
    assert small.reaches("lone", {"rule7"})  # the budget is spent: a wait it cannot rule out
