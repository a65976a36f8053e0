"""Masking what a finding's message quotes, so that no credential reaches a CI log.

Rules name the object and the value (`valueFrom "..." is not a well-formed ARN`), and the value may be a
secret: a token in a health-check command, a password in a URL, a secret pasted where its ARN belongs. The
engine passes every message through `mask` when it makes a finding, so no rule has to remember to:

- credentials in free text are masked wherever they appear: `Authorization:` headers, bearer and basic
  tokens, a URL's password, `curl -u user:password`, `password=...` / `X-Amz-Signature=...` / `token: ...`,
  AWS access key ids, JSON Web Tokens;
- a member meant for an ARN (`valueFrom`, `credentialsParameter`, an environment file, a role) whose value
  is neither an ARN nor a plain URL may be the secret itself: it is not echoed whole, nor is a `user` that
  is not a user name or id (with an optional group).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from taskdeflint.model import TaskDef

MASK = "***"

# Each pattern's first group is kept, the rest of the match is masked.
_NAME = (
    r"[\w.-]*?(?:password|passwd|pwd|secret|token|apikey|api[-_]key|access[-_]key|private[-_]key"
    r"|signature)"
)
_CREDENTIALS = [
    # An HTTP Authorization header, with or without a scheme.
    re.compile(r"(?i)(\bauthorization\s*[:=]\s*(?:(?:bearer|basic|token|digest|negotiate)\s+)?)[^\s'\"\\]+"),
    re.compile(r"(?i)(\b(?:bearer|basic)\s+)[\w~+/.-]{8,}=*"),
    # The password of a URL's user information: scheme://user:password@host.
    re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^/\s:@'\"\\]*:)[^/\s@'\"\\]+(?=@)"),
    # curl -u user:password, --user=user:password.
    re.compile(r"((?:^|[\s'\"])(?:-u|--user)(?:\s+|=)['\"]?[^\s:'\"\\]*:)[^\s'\"\\]+"),
    # NAME=value and NAME: value where the name says it is a secret (query strings, flags, headers).
    re.compile(rf"(?i)((?<![\w-]){_NAME}(?:=|:\s+))[^\s'\"\\&;,]+"),
    # AWS access key ids; JSON Web Tokens.
    re.compile(r"()\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
    re.compile(r"()\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*"),
]

_ARN = re.compile(r"^arn:[\w-]+:[\w-]+:[\w-]*:[\w-]*:\S+$")
# A URL with neither user information nor a query (`s3://bucket/app.env`, a common mistake for an ARN):
# a place, not a credential.
_PLAIN_URL = re.compile(r"^[a-z][a-z0-9+.-]*://[\w.-]+(?:/[\w./%+-]*)?$", re.IGNORECASE)
# A user or group as Linux names them (useradd's default NAME_REGEX) or a numeric id.
_USER_PART = r"(?:[a-z_][a-z0-9_-]{0,31}\$?|[0-9]{1,10})"
_USER = re.compile(rf"^{_USER_PART}(?::{_USER_PART})?$")
# Members whose values name an ARN, by the member's place in a container or in the task definition.
_ARN_MEMBERS = (("secrets", "valueFrom"), ("environmentFiles", "value"))


# What each pattern above cannot match without, in one search of the lower-cased text: a message that has
# none of these (nearly every message) is not scanned once per pattern. Keep it in step with _CREDENTIALS.
_ANY_CREDENTIAL = re.compile(
    r"authorization|bearer|basic|://|-u|" + _NAME.removeprefix(r"[\w.-]*?") + r"|akia|asia|eyj"
)


def mask_credentials(text: str) -> str:
    """`text` with the credentials it holds replaced by `***`."""
    if _ANY_CREDENTIAL.search(text.lower()) is None:
        return text
    for pattern in _CREDENTIALS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


def hidden_values(taskdefs: Iterable[TaskDef]) -> list[str]:
    """The values of the task definitions that a message may not echo whole (see the module's doc)."""
    found: list[str] = []
    for td in taskdefs:
        roles = (td.data.get("executionRoleArn"), td.data.get("taskRoleArn"))
        found += (v for v in roles if isinstance(v, str) and _not_arn(v))
        for container in td.containers:
            found += (v for v in _arn_values(container.data) if isinstance(v, str) and _not_arn(v))
            user = container.data.get("user")
            if isinstance(user, str) and not _USER.match(user):
                found.append(user)
    return sorted(set(found), key=len, reverse=True)  # the longest first: one may hold another


def _arn_values(container: dict[str, Any]) -> Iterator[object]:
    for key, member in _ARN_MEMBERS:
        yield from _members(container.get(key), member)
    log = container.get("logConfiguration")
    if isinstance(log, dict):
        yield from _members(log.get("secretOptions"), "valueFrom")
    credentials = container.get("repositoryCredentials")
    if isinstance(credentials, dict):
        yield credentials.get("credentialsParameter")


def _members(entries: object, member: str) -> Iterator[object]:
    if isinstance(entries, list):
        for entry in entries:
            if isinstance(entry, dict):
                yield entry.get(member)


def _not_arn(value: str) -> bool:
    return bool(value.strip()) and not _ARN.match(value) and not _PLAIN_URL.match(value)


def _shown(value: str) -> str:
    """What is left of a hidden value: a hint of its start, when it is long enough to spare one."""
    return value[:4] + MASK if len(value) >= 12 else MASK


def mask(message: str, hidden: list[str]) -> str:
    """A finding's message with the hidden values (whole, JSON-escaped, or cut short with "...") and any
    credentials masked."""
    for value in hidden:
        for form in {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}:
            message = _mask_value(message, form, _shown(value))
    return mask_credentials(message)


def _mask_value(message: str, form: str, shown: str) -> str:
    if len(form) < 8:  # a short value is masked only where it is quoted whole, not inside other words
        return message.replace(f'"{form}"', f'"{shown}"')
    head = form[:8]
    start = message.find(head)
    while start >= 0:
        length = len(head)
        end = min(len(message) - start, len(form))
        while length < end and message[start + length] == form[length]:
            length += 1
        rest = message[start + length :]
        if length == len(form) or rest.startswith(("...", "\u2026")):  # whole, or cut short
            message = message[:start] + shown + rest
            start = message.find(head, start + len(shown))
        else:
            start = message.find(head, start + 1)
    return message
