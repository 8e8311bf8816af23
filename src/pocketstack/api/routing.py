"""A segment trie router: O(path depth) matching however many routes there are.

Starlette's router tries every route's regex in turn; with several hundred routes (three
compute prefixes times every resource) that linear scan would dominate small requests.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

Handler = Callable[..., Awaitable[Any]]


Version = tuple[int, int]
ALL_VERSIONS: tuple[Version, Version] = ((0, 0), (99, 999))


@dataclass(slots=True)
class Endpoint:
    handler: Handler
    service: str
    # Extra fixed values passed to the context (e.g. compute API flavour "v2" or "v2.1").
    options: dict[str, Any]
    # The microversions this endpoint serves, both ends included (compute only).
    versions: tuple[Version, Version] = ALL_VERSIONS
    # Other endpoints of the same method and path for other version ranges.
    alternatives: list[Endpoint] = field(default_factory=list)
    # The full path template ("/compute/v2.1/servers/{server_id}"): the route in metrics.
    template: str = ""

    def at(self, version: Version) -> Endpoint | None:
        """The endpoint of this method and path that serves `version`, if any."""
        low, high = self.versions
        if low <= version <= high:
            return self
        for other in self.alternatives:
            if other.versions[0] <= version <= other.versions[1]:
                return other
        return None


@dataclass(slots=True)
class _Node:
    literal: dict[str, _Node] = field(default_factory=dict)
    param: tuple[str, _Node] | None = None
    methods: dict[str, Endpoint] = field(default_factory=dict)


class Router:
    def __init__(self) -> None:
        self._root = _Node()
        # First path segment -> what adds the routes under it, on the first request there.
        self._deferred: dict[str, Callable[[Router], None]] = {}

    def defer(self, segment: str, install: Callable[[Router], None]) -> None:
        """Routes under `/segment` added by `install(router)` when a request first reaches
        them: a process loads an API's modules once the API is called, not before."""
        self._deferred[segment] = install

    def load_deferred(self) -> None:
        """Add every deferred table now."""
        while self._deferred:
            _, install = self._deferred.popitem()
            install(self)

    def add(self, method: str, path: str, endpoint: Endpoint) -> None:
        node = self._root
        for segment in _split(path):
            if segment.startswith("{") and segment.endswith("}"):
                name = segment[1:-1]
                if node.param is None:
                    node.param = (name, _Node())
                elif node.param[0] != name:
                    raise ValueError(f"conflicting parameter names at {path}: {node.param[0]} vs {name}")
                node = node.param[1]
            else:
                node = node.literal.setdefault(segment, _Node())
        existing = node.methods.get(method)
        if existing is None:
            node.methods[method] = endpoint
            return
        for other in (existing, *existing.alternatives):
            low, high = other.versions
            if endpoint.versions[0] <= high and low <= endpoint.versions[1]:
                raise ValueError(f"duplicate route {method} {path}")
        existing.alternatives.append(endpoint)

    def match(self, method: str, path: str) -> tuple[Endpoint | None, dict[str, str], list[str]]:
        """Return (endpoint, path params, allowed methods). No endpoint and allowed methods
        means 405; no endpoint and no allowed methods means 404."""
        if self._deferred:
            install = self._deferred.pop(path.lstrip("/").split("/", 1)[0], None)
            if install is not None:
                install(self)
        params: dict[str, str] = {}
        node = self._find(self._root, _split(path), 0, params)
        if node is None or not node.methods:
            return None, {}, []
        endpoint = node.methods.get(method)
        if endpoint is None and method == "HEAD":
            endpoint = node.methods.get("GET")
        return endpoint, params, sorted(node.methods)

    def endpoints(self) -> list[tuple[str, Endpoint]]:
        """Every (method, endpoint) in the table, alternatives included, by template."""
        found: list[tuple[str, Endpoint]] = []
        stack = [self._root]
        while stack:
            node = stack.pop()
            for method, endpoint in node.methods.items():
                found.extend((method, one) for one in (endpoint, *endpoint.alternatives))
            stack.extend(node.literal.values())
            if node.param is not None:
                stack.append(node.param[1])
        return sorted(found, key=lambda pair: (pair[1].template, pair[0], pair[1].versions))

    def empty_id(self, path: str) -> bool:
        """Whether `path` ends in a slash after a collection that has an `{id}` route below it
        (`/volumes/`, `/os-volumes/`): the routes mappers of Nova and Cinder read the empty
        last segment as an empty id, which no route takes (404), where this router would
        otherwise strip the slash and answer the collection."""
        if not path.endswith("/"):
            return False
        segments = _split(path)
        if len(segments) < 3:
            return False
        node = self._find(self._root, [*segments, "\x00"], 0, {})
        return node is not None

    def _find(self, node: _Node, segments: list[str], i: int, params: dict[str, str]) -> _Node | None:
        if i == len(segments):
            return node
        segment = segments[i]
        child = node.literal.get(segment)
        if child is not None:
            found = self._find(child, segments, i + 1, params)
            if found is not None and found.methods:
                return found
        if node.param is not None and segment:
            name, child = node.param
            found = self._find(child, segments, i + 1, params)
            if found is not None and found.methods:
                params[name] = segment
                return found
        return None


def _split(path: str) -> list[str]:
    stripped = path.strip("/")
    return stripped.split("/") if stripped else []


@dataclass(frozen=True, slots=True)
class Route:
    """One row of a service's route table. Paths are relative to the service's API root
    (for compute, relative to /v2/{project_id} and /v2.1[/{project_id}])."""

    method: str
    path: str
    handler: Handler
    auth: bool = True
    options: dict[str, Any] = field(default_factory=dict)
    # Compute: the microversions that serve this route, both ends included; another version
    # gets 404 as Nova answers a method that does not exist at the requested version. The
    # legacy /v2 API counts as 2.0. Build with pocketstack.api.compute.microversions.serves.
    versions: tuple[Version, Version] = ALL_VERSIONS
