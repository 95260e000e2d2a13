"""Install, uninstall, status and restore for MCP client configs: typed functions that the
click layer calls. Each returns a list of Change records; nothing here prints."""

from __future__ import annotations

import difflib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..core.paths import Paths
from ..errors import UserError
from . import fileops
from .catalog import SERVER_NAME, ClientSpec, Env, Where, resolve
from .subproc import clean_env
from .writers import writer_for

#: What one install, uninstall or restore did to one file (``--json``'s ``action``).
Action = Literal[
    "installed", "updated", "unchanged", "removed", "absent", "error", "skipped", "restored"
]
#: Our entry in one client's config file, as ``status`` reports it. ``no-scope``: the client
#: has no file for the scope asked about. ``plugin`` / ``plugin-disabled``: Claude Code has
#: no entry of ours in its file because our plugin serves it (installer/plugin_install.py).
EntryState = Literal[
    "no-file",
    "not-configured",
    "current",
    "outdated",
    "unparsable",
    "no-scope",
    "plugin",
    "plugin-disabled",
]


@dataclass(frozen=True)
class EntryStatus:
    state: EntryState
    #: Why, where there is more to say: the parse error of an unparsable file, the scope
    #: a client lacks.
    detail: str = ""


@dataclass
class Change:
    client: str
    scope: str
    path: str
    action: Action
    message: str = ""
    via: str = "file"
    diff: str = ""
    restart: str = ""

    @property
    def wrote(self) -> bool:
        return self.action in ("installed", "updated", "removed")

    def as_json(self) -> dict[str, Any]:
        return {
            "client": self.client,
            "scope": self.scope,
            "file": self.path,
            "action": self.action,
            "message": self.message,
            "via": self.via,
        }


def manifest_key(client: str, where: Where) -> str:
    return f"{client}:{where.scope}:{'.'.join(where.key)}"


def unified_diff(path: Path, before: str | None, after: str | None) -> str:
    a = (before or "").splitlines(keepends=True)
    b = (after or "").splitlines(keepends=True)
    return "".join(difflib.unified_diff(a, b, f"{path} (before)", f"{path} (after)", lineterm="\n"))


def _cli(client: ClientSpec, env: Env) -> str | None:
    """Claude Code rewrites ~/.claude.json itself; its own CLI is the safe writer."""
    if not client.cli:
        return None
    return shutil.which(client.cli, path=env.environ.get("PATH", ""))


def _run_cli(argv: list[str], env: Env) -> None:
    proc = subprocess.run(
        argv,
        cwd=env.project if env.project.is_dir() else None,
        # A frozen build's bootloader points LD_LIBRARY_PATH at its own libraries; the
        # client's CLI must run with the user's environment, not ours.
        env=clean_env(env.environ),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    if proc.returncode != 0:
        raise UserError(
            f"`{' '.join(argv[:4])} ...` failed ({proc.returncode}): "
            f"{(proc.stderr or proc.stdout).strip()[:300]}"
        )


def install_one(
    client: ClientSpec,
    scope: str,
    env: Env,
    program: str,
    args: list[str],
    manifest: fileops.Manifest,
    *,
    dry_run: bool,
    entry: dict[str, Any] | None = None,
) -> Change:
    """Write our entry: the command ``program args`` (a local server), or ``entry`` (a team
    server's remote entry, ClientSpec.remote_entry)."""
    where = resolve(client, scope, env)
    if where is None:
        return Change(client.id, scope, "", "skipped", f"{client.name} has no {scope} scope")
    path = where.path
    change = Change(client.id, scope, str(path), "unchanged", restart=client.restart)
    writer = writer_for(client.format)
    try:
        text = fileops.read_text(path)
        writer.check(text or "", str(path))
        existing = writer.read_entry(text or "", where.key, SERVER_NAME)
        desired = client.entry_for(program, args) if entry is None else entry
        if isinstance(existing, dict):
            # Keep keys the user added to our entry (env, autoApprove...): we own ours only,
            # and those of the other form go (a local entry becoming a team one, or back).
            kept = {k: v for k, v in existing.items() if k not in client.own_keys()}
            desired = {**kept, **desired}
        if existing == desired:
            change.message = "already registered; nothing to change"
            return change
        new_text, hints = writer.install(text or "", where.key, SERVER_NAME, desired)
        change.diff = unified_diff(path, text, new_text)
        change.action = "updated" if existing is not None else "installed"
        if dry_run:
            change.message = "would write (dry run)"
            if _cli(client, env):
                change.message = f"would run `{client.cli} mcp add-json` (the diff is its effect)"
            return change
        fileops.check_writable(path)
        manifest.backup(fileops.target_of(path), text)
        cli = _cli(client, env) if scope in ("user", "local", "project") else None
        if cli:
            change.via = f"{client.cli} mcp"
            if existing is not None:
                _run_cli([cli, "mcp", "remove", SERVER_NAME, "-s", scope], env)
            _run_cli([cli, "mcp", "add-json", SERVER_NAME, json.dumps(desired), "-s", scope], env)
            hints = {}
        else:
            fileops.atomic_write(path, new_text)
        after = writer.read_entry(fileops.read_text(path) or "", where.key, SERVER_NAME)
        if not isinstance(after, dict) or any(after.get(k) != v for k, v in desired.items()):
            raise UserError(f"{path}: the entry is not there after writing; nothing to trust")
        previous = manifest.entry(fileops.target_of(path), manifest_key(client.id, where))
        if existing is not None and previous:
            # An update replaces our value in place: what the first install created (a
            # section, a line break) is still ours to remove, so keep those hints.
            hints = previous.get("hints", {})
        manifest.file(fileops.target_of(path))["entries"][manifest_key(client.id, where)] = {
            "client": client.id,
            "scope": scope,
            "key": [*where.key, SERVER_NAME],
            "hash": fileops.entry_hash(desired),
            "hints": hints,
        }
        change.message = "registered" if change.action == "installed" else "entry updated"
    except UserError as exc:
        msg = str(exc)
        change.action, change.message = "error", msg if str(path) in msg else f"{path}: {msg}"
    except OSError as exc:  # permissions, a full disk: the user's to fix, and nothing was replaced
        change.action = "error"
        change.message = f"{path}: {fileops.describe(exc)}; the file was not changed"
    return change


def uninstall_one(
    client: ClientSpec, scope: str, env: Env, manifest: fileops.Manifest, *, dry_run: bool
) -> Change:
    where = resolve(client, scope, env)
    if where is None:
        return Change(client.id, scope, "", "skipped", f"{client.name} has no {scope} scope")
    path = where.path
    change = Change(client.id, scope, str(path), "absent", restart=client.restart)
    writer = writer_for(client.format)
    try:
        text = fileops.read_text(path)
        if text is None:
            change.message = "no config file"
            return change
        writer.check(text, str(path))
        target = fileops.target_of(path)
        key = manifest_key(client.id, where)
        rec = manifest.files.get(str(target), {})
        if writer.read_entry(text, where.key, SERVER_NAME) is None:
            change.message = "not registered"
            if not dry_run:
                # Taken out by hand: nothing of ours left to keep a record (or backup) for.
                rec.get("entries", {}).pop(key, None)
            return change
        hints = (rec.get("entries", {}).get(key) or {}).get("hints", {})
        new_text = writer.uninstall(text, where.key, SERVER_NAME, hints)
        if new_text is not None and not new_text.strip() and rec.get("existed") is False:
            new_text = None  # we created the file: leave no empty file behind
        change.diff = unified_diff(path, text, new_text)
        change.action = "removed"
        if dry_run:
            change.message = "would remove (dry run)"
            return change
        fileops.check_writable(path)
        cli = _cli(client, env)
        if cli:
            change.via = f"{client.cli} mcp"
            _run_cli([cli, "mcp", "remove", SERVER_NAME, "-s", scope], env)
        else:
            fileops.atomic_write(path, new_text)
        rec.get("entries", {}).pop(key, None)
        change.message = "entry removed"
    except UserError as exc:
        msg = str(exc)
        change.action, change.message = "error", msg if str(path) in msg else f"{path}: {msg}"
    except OSError as exc:  # permissions, a full disk: the user's to fix, and nothing was replaced
        change.action = "error"
        change.message = f"{path}: {fileops.describe(exc)}; the file was not changed"
    return change


def entry_state(
    client: ClientSpec,
    where: Where,
    program: str,
    args: list[str],
    desired: dict[str, Any] | None = None,
) -> EntryStatus:
    """Whether the file at ``where`` holds our entry, and whether it is the one we would
    write now (``desired``: a remote entry instead of the command)."""
    writer = writer_for(client.format)
    try:
        text = fileops.read_text(where.path)
        if text is None:
            return EntryStatus("no-file")
        writer.check(text, str(where.path))
        entry = writer.read_entry(text, where.key, SERVER_NAME)
    except UserError as exc:
        return EntryStatus("unparsable", str(exc))
    if entry is None:
        return EntryStatus("not-configured")
    if desired is None:
        desired = client.entry_for(program, args)
    if isinstance(entry, dict) and all(entry.get(k) == v for k, v in desired.items()):
        return EntryStatus("current")
    return EntryStatus("outdated")


def restore(paths: Paths, manifest: fileops.Manifest, file: str | None) -> list[Change]:
    """Put files back as they were before our first change."""
    out: list[Change] = []
    targets = list(manifest.files) if file is None else [_match(manifest, file)]
    for name in targets:
        rec = manifest.files[name]
        path = Path(name)
        try:
            if rec.get("backup"):
                original = Path(rec["backup"]).read_bytes().decode("utf-8")
                fileops.atomic_write(path, original)
                out.append(Change("-", "-", name, "restored", f"from {rec['backup']}"))
            elif rec.get("existed") is False:
                fileops.atomic_write(path, None)
                out.append(Change("-", "-", name, "restored", "removed: it did not exist before"))
            else:
                continue
        except OSError as exc:
            message = f"{name}: {fileops.describe(exc)}; the file was not changed"
            out.append(Change("-", "-", name, "error", message))
            continue
        # The backup has done its job; a copy that may hold other servers' keys goes too.
        manifest.drop(name)
    return out


def save_manifest(manifest: fileops.Manifest, changes: list[Change]) -> None:
    """Save the manifest; failing to (a full disk) is one more error in ``changes``, after
    the files it is about, rather than a crash that hides what was done to them."""
    try:
        manifest.save()
    except OSError as exc:
        where = manifest.paths.manifest
        if any(c.wrote or c.action == "restored" for c in changes):
            after = (
                "the files above were changed, but this record of them was not "
                "(uninstall still works; restore may not)"
            )
        else:
            after = "nothing was changed"
        message = f"{where}: not saved: {fileops.describe(exc)}; {after}"
        changes.append(Change("-", "-", str(where), "error", message))


def _match(manifest: fileops.Manifest, file: str) -> str:
    wanted = os.path.realpath(os.path.abspath(os.path.expanduser(file)))
    for name in manifest.files:
        if os.path.realpath(name) == wanted:
            return name
    raise UserError(
        f"no backup of {file}: orchestrator-setup never changed it; see `orchestrator-setup status`"
    )
