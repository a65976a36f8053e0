"""Registry credentials: the user's Docker config (and its credential helpers), or for Amazon ECR hosts a
token from `ecr:GetAuthorizationToken` (the optional `taskdeflint[ecr]` extra, boto3).

Secrets stay in `Credentials` objects, whose repr hides the password; messages name the user at most.
"""

from __future__ import annotations

import base64
import threading
from typing import Any

from taskdeflint.builder import dockersdk
from taskdeflint.builder.references import Repository
from taskdeflint.builder.registry import Credentials, RegistryAuthError


class CredentialSource:
    """Credentials per registry, looked up once per run (a credential helper may be slow)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[str, Credentials | None] = {}
        self._errors: dict[str, str] = {}
        self._from_ecr: set[str] = set()

    def for_repository(self, repository: Repository) -> Credentials | None:
        key = repository.registry
        with self._lock:
            if key in self._errors:
                raise RegistryAuthError(self._errors[key])
            if key in self._cache:
                return self._cache[key]
            try:
                found = self._lookup(repository)
            except RegistryAuthError as error:
                self._errors[key] = str(error)
                raise
            self._cache[key] = found
            return found

    def _lookup(self, repository: Repository) -> Credentials | None:
        pair = dockersdk.docker_credentials(repository.registry)
        if pair is not None:
            return Credentials(*pair)
        region = repository.ecr_region
        if region is not None:
            found = ecr_credentials(repository.registry, region)
            self._from_ecr.add(repository.registry)
            return found
        return None

    def push_auth(self, repository: Repository) -> dict[str, str] | None:
        """The auth config to send with a push: None lets the SDK use the Docker config itself (credential
        helpers included); an ECR token from boto3 is sent explicitly."""
        credentials = self.for_repository(repository)
        if credentials is None or repository.registry not in self._from_ecr:
            return None
        return {
            "username": credentials.username,
            "password": credentials.password,
            "serveraddress": repository.registry,
        }


def ecr_credentials(registry: str, region: str) -> Credentials:
    """A 12-hour ECR login from boto3's default credential chain."""
    try:
        import boto3  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        raise RegistryAuthError(
            f"{registry} is an Amazon ECR registry and the Docker config has no login for it: install "
            "the ECR extra (pip install 'taskdeflint[ecr]') so taskdeflint can get a token with "
            "ecr:GetAuthorizationToken, or configure docker-credential-ecr-login"
        ) from None
    account = registry.split(".", 1)[0]
    try:
        client: Any = boto3.client("ecr", region_name=region)
        answer = client.get_authorization_token(registryIds=[account])
        token = answer["authorizationData"][0]["authorizationToken"]
        user, _, password = base64.b64decode(token).decode("utf-8").partition(":")
    except Exception as error:  # botocore's errors: no credentials, access denied, no network
        name = type(error).__name__
        detail = " ".join(str(error).split())[:200]
        raise RegistryAuthError(f"{registry}: ecr:GetAuthorizationToken failed ({name}: {detail})") from None
    return Credentials(user, password)
