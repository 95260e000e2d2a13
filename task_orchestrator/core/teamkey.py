"""A workspace's name on a team store: the repository's remote, the same on every machine.

On one machine a workspace is a folder. A team's store serves several machines, where one
repository sits in different folders, so there it is named by the normalized URL of its
``origin`` remote (else its first remote), and only a folder without a remote falls back to
``MACHINE:PATH`` (docs/ARCHITECTURE.md, "The team").

The remote is read from ``.git/config`` as text: the hooks work this out on every event and
may not run git. Only ``os``; no regular expressions (``re`` costs a hook about 5 ms).
"""

from __future__ import annotations

import os

#: Schemes whose URL names a host; anything else (a path, ``file://``) is this machine's.
NETWORK_SCHEMES = ("https://", "http://", "ssh://", "git://", "git+ssh://", "ssh+git://")


def workspace_key(root: str, machine: str) -> str:
    """The team name of the workspace at ``root`` (a folder as find_workspace returns it)."""
    url = remote_url(root)
    key = normalize_remote(url) if url else None
    return key or f"{machine}:{root}"


def normalize_remote(url: str) -> str | None:
    """``host/path`` for a network remote: scheme, user, password and port dropped, the
    host lower-cased, a trailing ``/`` and ``.git`` removed; ``git@host:owner/repo`` read as
    scp-like syntax. None for a local remote (a path or ``file://``), which names nothing
    another machine could share."""
    url = url.strip()
    lowered = url.lower()
    rest = None
    for scheme in NETWORK_SCHEMES:
        if lowered.startswith(scheme):
            rest = url[len(scheme) :]
            break
    if rest is None:
        # scp-like "[user@]host:path": a colon before any slash, and not a Windows drive.
        colon = url.find(":")
        slash = url.find("/")
        if colon <= 1 or (slash != -1 and slash < colon) or "://" in url:
            return None
        rest = url[:colon] + "/" + url[colon + 1 :].lstrip("/")
    host, _, path = rest.partition("/")
    host = host.rpartition("@")[2]  # user and password
    # The port goes too: ssh on 22 and https on 443 reach the same repository.
    bracketed = host.startswith("[")  # an IPv6 address, [::1]:22
    host = host[: host.find("]") + 1] if bracketed else host.partition(":")[0]
    path = path.split("?")[0].split("#")[0].strip("/")
    if path.endswith(".git"):
        path = path[:-4].rstrip("/")
    if not host or not path:
        return None
    return f"{host.lower()}/{path}"


def remote_url(root: str) -> str | None:
    """The URL of ``origin``, else of the first remote in the repository's config, or None
    (no repository, no remote, an unreadable config)."""
    config = _config_file(root)
    if config is None:
        return None
    try:
        with open(config, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    except OSError:
        return None
    remotes = _remote_urls(text)
    if not remotes:
        return None
    return remotes.get("origin") or next(iter(remotes.values()))


def _config_file(root: str) -> str | None:
    """``.git/config`` of the repository at ``root``; for a linked worktree (a ``.git``
    file) the config of the repository it belongs to (its ``commondir``)."""
    dot_git = os.path.join(root, ".git")
    if os.path.isdir(dot_git):
        return os.path.join(dot_git, "config")
    try:
        with open(dot_git, encoding="utf-8") as fh:
            line = fh.readline().strip()
    except OSError:
        return None
    if not line.startswith("gitdir:"):
        return None
    gitdir = os.path.join(root, line[len("gitdir:") :].strip())
    try:
        with open(os.path.join(gitdir, "commondir"), encoding="utf-8") as fh:
            gitdir = os.path.join(gitdir, fh.readline().strip())
    except OSError:
        pass
    return os.path.join(os.path.normpath(gitdir), "config")


def _remote_urls(text: str) -> dict[str, str]:
    """``{remote name: url}`` from git config text, in file order (the first ``url`` of
    each remote; section and key names compared as git does: case-blind, the subsection
    as written)."""
    found: dict[str, str] = {}
    remote: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            head = line[1 : line.find("]")] if "]" in line else line[1:]
            name, _, sub = head.strip().partition(" ")
            sub = sub.strip()
            if name.lower() == "remote" and len(sub) >= 2 and sub[0] == sub[-1] == '"':
                remote = sub[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            else:
                remote = None
            continue
        if remote is None or remote in found:
            continue
        key, eq, value = line.partition("=")
        if eq and key.strip().lower() == "url":
            value = _unquote(value.strip())
            if value:
                found[remote] = value
    return found


def _unquote(value: str) -> str:
    """A config value without an end-of-line comment and its surrounding quotes."""
    out = []
    quoted = False
    for ch in value:
        if ch == '"':
            quoted = not quoted
            continue
        if ch in "#;" and not quoted:
            break
        out.append(ch)
    return "".join(out).strip()
