"""Load-balancing checks (TDL818, TDL819): a service's target group against the listeners and listener
rules of the same template or plan, and the listener rules against each other.

They follow the references a reader resolved inside one document (`Resource.refs`, `depends_on`,
`Graph.reaches`), so they say nothing of resources in other documents, or of values that are not
references (an imported ARN, a parameter).

Sources: shared/service-facts.md row 1 (`The target group with targetGroupArn <arn> does not have an
associated load balancer.`; aws/aws-cdk#1160) and the Elastic Load Balancing v2 API model (CreateRule:
"A listener can't have multiple rules with the same priority", error PriorityInUse).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from taskdeflint.model import Graph, Listener, ListenerRule, Service


@lru_cache(maxsize=1)  # the services of one document are checked one after another
def _forwarders(graph: Graph) -> dict[str, set[str]] | None:
    """The keys of the listeners and listener rules that forward to each target group (by the target
    group's key); None when the document has no listener nor listener rule."""
    found: dict[str, set[str]] = {}
    forwarders = [r for r in graph.resources.values() if isinstance(r, Listener | ListenerRule)]
    for forwarder in forwarders:
        for key in (*forwarder.refs.values(), *forwarder.depends_on):
            found.setdefault(key, set()).add(forwarder.key)
    return found if forwarders else None


def target_group_not_attached(service: Service) -> Iterator[tuple[str, str]]:
    """TDL818: the service's target group is forwarded to by no listener or listener rule of the
    document, or the service does not wait for any that does."""
    graph = service.graph
    if graph is None or not service.key:
        return
    forwarders = _forwarders(graph)
    if forwarders is None:
        return  # the listeners are elsewhere: nothing to tell from this document
    for index, _ in service.items("loadBalancers"):
        group = service.target_group(index)
        if group is None or not group.key:
            continue
        attaching = sorted(forwarders.get(group.key, ()))
        pointer = f"/loadBalancers/{index}/targetGroupArn"
        if not attaching:
            yield (
                pointer,
                f"Target group {group.key} is forwarded to by no listener or listener rule here, so when "
                'the service is created ECS fails with "The target group ... does not have an associated '
                'load balancer" unless another stack or module attaches it first',
            )
        elif not graph.reaches(service.key, set(attaching)):
            names = ", ".join(attaching)
            yield (
                pointer,
                f"The service does not wait for what attaches target group {group.key} to the "
                f'load balancer ({names}): it may be created first and fail with "The target group ... '
                'does not have an associated load balancer"; make it depend on the listener or rule '
                "(DependsOn, depends_on)",
            )


def _listener(rule: ListenerRule) -> object:
    """What names the rule's listener: the key of a listener of the same document, or the value (an
    ARN, or an Unknown, which is equal to another only when it is the same expression)."""
    key = rule.refs.get("/ListenerArn")
    if key is not None:
        return ("resource", key)
    value = rule.data.get("ListenerArn")
    return None if value is None or isinstance(value, dict | list) else value


def _priority(rule: ListenerRule) -> int | None:
    value = rule.data.get("Priority")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def duplicate_listener_rule_priority(rule: ListenerRule) -> Iterator[tuple[str, str]]:
    """TDL819: an earlier listener rule of the same listener in the document has the same priority."""
    graph = rule.graph
    priority = _priority(rule)
    listener = _listener(rule)
    if graph is None or priority is None or listener is None:
        return
    for other in graph.of_kind(ListenerRule):
        if other is rule:
            return
        if other.condition != rule.condition:
            continue  # created under different conditions: perhaps never both
        if _priority(other) == priority and _listener(other) == listener:
            yield (
                "/Priority",
                f"Listener rule {rule.key} has priority {priority}, which listener rule {other.key} of the "
                'same listener has too; CreateRule fails with PriorityInUse ("The specified priority is '
                'in use")',
            )
            return
