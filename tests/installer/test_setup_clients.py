"""Every client in the catalog: install, re-install, uninstall on realistic files, on the
Linux, macOS and Windows layouts (resolved on this host from an injected OS and env)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomlkit
from fixture_files import TOML_VARIANTS, YAML_VARIANTS, json_variants

from task_orchestrator.core.paths import default_paths
from task_orchestrator.installer import jsonedit
from task_orchestrator.installer.catalog import OS_NAMES, ClientSpec, Env, load_clients, resolve
from task_orchestrator.installer.setup import install, uninstall
from task_orchestrator.installer.writers import writer_for

CATALOG = load_clients()
NAME = "task-orchestrator"


def _cases() -> list[Any]:
    out = []
    for cid, client in CATALOG.items():
        for scope in client.scopes:
            for os_name in OS_NAMES:
                if client.format in ("json", "jsonc"):
                    variants = [*json_variants(["k"]), "missing-folder"]
                elif client.format == "toml":
                    variants = [*TOML_VARIANTS, "missing-folder"]
                elif client.format == "yaml-block":
                    variants = [*YAML_VARIANTS, "missing-folder"]
                else:
                    variants = ["missing-folder"]
                for v in variants:
                    out.append(
                        pytest.param(cid, scope, os_name, v, id=f"{cid}-{scope}-{os_name}-{v}")
                    )
    return out


def _fixture_text(client: ClientSpec, key: list[str], variant: str) -> str | None:
    if variant == "missing-folder":
        return None
    if client.format == "toml":
        return TOML_VARIANTS[variant]
    if client.format == "yaml-block":
        return YAML_VARIANTS[variant]
    return json_variants(key)[variant]


def _value(client: ClientSpec, text: str) -> Any:
    if client.format == "toml":
        return tomlkit.loads(text).unwrap()
    return jsonedit.loads(text.removeprefix(jsonedit.BOM)) if text.strip() else None


def _drop(value: Any, path: list[str]) -> Any:
    """``value`` without our entry (and without containers left empty by its removal)."""
    if not path:
        return value
    if not isinstance(value, dict) or path[0] not in value:
        return value
    out = dict(value)
    if len(path) == 1:
        del out[path[0]]
    else:
        out[path[0]] = _drop(out[path[0]], path[1:])
        if out[path[0]] == {}:
            del out[path[0]]
    return out


def _get(value: Any, path: list[str]) -> Any:
    for k in path:
        value = value[k]
    return value


@pytest.mark.parametrize(("cid", "scope", "os_name", "variant"), _cases())
def test_install_reinstall_uninstall(
    cid: str, scope: str, os_name: Any, variant: str, program: Path, env_for: Callable[..., Env]
) -> None:
    client = CATALOG[cid]
    env = env_for(os_name)
    where = resolve(client, scope, env)
    assert where is not None
    path = where.path
    original = _fixture_text(client, where.key, variant)
    if original is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(original.encode("utf-8"))
    else:
        assert not path.parent.exists() or scope != "user" or cid in ("claude-code",)

    first = install([client], scope, env, dry_run=False, hooks=False)
    assert [c.action for c in first] == ["installed"], first[0].message
    text = path.read_bytes().decode("utf-8")
    expected = client.entry_for(str(program), ["serve"])
    if client.format == "yaml-block":
        # The whole-file comparison is the byte-identical uninstall below and the
        # single-insertion property test (test_setup_property.py).
        assert writer_for(client.format).read_entry(text, where.key, NAME) == expected
    elif client.format != "yaml-own-file":
        value = _value(client, text)
        assert _get(value, [*where.key, NAME]) == expected
        # Nothing outside our entry changed.
        if original and original.strip():
            assert _drop(value, [*where.key, NAME]) == _drop(
                _value(client, original), [*where.key, NAME]
            )
            assert text.startswith(jsonedit.BOM) == original.startswith(jsonedit.BOM)
            assert ("\r\n" in text) == ("\r\n" in original)
    else:
        assert f'command: "{program}"' in text

    second = install([client], scope, env, dry_run=False, hooks=False)
    assert [c.action for c in second] == ["unchanged"]
    assert path.read_bytes().decode("utf-8") == text

    third = uninstall([client], scope, env, dry_run=False, hooks=False)
    assert [c.action for c in third] == ["removed"], third[0].message
    if original is None:
        assert not path.exists()
    else:
        assert path.read_bytes() == original.encode("utf-8")
    again = uninstall([client], scope, env, dry_run=False, hooks=False)
    assert [c.action for c in again] == ["absent"]


def test_dry_run_writes_nothing(program: Path, env_for: Callable[..., Env]) -> None:
    env = env_for("linux")
    clients = list(CATALOG.values())
    changes = install(clients, "user", env, dry_run=True, hooks=True)
    assert all(c.action in ("installed", "skipped") for c in changes), changes
    assert all(c.diff for c in changes if c.action == "installed")
    assert not any(Path(c.path).exists() for c in changes if c.path)
    assert not default_paths().manifest.exists()


def test_user_keys_in_our_entry_survive_an_update(
    program: Path, env_for: Callable[..., Env]
) -> None:
    env = env_for("linux")
    path = env.home / ".cursor" / "mcp.json"
    path.parent.mkdir()
    path.write_text(
        '{"mcpServers": {"task-orchestrator": {"command": "/old", "env": {"A": "1"}}}}',
        encoding="utf-8",
    )
    [change] = install([CATALOG["cursor"]], "user", env, dry_run=False, hooks=False)
    assert change.action == "updated"
    entry = jsonedit.loads(path.read_text(encoding="utf-8"))["mcpServers"][NAME]
    assert entry == {"command": str(program), "env": {"A": "1"}, "args": ["serve"]}


def test_vscode_uses_servers_key_and_stdio(program: Path, env_for: Callable[..., Env]) -> None:
    env = env_for("macos")
    install([CATALOG["vscode"]], "user", env, dry_run=False, hooks=False)
    path = env.home / "Library/Application Support/Code/User/mcp.json"
    value = jsonedit.loads(path.read_text(encoding="utf-8"))
    assert value == {
        "servers": {NAME: {"type": "stdio", "command": str(program), "args": ["serve"]}}
    }


def test_codex_table_and_comments(program: Path, env_for: Callable[..., Env]) -> None:
    env = env_for("linux", CODEX_HOME=str(Path(str(env_for().home)) / "codexhome"))
    install([CATALOG["codex"]], "user", env, dry_run=False, hooks=False)
    text = (env.home / "codexhome" / "config.toml").read_text(encoding="utf-8")
    assert text.startswith("[mcp_servers.task-orchestrator]\n")
    assert tomlkit.loads(text).unwrap()["mcp_servers"][NAME]["args"] == ["serve"]


@pytest.mark.parametrize("cid", ["cursor", "vscode", "codex", "zed"])
def test_update_then_uninstall_is_still_byte_identical(
    cid: str, tmp_path: Path, env_for: Callable[..., Env], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The program moved (a reinstall elsewhere): the entry is updated in place, and the
    uninstall still removes the section the first install created."""
    from task_orchestrator.installer import launcher

    client = CATALOG[cid]
    env = env_for("linux")
    where = resolve(client, "user", env)
    assert where is not None
    original = "# top\n" if client.format == "toml" else '{\n  "theme": "dark" // keep\n}\n'
    where.path.parent.mkdir(parents=True, exist_ok=True)
    where.path.write_text(original, encoding="utf-8")
    for place in ("first", "second"):
        monkeypatch.setattr(launcher, "registered_program", lambda p=place: tmp_path / p / NAME)
        [change] = install([client], "user", env, dry_run=False, hooks=False)
        assert change.action == ("installed" if place == "first" else "updated")
    assert str(tmp_path / "second" / NAME) in where.path.read_text(encoding="utf-8")
    uninstall([client], "user", env, dry_run=False, hooks=False)
    assert where.path.read_text(encoding="utf-8") == original
