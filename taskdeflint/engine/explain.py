"""A rule's documentation as Markdown: for `taskdeflint rule` and for `docs/rules.md`."""

from __future__ import annotations

from taskdeflint.engine.catalogue import Catalogue, Rule

_LONG = 160


def _shown(document: str) -> str:
    """An example as printed: very long lines (a 64 KiB example) are cut, saying how much was left out."""
    lines = []
    for line in document.strip("\n").splitlines():
        if len(line) > _LONG:
            line = f"{line[:_LONG]} ... ({len(line) - _LONG:,} more characters)"
        lines.append(line)
    return "\n".join(lines)


def explain(rule: Rule, heading: str = "#") -> str:
    parts = [
        f"{heading} {rule.id} {rule.name}",
        "",
        f"Default severity: **{rule.severity.label}**",
        "",
        *([f"Evidence: {rule.evidence_label}", ""] if rule.evidence_label else []),
        *(
            [f"Checks: each {rule.resource.replace('-', ' ')}", ""]
            if rule.resource != "task-definition"
            else []
        ),
        rule.summary,
        "",
        rule.docs,
        "",
        f"Source: {rule.source}",
        "",
    ]
    for example in rule.examples:
        title = f": {example.title}" if example.title else ""
        parts.append(f"{heading}# {'Bad' if example.kind == 'bad' else 'Good'} example{title}")
        parts.append("")
        parts.append(f"```{example.format}")
        parts.append(_shown(example.document))
        parts.append("```")
        parts.append("")
        if example.taskdef is not None:
            parts += _block("The task definition it runs, linted beside it:", "json", example.taskdef)
        if example.dockerfile is not None:
            intro = "The Dockerfile that builds the first container's image:"
            parts += _block(intro, "dockerfile", example.dockerfile)
        if example.pointers:
            flagged = ", ".join(f"`{p}`" if p else "the whole document" for p in example.pointers)
            parts.append(f"Flags: {flagged}")
            parts.append("")
    return "\n".join(parts)


def _block(intro: str, language: str, text: str) -> list[str]:
    """A file an example comes with: a line saying what it is, then the file as a fenced block."""
    return [intro, "", f"```{language}", _shown(text), "```", ""]


def anchor(rule: Rule) -> str:
    """The id of the rule's section in docs/rules.md (its heading, as GitHub turns it into an anchor)."""
    return f"{rule.id}-{rule.name}".lower()


def rules_markdown(catalogue: Catalogue) -> str:
    """The whole catalogue as one page: an index, then each rule."""
    lines = [
        "# Rules",
        "",
        "<!-- Generated from rules/ by `python scripts/generate_rules_doc.py`; do not edit. -->",
        "",
        "An error rests on evidence that AWS refuses the definition or that a task from it cannot start or",
        "become healthy; the Evidence column says which kind: the ECS API model, AWS documentation, an error",
        "message the service was seen to return, or a peer tool's validation that reproduces the service's.",
        "",
        "| Id | Name | Severity | Evidence | Summary |",
        "| --- | --- | --- | --- | --- |",
    ]
    for rule in catalogue.rules:
        cells = [f"[{rule.id}](#{anchor(rule)})", f"`{rule.name}`", rule.severity.label]
        cells += [rule.evidence_label or "", rule.summary]
        lines.append(f"| {' | '.join(cells)} |")
    lines.append("")
    for rule in catalogue.rules:
        lines.append(explain(rule, heading="##"))
    return "\n".join(lines).rstrip("\n") + "\n"
