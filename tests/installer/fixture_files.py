"""Config files that look like real users' files, built for any container key path."""

from __future__ import annotations

import json
from typing import Any

OTHER = {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/home/me"]}


def _nest(key: list[str], inner: Any) -> Any:
    for k in reversed(key):
        inner = {k: inner}
    return inner


def json_variants(key: list[str]) -> dict[str, str]:
    """name -> file text, each holding other content under and around ``key``."""
    servers = {"filesystem": OTHER, "github": {"command": "/usr/bin/gh-mcp", "env": {"T": "x"}}}
    doc = {"theme": "dark", **_nest(key, servers), "zzz": [1, 2, {"a": None}]}
    pretty = json.dumps(doc, indent=2) + "\n"
    # JSONC: comments everywhere and trailing commas, the way VS Code users write them.
    jsonc = "// my settings, do not lose this comment\n" + pretty.rstrip("\n")
    jsonc = jsonc.replace('"theme": "dark",', '"theme": "dark", /* inline */')
    jsonc = jsonc.replace('"/home/me"\n', '"/home/me", // trailing comma next\n')
    jsonc = jsonc.replace('"T": "x"\n', '"T": "x",\n')
    jsonc += "\n// end\n"
    tabs = json.dumps(doc, indent="\t")
    unicode_doc = {"名前": "テスト ✓", "emoji": "🎉", **_nest(key, {"ünïcode": OTHER})}
    return {
        "other-servers": pretty,
        "jsonc-comments-trailing-commas": jsonc,
        "crlf-bom-tabs": "\ufeff" + tabs.replace("\n", "\r\n") + "\r\n",
        "unicode": json.dumps(unicode_doc, indent=4, ensure_ascii=False) + "\n",
        "unicode-escaped": json.dumps(unicode_doc, indent=4) + "\n",
        "compact": json.dumps(doc),
        "no-container": '{\n  "theme": "light"\n}\n',
        "empty-object": "{}",
        "empty-file": "",
        "container-empty": json.dumps(_nest(key, {}), indent=2) + "\n",
    }


TOML_VARIANTS = {
    "other-servers": (
        '# Codex settings\nmodel = "o3"  # the default\napproval_policy = "on-request"\n\n'
        "[mcp_servers.filesystem]\n"
        'command = "npx"\nargs = ["-y", "@modelcontextprotocol/server-filesystem"]\n\n'
        '[mcp_servers.filesystem.env]\nX = "1"\n\n[profiles.fast]\nmodel = "o4-mini"\n'
    ),
    "crlf": '# windows\r\nmodel = "o3"\r\n\r\n[mcp_servers.other]\r\ncommand = "x"\r\n',
    "unicode": '# ünïcode ✓\nname = "テスト"\n',
    "no-trailing-newline": 'model = "o3"',
    "empty-file": "",
    "container-header-only": "[mcp_servers]\n",
}

# Goose's config.yaml as goose writes it (serde_yaml: block sequences at the key's indent,
# plain scalars) and as users edit it (comments, CRLF, no final line break, four spaces).
YAML_VARIANTS = {
    "goose-written": (
        "GOOSE_PROVIDER: anthropic\nGOOSE_MODEL: claude-sonnet-4-5\n"
        "extensions:\n  developer:\n    bundled: true\n    display_name: Developer\n"
        "    enabled: true\n    name: developer\n    timeout: 300\n    type: builtin\n"
        "  github:\n    args:\n    - -y\n    - '@modelcontextprotocol/server-github'\n"
        "    cmd: npx\n    enabled: false\n    envs:\n      GITHUB_TOKEN: x\n"
        "    name: github\n    timeout: 300\n    type: stdio\n"
        "GOOSE_MODE: smart_approve\n"
    ),
    "comments": (
        "# my goose settings\nGOOSE_PROVIDER: openai  # switched in May\n\n"
        "extensions:\n  # the one I use daily\n  memory:\n    enabled: true\n"
        "    type: builtin\n    name: memory\n\n# keep this last\nGOOSE_TELEMETRY_ENABLED: false\n"
    ),
    "crlf-four-spaces": "a: 1\r\nextensions:\r\n    x:\r\n        type: builtin\r\n",
    "no-trailing-newline": "GOOSE_PROVIDER: ollama\nextensions:\n  x:\n    type: builtin",
    "no-extensions": "GOOSE_PROVIDER: ollama\nGOOSE_MODEL: qwen3\n",
    "unicode": '# ünïcode ✓\nGOOSE_MODEL: "テスト"\nextensions:\n  jp:\n    name: "名前"\n',
    "empty-file": "",
}
