"""Asking a registry whether a tag exists, through the Registry HTTP API v2 (standard library only).

`HEAD /v2/<name>/manifests/<tag>` with an Accept header for Docker v2 and OCI manifests and indexes; the
digest is the `Docker-Content-Digest` header. A 401 answer's `WWW-Authenticate` challenge is followed:
`Basic` (send the user's credentials) or `Bearer` (get a pull token from the realm, with the credentials
when there are some). Credentials go only into `Authorization` headers that are not forwarded on
redirects, and never into a message.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import re
import socket
import ssl
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import Message

from taskdeflint.builder.references import Repository, in_cidrs, is_loopback

MANIFEST_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
_TIMEOUT = 15.0
_USER_AGENT = "taskdeflint"


class RegistryError(Exception):
    """A registry that cannot answer the question; the message is one line and holds no secret."""


class RegistryUnavailable(RegistryError):
    pass


class RegistryAuthError(RegistryError):
    pass


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str
    password: str = field(repr=False)


def _challenge(header: str) -> tuple[str, dict[str, str]]:
    """`Bearer realm="https://auth",service="reg"` as ("bearer", {"realm": ..., "service": ...})."""
    scheme, _, rest = header.strip().partition(" ")
    params = {k.lower(): v for k, v in re.findall(r'(\w+)\s*=\s*"([^"]*)"', rest)}
    params.update(
        {k.lower(): v for k, v in re.findall(r'(\w+)\s*=\s*([^",\s]+)', rest) if k.lower() not in params}
    )
    return scheme.lower(), params


class RegistryClient:
    """One registry host. Thread-safe: builds in parallel share it."""

    def __init__(
        self,
        host: str,
        scheme: str,
        credentials: Callable[[], Credentials | None],
        *,
        timeout: float = _TIMEOUT,
        verify: bool = True,
    ) -> None:
        self.host = host
        self.base = f"{scheme}://{host}"
        self._credentials = credentials
        self._timeout = timeout
        self._lock = threading.Lock()
        self._tokens: dict[str, str] = {}  # scope -> bearer token
        self._basic = False  # the registry asked for Basic auth once
        # Redirects (to blob storage, a CDN) are followed; `add_unredirected_header` keeps the
        # Authorization header from going along.
        handlers: list[urllib.request.BaseHandler] = []
        if scheme == "https":
            context = ssl.create_default_context()
            if not verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            handlers.append(urllib.request.HTTPSHandler(context=context))
        self._opener = urllib.request.build_opener(*handlers)

    # -- the one question ---------------------------------------------------------------------------

    def manifest_digest(self, name: str, reference: str) -> str | None:
        """The digest of `name:reference` in this registry, or None when there is no such tag."""
        url = f"{self.base}/v2/{name}/manifests/{urllib.parse.quote(reference, safe='')}"
        scope = f"repository:{name}:pull"
        status, headers, _ = self._request("HEAD", url, scope)
        if status == 404:
            return None
        if status == 200:
            digest = headers.get("Docker-Content-Digest")
            if digest and digest.startswith("sha256:"):
                return digest
            # Some registries leave the header out of HEAD answers: fetch the manifest and hash it.
            status, headers, body = self._request("GET", url, scope)
            if status == 200:
                return headers.get("Docker-Content-Digest") or "sha256:" + hashlib.sha256(body).hexdigest()
            if status == 404:
                return None
        raise RegistryError(f"registry {self.host} answered {status} to {self._shown(url)}")

    def manifest(self, name: str, reference: str) -> tuple[str, bytes, str] | None:
        """(media type, bytes, digest) of the manifest or index `name:reference`, None when there is none."""
        url = f"{self.base}/v2/{name}/manifests/{urllib.parse.quote(reference, safe=':')}"
        status, headers, body = self._request("GET", url, f"repository:{name}:pull")
        if status == 404:
            return None
        if status != 200:
            raise RegistryError(f"registry {self.host} answered {status} to {self._shown(url)}")
        media_type = headers.get("Content-Type", "").split(";")[0].strip()
        if not media_type:
            try:
                media_type = str(json.loads(body).get("mediaType") or "")
            except (ValueError, AttributeError):
                media_type = ""
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        return media_type, body, digest

    def blob(self, name: str, digest: str) -> bytes:
        """A blob (an image config), checked against its digest."""
        url = f"{self.base}/v2/{name}/blobs/{urllib.parse.quote(digest, safe=':')}"
        status, _, body = self._request("GET", url, f"repository:{name}:pull")
        if status != 200:
            raise RegistryError(f"registry {self.host} answered {status} to {self._shown(url)}")
        if "sha256:" + hashlib.sha256(body).hexdigest() != digest:
            raise RegistryError(f"registry {self.host}: the blob {digest} does not match its digest")
        return body

    def put_manifest(self, name: str, reference: str, media_type: str, body: bytes) -> str:
        """Store a manifest or index under `reference` (a tag); its digest."""
        url = f"{self.base}/v2/{name}/manifests/{urllib.parse.quote(reference, safe='')}"
        status, headers, _ = self._request(
            "PUT", url, f"repository:{name}:pull,push", data=body, content_type=media_type
        )
        if status not in (200, 201):
            raise RegistryError(f"registry {self.host} answered {status} to PUT {self._shown(url)}")
        return headers.get("Docker-Content-Digest") or "sha256:" + hashlib.sha256(body).hexdigest()

    # -- plumbing -------------------------------------------------------------------------------------

    def _shown(self, url: str) -> str:
        return urllib.parse.urlsplit(url)._replace(query="").geturl()

    def _authorization(self, scope: str) -> str | None:
        with self._lock:
            token = self._tokens.get(scope)
            basic = self._basic
        if token:
            return f"Bearer {token}"
        if basic:
            creds = self._credentials()
            if creds:
                return "Basic " + base64.b64encode(f"{creds.username}:{creds.password}".encode()).decode()
        return None

    def _request(
        self,
        method: str,
        url: str,
        scope: str,
        *,
        retry_auth: bool = True,
        data: bytes | None = None,
        content_type: str | None = None,
    ) -> tuple[int, Message, bytes]:
        request = urllib.request.Request(url, method=method, data=data)
        request.add_header("Accept", ", ".join(MANIFEST_TYPES))
        if content_type:
            request.add_header("Content-Type", content_type)
        request.add_header("User-Agent", _USER_AGENT)
        authorization = self._authorization(scope)
        if authorization:
            request.add_unredirected_header("Authorization", authorization)
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                body = response.read() if method == "GET" else b""
                return response.status, response.headers, body
        except urllib.error.HTTPError as error:
            status, headers = error.code, error.headers
            error.close()
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            raise RegistryUnavailable(self._unreachable(error)) from None
        if status == 401 and retry_auth:
            self._authenticate(headers.get("WWW-Authenticate", ""), scope, had=authorization is not None)
            return self._request(method, url, scope, retry_auth=False, data=data, content_type=content_type)
        if status in (401, 403):
            creds = self._credentials()
            login = f"run `docker login {self.host}`"
            if status == 401 and creds is None:
                raise RegistryAuthError(
                    f"registry {self.host} needs a login and the Docker config has none for it; {login}"
                )
            if status == 401:
                raise RegistryAuthError(
                    f"registry {self.host} refused the credentials of user {creds.username!r} (401); {login}"
                    if creds
                    else f"registry {self.host} refused access (401); {login}"
                )
            who = f" to user {creds.username!r}" if creds else ""
            raise RegistryAuthError(
                f"registry {self.host} denied access to {self._shown(url)}{who} (403); {login}"
            )
        return status, headers, b""

    def _authenticate(self, header: str, scope: str, *, had: bool) -> None:
        scheme, params = _challenge(header)
        creds = self._credentials()
        if scheme == "basic":
            if creds is None:
                raise RegistryAuthError(
                    f"registry {self.host} needs a login and the Docker config has none for it; "
                    f"run `docker login {self.host}`"
                )
            if had:
                raise RegistryAuthError(
                    f"registry {self.host} refused the credentials of user {creds.username!r}; "
                    f"run `docker login {self.host}`"
                )
            with self._lock:
                self._basic = True
            return
        if scheme == "bearer" and params.get("realm"):
            self._fetch_token(params, scope, creds)
            return
        raise RegistryAuthError(
            f"registry {self.host} refused the request (401) without a usable login challenge "
            f"({scheme or 'none'}); check `docker login {self.host}`"
        )

    def _fetch_token(self, params: dict[str, str], scope: str, creds: Credentials | None) -> None:
        query = {"scope": params.get("scope") or scope}
        if params.get("service"):
            query["service"] = params["service"]
        realm = params["realm"]
        url = realm + ("&" if "?" in realm else "?") + urllib.parse.urlencode(query)
        request = urllib.request.Request(url, method="GET")
        request.add_header("User-Agent", _USER_AGENT)
        if creds is not None:
            secret = base64.b64encode(f"{creds.username}:{creds.password}".encode()).decode()
            request.add_unredirected_header("Authorization", f"Basic {secret}")
        shown = urllib.parse.urlsplit(realm)._replace(query="").geturl()
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                data = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            error.close()
            who = f" for user {creds.username!r}" if creds else " (no credentials in the Docker config)"
            if error.code in (401, 403):
                raise RegistryAuthError(
                    f"registry {self.host}: the token service {shown} refused a token{who}; "
                    f"check `docker login {self.host}`"
                ) from None
            raise RegistryError(
                f"registry {self.host}: the token service {shown} answered {error.code}"
            ) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            raise RegistryUnavailable(
                f"registry {self.host}: token service: {self._unreachable(error)}"
            ) from None
        except ValueError:
            raise RegistryError(f"registry {self.host}: the token service {shown} answered no JSON") from None
        token = data.get("token") or data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise RegistryError(f"registry {self.host}: the token service {shown} gave no token")
        with self._lock:
            self._tokens[scope] = token

    def _unreachable(self, error: BaseException) -> str:
        reason: object = error.reason if isinstance(error, urllib.error.URLError) else error
        if isinstance(reason, ConnectionRefusedError):
            why = "connection refused"
        elif isinstance(reason, TimeoutError | socket.timeout):
            why = f"no answer within {self._timeout:g} s"
        elif isinstance(reason, socket.gaierror):
            why = "unknown host"
        elif isinstance(reason, ssl.SSLError):
            why = (
                f"TLS error ({reason.reason or reason}); a plain-HTTP registry must be in the engine's "
                "insecure-registries"
            )
        elif isinstance(reason, ConnectionResetError | ConnectionAbortedError | http.client.HTTPException):
            why = f"the connection broke ({type(reason).__name__}); is it a registry?"
        else:
            why = " ".join(str(reason).split())[:200]
        return f"registry {self.host} is not reachable at {self.base}/v2/: {why}"


class Registries:
    """One client per registry host, shared by threads. A loopback registry, or one named insecure (by host
    name, or by a CIDR its address is in, as the engine lists them), is spoken to over plain HTTP; any other
    over HTTPS."""

    def __init__(
        self,
        credentials: Callable[[Repository], Credentials | None],
        insecure_names: Sequence[str] = (),
        insecure_cidrs: Sequence[str] = (),
    ) -> None:
        self._credentials = credentials
        self._insecure_names = tuple(insecure_names)
        self._insecure_cidrs = list(insecure_cidrs)
        self._clients: dict[str, RegistryClient] = {}
        self._lock = threading.Lock()

    def for_repository(self, repository: Repository) -> RegistryClient:
        host = repository.api_host
        with self._lock:
            client = self._clients.get(host)
            if client is None:
                if is_loopback(host):
                    scheme, verify = "http", True
                elif host in self._insecure_names or in_cidrs(host, self._insecure_cidrs):
                    # The engine talks plain HTTP to a registry it lists as insecure (after trying HTTPS
                    # without verification, which is not tried here).
                    scheme, verify = "http", False
                else:
                    scheme, verify = "https", True
                client = RegistryClient(host, scheme, lambda: self._credentials(repository), verify=verify)
                self._clients[host] = client
            return client
