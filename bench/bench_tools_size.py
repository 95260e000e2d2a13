"""Benchmark: what the tools cost in a model's context, per ``[server] tools`` setting.

    python bench/bench_tools_size.py [--figures FILE]

Clients hand the model each tool's name, description and input schema; that is the part
measured here, as compact JSON (``{"name", "description", "input_schema"}`` per tool, the
shape of a tool definition in a model API request), in characters and in tokens estimated at
4 characters per token. The whole tools/list answer (with output schemas and annotations,
which clients keep for themselves) is reported beside it. Both come from tools/list of the
real server (in process), under ``tools = "all"`` and ``tools = "core"``
(server/state.py, ``CORE_TOOLS``). Deterministic: a change is a change of the tools, so
the tool count is ``exact`` and the sizes ``size``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from figures import Figures

CHARS_PER_TOKEN = 4


def tools_list(setting: str) -> list[dict[str, Any]]:
    """tools/list of a server whose config.toml says ``tools = setting``."""
    import anyio
    from mcp import Client

    from task_orchestrator.core.paths import default_paths
    from task_orchestrator.server.app import build_server

    with tempfile.TemporaryDirectory() as root:
        os.environ["TASK_ORCHESTRATOR_HOME"] = root
        config = default_paths().config_file
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(f'[server]\ntools = "{setting}"\n', "utf-8")

        async def listed() -> list[dict[str, Any]]:
            async with Client(build_server(), mode="legacy") as client:
                tools = (await client.list_tools()).tools
            return [t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in tools]

        return anyio.run(listed)


def model_facing(tool: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": tool["name"],
        "description": tool.get("description", ""),
        "input_schema": tool["inputSchema"],
    }


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--figures", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    figs = Figures("tools_size")
    print("| tools setting | tools | model-facing chars | est. tokens | of which descriptions |")
    print("|---|---:|---:|---:|---:|")
    widest: tuple[int, str] = (0, "")
    full_sizes: dict[str, int] = {}
    for setting in ("all", "core"):
        tools = tools_list(setting)
        facing = [model_facing(t) for t in tools]
        chars = sum(len(compact(t)) for t in facing)
        descriptions = sum(len(t["description"]) for t in facing)
        tokens = round(chars / CHARS_PER_TOKEN)
        full_sizes[setting] = len(compact({"tools": tools}))
        figs.add(f"{setting}.tools", len(tools), "tools", "exact")
        figs.add(f"{setting}.model_chars", chars, "chars", "size")
        figs.add(f"{setting}.model_tokens_est", tokens, "tokens", "size")
        figs.add(f"{setting}.tools_list_chars", full_sizes[setting], "chars", "size")
        print(f"| {setting} | {len(tools)} | {chars:,} | {tokens:,} | {descriptions:,} |")
        if setting == "all":
            widest = max((len(compact(t)), t["name"]) for t in facing)
    print(
        f"\nWhole tools/list answer (with output schemas and annotations): "
        f"{full_sizes['all']:,} chars (all), {full_sizes['core']:,} chars (core). "
        f"Largest tool: {widest[1]}, {widest[0]:,} chars. Tokens at {CHARS_PER_TOKEN} chars each."
    )
    figs.write(args.figures)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
