"""docs/services.md stays true to the catalogue: it lists every rule on services and the resources
around them, and its links into docs/rules.md lead to a rule's section."""

from __future__ import annotations

import re

from worktree import ROOT

from taskdeflint.engine.catalogue import TASK_DEFINITION, load_catalogue

SERVICES_DOC = ROOT / "docs" / "services.md"
RULES_DOC = ROOT / "docs" / "rules.md"


def anchors() -> set[str]:
    """The anchors GitHub gives the sections of docs/rules.md: `## TDL801 load-balancer-...` is
    `#tdl801-load-balancer-...`."""
    headings = re.findall(r"^## (TDL\d{3}) (\S+)$", RULES_DOC.read_text(encoding="utf-8"), re.MULTILINE)
    return {f"{rule_id.lower()}-{name}" for rule_id, name in headings}


def test_every_link_into_the_rules_doc_leads_to_a_rule() -> None:
    links = re.findall(r"\]\(rules\.md#([^)]+)\)", SERVICES_DOC.read_text(encoding="utf-8"))
    assert links
    assert set(links) - anchors() == set()


def test_every_rule_on_services_is_in_the_table() -> None:
    text = SERVICES_DOC.read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| \[(TDL\d{3})[^\]]*\]\(rules\.md#", text, re.MULTILINE))
    catalogue = load_catalogue(())
    on_services = {rule.id for rule in catalogue.rules if rule.resource != TASK_DEFINITION}
    assert on_services <= listed, sorted(on_services - listed)
    assert listed <= {rule.id for rule in catalogue.rules}
