"""Capture real hook payloads from a Claude Code binary, for tests/hooks/data.

    .venv/bin/python tests/clients/capture_hooks.py CLAUDE OUT_DIR

Runs one scripted ``claude -p`` session (tests/hooks/hooks_fake_model.py plays the model) in a
temporary HOME, with a hook on every event that copies its stdin to a file, and a tiny MCP
server of its own (``tiny``, one tool ``make_task``). The session: start, one prompt, two
``TaskCreate``, ``TaskUpdate`` to in_progress, ``mcp__tiny__make_task``, a ``Write``, two
``TaskUpdate`` to completed, a failing ``Read``, stop, end. Where the binary defers tools
behind ToolSearch, the scripted model loads them first, as a real model does.

OUT_DIR gets one file per event (``Event.json``, or ``Event-ToolName.json`` for tool events;
the first payload of each, except ``PostToolUse-TaskUpdate-completed.json``, the last
``TaskUpdate`` to completed), with the temporary HOME renamed to ``/home/user`` and the
project to ``/home/user/project``; ``all.jsonl`` holds every payload in the order they came.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hooks"))
from hooks_fake_model import FakeModel

EVENTS = [
    "SessionStart",
    "UserPromptSubmit",
    "PreToolUse",
    "PostToolUse",
    "PostToolUseFailure",
    "PostToolBatch",
    "TaskCreated",
    "TaskCompleted",
    "Stop",
    "SessionEnd",
]
PROMPT = "build the thing with a plan"
MCP_TOOL = "mcp__tiny__make_task"
SCRIPT = [
    [
        (
            "tool_use",
            "TaskCreate",
            {
                "subject": "Design the API",
                "description": "Sketch endpoints",
                "activeForm": "Designing the API",
            },
        )
    ],
    [
        (
            "tool_use",
            "TaskCreate",
            {
                "subject": "Write the tests",
                "description": "Cover every endpoint",
                "activeForm": "Writing the tests",
            },
        )
    ],
    [("tool_use", "TaskUpdate", {"taskId": "1", "status": "in_progress"})],
    [("tool_use", MCP_TOOL, {"title": "Build the thing"})],
    [("tool_use", "Write", {"file_path": "{project}/hello.txt", "content": "hello\n"})],
    [("tool_use", "TaskUpdate", {"taskId": "1", "status": "completed"})],
    [("tool_use", "TaskUpdate", {"taskId": "2", "status": "completed"})],
    [("tool_use", "Read", {"file_path": "{project}/does-not-exist.txt"})],
    [("text", "All done.")],
]
# A minimal MCP server over stdio (no SDK: it must start fast and alike on every machine),
# answering as the Python SDK's FastMCP does for a tool returning a str: text content plus
# structured content {"result": ...}.
TINY_SERVER = """\
import json, sys

TOOL = {
    "name": "make_task",
    "description": "Make a task.",
    "inputSchema": {
        "type": "object",
        "properties": {"title": {"type": "string"}},
        "required": ["title"],
    },
    "outputSchema": {
        "type": "object",
        "properties": {"result": {"type": "string"}},
        "required": ["result"],
    },
}
for line in sys.stdin:
    msg = json.loads(line)
    if "id" not in msg:
        continue
    method = msg.get("method")
    if method == "initialize":
        result = {
            "protocolVersion": msg["params"]["protocolVersion"],
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "tiny", "version": "1.0.0"},
        }
    elif method == "tools/list":
        result = {"tools": [TOOL]}
    elif method == "tools/call":
        text = json.dumps({"task_id": "T-42", "title": msg["params"]["arguments"]["title"]})
        result = {
            "content": [{"type": "text", "text": text}],
            "structuredContent": {"result": text},
            "isError": False,
        }
    else:
        result = {}
    sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": result}) + "\\n")
    sys.stdout.flush()
"""
DUMP = """\
import os, sys, time
data = sys.stdin.buffer.read()
name = "%.6f-%d-%s.json" % (time.time(), os.getpid(), sys.argv[2])
with open(os.path.join(sys.argv[1], name), "wb") as f:
    f.write(data)
"""


def _with_project(value: object, project: str) -> object:
    if isinstance(value, str):
        return value.replace("{project}", project)
    if isinstance(value, dict):
        return {k: _with_project(v, project) for k, v in value.items()}
    return value


def capture(claude: Path, out: Path) -> None:
    base = Path(tempfile.mkdtemp(prefix="capture-hooks-"))
    home, dumps = base / "home", base / "dumps"
    project = home / "project"
    (project / ".git").mkdir(parents=True)
    dumps.mkdir()
    (base / "dump.py").write_text(DUMP, encoding="utf-8")
    (base / "tiny.py").write_text(TINY_SERVER, encoding="utf-8")
    hooks = {
        event: [
            {
                "matcher": "",
                "hooks": [
                    {
                        "type": "command",
                        "command": sys.executable,
                        "args": [str(base / "dump.py"), str(dumps), event],
                        "timeout": 10,
                    }
                ],
            }
        ]
        for event in EVENTS
    }
    (home / ".claude").mkdir()
    (home / ".claude" / "settings.json").write_text(json.dumps({"hooks": hooks}), "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE_"))}
    env.update(
        HOME=str(home),
        ANTHROPIC_API_KEY="sk-ant-test-not-a-real-key",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1",
        DISABLE_AUTOUPDATER="1",
    )
    subprocess.run(
        [
            str(claude),
            "mcp",
            "add",
            "-s",
            "user",
            "tiny",
            "--",
            sys.executable,
            str(base / "tiny.py"),
        ],
        env=env,
        cwd=project,
        check=True,
        capture_output=True,
        timeout=60,
    )
    script = [
        [tuple(_with_project(part, str(project)) for part in item) for item in turn]
        for turn in SCRIPT
    ]
    allowed = f"TaskCreate TaskUpdate TaskList TaskGet Write Read {MCP_TOOL}"
    with FakeModel(script) as model:
        env["ANTHROPIC_BASE_URL"] = model.url
        proc = subprocess.run(
            [str(claude), "-p", PROMPT, "--output-format", "json", "--allowedTools", allowed],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            stdin=subprocess.DEVNULL,
        )
    if proc.returncode != 0 or model.errors:
        sys.exit(f"claude failed ({proc.returncode}): {proc.stderr[-2000:]} {model.errors}")
    payloads = []
    for path in sorted(dumps.iterdir(), key=lambda p: float(p.name.split("-")[0])):
        text = path.read_text(encoding="utf-8")
        text = text.replace(str(project), "/home/user/project").replace(str(home), "/home/user")
        # Claude Code's transcript folder: the project path with every other character a "-".
        text = text.replace(re.sub(r"[^A-Za-z0-9]", "-", str(project)), "-home-user-project")
        payloads.append(json.loads(text))
    out.mkdir(parents=True, exist_ok=True)
    with (out / "all.jsonl").open("w", encoding="utf-8") as f:
        for payload in payloads:
            f.write(json.dumps(payload) + "\n")
    chosen: dict[str, dict[str, object]] = {}
    for payload in payloads:
        name = str(payload["hook_event_name"])
        if "tool_name" in payload:
            name += f"-{payload['tool_name']}"
        tool_input = payload.get("tool_input")
        if (
            name == "PostToolUse-TaskUpdate"
            and isinstance(tool_input, dict)
            and tool_input.get("status") == "completed"
        ):
            chosen[name + "-completed"] = payload  # the last one
            continue
        chosen.setdefault(name, payload)
    for name, payload in chosen.items():
        (out / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"{len(payloads)} payloads, {len(chosen)} files in {out}; searches: {model.searches}")


if __name__ == "__main__":
    capture(Path(sys.argv[1]), Path(sys.argv[2]))
