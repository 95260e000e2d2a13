"""Claude Code hook registration in settings.json, with the surgical JSON editor.

We write the exec form, ``{"type": "command", "command": ABS, "args": [..., "hook", EVENT]}``
(the command from :func:`launcher.hook_command`), so a path with spaces needs no shell
quoting. Our groups are recognised by ``"hook"`` among the args and either a program named
task-orchestrator (a frozen build, or what earlier versions registered) or our package named
in the args, so re-install updates them in place and uninstall removes only them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..hooks.spec import HOOK_SPECS, hook_args
from . import jsonedit
from .catalog import Env, resolve_path
from .launcher import hook_command
from .writers import Hints

SCRIPT = "task-orchestrator"
#: The header that marks an http hook as ours (docs/ARCHITECTURE.md, "The team").
MACHINE_HEADER = "X-Task-Orchestrator-Machine"
#: Claude Code waits this long at most for the team server's answer to an http hook.
HTTP_TIMEOUT_S = 5
#: Claude Code runs no http hook for these (it skips them, saying so in its debug log).
COMMAND_ONLY = frozenset({"SessionStart"})


@dataclass(frozen=True)
class HttpHooks:
    """``--hooks http``: Claude Code posts events to the team server itself."""

    url: str  # the team server's base URL
    token_env: str
    machine: str

    def hook(self, event: str, timeout: int) -> dict[str, Any]:
        return {
            "type": "http",
            "url": f"{self.url.rstrip('/')}/hooks/{event}",
            # Claude Code interpolates only the variables allowedEnvVars names.
            "headers": {
                "Authorization": f"Bearer ${{{self.token_env}}}",
                MACHINE_HEADER: self.machine,
            },
            "allowedEnvVars": [self.token_env],
            "timeout": min(timeout, HTTP_TIMEOUT_S),
        }


def settings_path(scope: str, env: Env) -> Path:
    if scope == "project":
        return env.project / ".claude" / "settings.json"
    if scope == "local":
        return env.project / ".claude" / "settings.local.json"
    path = resolve_path(["{CLAUDE_CONFIG_DIR}/settings.json", "{home}/.claude/settings.json"], env)
    assert path is not None
    return path


def desired_groups(program: str, http: HttpHooks | None = None) -> dict[str, dict[str, Any]]:
    """Our group per event: command hooks, or with ``http`` Claude Code's http hooks to the
    team server (a command hook where Claude Code runs no http hook)."""
    out: dict[str, dict[str, Any]] = {}
    command, *before = hook_command(program)
    for spec in HOOK_SPECS:
        hook: dict[str, Any] = {
            "type": "command",
            "command": command,
            "args": [*before, *hook_args(spec.event)],
            "timeout": spec.timeout,
        }
        if http is not None and spec.event not in COMMAND_ONLY:
            hook = http.hook(spec.event, spec.timeout)
        group: dict[str, Any] = {"matcher": spec.matcher} if spec.matcher else {}
        group["hooks"] = [hook]
        out[spec.event] = group
    return out


def _is_ours(group: Any) -> bool:
    if not isinstance(group, dict) or not isinstance(group.get("hooks"), list):
        return False
    hooks = group["hooks"]
    return bool(hooks) and all(_is_our_hook(h) for h in hooks)


def _is_our_hook(hook: Any) -> bool:
    if isinstance(hook, dict) and hook.get("type") == "http":
        headers = hook.get("headers")
        return (
            isinstance(headers, dict)
            and MACHINE_HEADER in headers
            and "/hooks/" in str(hook.get("url", ""))
        )
    args = hook.get("args") if isinstance(hook, dict) else None
    if not isinstance(args, list) or "hook" not in args:
        return False
    named = Path(str(hook.get("command", ""))).name.split(".")[0] == SCRIPT
    return named or any(isinstance(a, str) and "task_orchestrator" in a for a in args)


def _body(text: str) -> tuple[str, str]:
    bom = jsonedit.BOM if text.startswith(jsonedit.BOM) else ""
    return bom, text[len(bom) :]


def install_hooks(
    text: str, program: str, http: HttpHooks | None = None
) -> tuple[str, dict[str, Hints]]:
    """Our groups merged in; returns the new text and per-event undo hints."""
    if not text.strip():
        text = "{}\n"
        hints_all: dict[str, Hints] = {"_file": {"blank": ""}}
    else:
        hints_all = {}
    bom, body = _body(text)
    for event, group in desired_groups(program, http).items():
        root = jsonedit.parse(body)
        array = jsonedit.find(body, root, ["hooks", event])
        if array is None or array.kind != "array":
            edit, depth, padded = jsonedit.set_path(body, root, ["hooks", event], [group])
            hints_all[event] = {"depth": depth, "padded": padded}
        else:
            ours = [i for i, (_, _, v) in enumerate(array.items) if _is_ours(_val(body, v))]
            if ours:
                node = array.items[ours[0]][2]
                if _val(body, node) == group:
                    continue
                edit = jsonedit.replace_value(body, node, group)
            else:
                edit = jsonedit.append_to_array(body, array, group)
                hints_all[event] = {"depth": 2, "padded": edit.padded}
        body = edit.apply(body)
    return bom + body, hints_all


def uninstall_hooks(text: str, hints_all: dict[str, Hints]) -> str:
    """Only our groups removed, in reverse order of install so each removal undoes its insert."""
    if not text.strip():
        return text
    bom, body = _body(text)
    for spec in reversed(HOOK_SPECS):
        event = spec.event
        hints = hints_all.get(event, {})
        root = jsonedit.parse(body)
        array = jsonedit.find(body, root, ["hooks", event])
        if array is None or array.kind != "array":
            continue
        ours = [i for i, (_, _, v) in enumerate(array.items) if _is_ours(_val(body, v))]
        if not ours:
            continue
        depth = int(hints.get("depth", 2))
        padded = bool(hints.get("padded"))
        if len(ours) == len(array.items) and depth < 2:
            hooks = jsonedit.find(body, root, ["hooks"])
            assert hooks is not None
            if depth == 0 and len(hooks.items) == 1:
                edit = jsonedit.remove_item(body, root, root.index("hooks"), padded)
            else:
                edit = jsonedit.remove_item(body, hooks, hooks.index(event), padded and depth == 1)
            body = edit.apply(body)
            continue
        for i in reversed(ours):
            array = jsonedit.find(body, jsonedit.parse(body), ["hooks", event])
            assert array is not None
            last = i == len(array.items) - 1
            body = jsonedit.remove_item(body, array, i, padded and last).apply(body)
    out = bom + body
    if "_file" in hints_all and jsonedit.loads(body) == {}:
        return str(hints_all["_file"]["blank"])
    return out


def registered_events(
    text: str, program: str | None = None, http: HttpHooks | None = None
) -> dict[str, bool]:
    """Per event of HOOK_SPECS: is our group there (and current, when program is given)."""
    value: Any = jsonedit.loads(_body(text)[1]) if text.strip() else {}
    hooks = value.get("hooks", {}) if isinstance(value, dict) else {}
    want = desired_groups(program, http) if program else {}
    out: dict[str, bool] = {}
    for spec in HOOK_SPECS:
        groups = hooks.get(spec.event, []) if isinstance(hooks, dict) else []
        ours = [g for g in groups if _is_ours(g)] if isinstance(groups, list) else []
        out[spec.event] = bool(ours) and (not program or ours[0] == want[spec.event])
    return out


def _val(text: str, node: jsonedit.Node) -> Any:
    return jsonedit._to_value(text, node)
