// The TypeScript MCP SDK's client, signing in by OAuth the way an application built on it would.
//
//   node tests/clients/ts_sdk_oauth.mjs --url http://127.0.0.1:8810/mcp \
//       --modules .ci/.work/clients/node_modules --browser tests/clients/browser_login.py \
//       --callback-port 8812 [--tool fetchTickets] [--expect-tools 34] [--refuse createTicket]
//
// The transport follows the URL as clients that pick it from the suffix do: `…/sse` is the
// legacy SSE transport (SSEClientTransport), anything else Streamable HTTP. Either way the SDK
// reads the URL's own protected-resource metadata and asks for a token for exactly that URL.
// With --refuse, a call to that tool must come back as a JSON-RPC error (a narrowed endpoint).
//
// An OAuthClientProvider with in-memory storage; its redirectToAuthorization hands the URL to the
// scripted browser (tests/clients/browser_login.py), which signs in as the demo agent, approves,
// and follows the redirect to this script's loopback callback listener. Then
// transport.finishAuth(code), a new connection, tools/list, a tools/call, and a refresh: the
// access token is spoiled so the next request gets 401 and the SDK must refresh on its own
// (without a second browser visit). One JSON line on stdout sums it up; exit 0 when all held.
//
// The SDK is loaded from --modules (the npm prefix .ci/run installs into), so this file needs no
// node_modules beside it.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    modules: { type: 'string' },
    browser: { type: 'string' },
    'callback-port': { type: 'string', default: '8812' },
    tool: { type: 'string', default: 'fetchTickets' },
    'expect-tools': { type: 'string' },
    refuse: { type: 'string' },
    timeout: { type: 'string', default: '60' },
  },
});
for (const name of ['url', 'modules', 'browser']) {
  if (!args[name]) {
    console.error(`usage: ts_sdk_oauth.mjs --url URL --modules DIR --browser SCRIPT [--callback-port P]; missing --${name}`);
    process.exit(2);
  }
}

const require = createRequire(join(resolve(args.modules), 'noop.js'));
const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js');
const { SSEClientTransport } = require('@modelcontextprotocol/sdk/client/sse.js');
const { McpError } = require('@modelcontextprotocol/sdk/types.js');
const { UnauthorizedError } = require('@modelcontextprotocol/sdk/client/auth.js');
const sdkVersion = JSON.parse(
  readFileSync(join(resolve(args.modules), '@modelcontextprotocol/sdk/package.json'), 'utf8'),
).version;

const serverUrl = new URL(args.url);
const Transport = serverUrl.pathname.endsWith('/sse') ? SSEClientTransport : StreamableHTTPClientTransport;
const callbackPort = Number(args['callback-port']);
const redirectUrl = `http://127.0.0.1:${callbackPort}/callback`;
const deadline = Date.now() + Number(args.timeout) * 1000;
const log = (...parts) => console.error('[ts-sdk]', ...parts);

function withDeadline(promise, what) {
  const left = deadline - Date.now();
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), Math.max(left, 0));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// --- the loopback callback a native app listens on --------------------------------------------

let expectedState;
let resolveCallback;
let rejectCallback;
const callbackReceived = new Promise((ok, fail) => {
  resolveCallback = ok;
  rejectCallback = fail;
});
const callbackServer = createServer((req, res) => {
  const url = new URL(req.url, redirectUrl);
  if (url.pathname !== '/callback') {
    res.writeHead(404).end();
    return;
  }
  const params = Object.fromEntries(url.searchParams);
  res.writeHead(200, { 'content-type': 'text/html' }).end('<p>Signed in. You may close this window.</p>');
  if (params.error) rejectCallback(new Error(`authorization failed: ${params.error} ${params.error_description ?? ''}`));
  else resolveCallback(params);
});
await new Promise((ok, fail) => {
  callbackServer.once('error', fail);
  callbackServer.listen(callbackPort, '127.0.0.1', ok);
});

// --- the provider: in-memory storage, a scripted browser for the redirect --------------------

const browserRuns = [];

class InMemoryOAuthProvider {
  clientInfo = undefined;
  storedTokens = undefined;
  verifier = undefined;
  tokenSaves = 0;

  get redirectUrl() {
    return redirectUrl;
  }

  get clientMetadata() {
    return {
      client_name: 'helpdesk-mcp TS SDK client check',
      redirect_uris: [redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  state() {
    expectedState = randomBytes(16).toString('hex');
    return expectedState;
  }

  clientInformation() {
    return this.clientInfo;
  }

  saveClientInformation(info) {
    this.clientInfo = info;
  }

  tokens() {
    return this.storedTokens;
  }

  saveTokens(tokens) {
    this.storedTokens = tokens;
    this.tokenSaves += 1;
  }

  saveCodeVerifier(verifier) {
    this.verifier = verifier;
  }

  codeVerifier() {
    if (!this.verifier) throw new Error('no code verifier saved');
    return this.verifier;
  }

  redirectToAuthorization(authorizationUrl) {
    log('opening the browser at', `${authorizationUrl.origin}${authorizationUrl.pathname}`);
    const child = spawn(args.browser, [authorizationUrl.href], { stdio: ['ignore', 'ignore', 'inherit'] });
    const run = new Promise((ok) => {
      child.once('error', (error) => ok({ code: -1, error: String(error) }));
      child.once('exit', (code) => ok({ code }));
    });
    browserRuns.push(run);
    run.then(({ code, error }) => {
      if (code !== 0) rejectCallback(new Error(`the scripted browser failed (exit ${code}${error ? `, ${error}` : ''})`));
    });
  }
}

const provider = new InMemoryOAuthProvider();
const summary = { sdk: sdkVersion, url: serverUrl.href, transport: Transport.name };

async function connect() {
  const client = new Client({ name: 'helpdesk-mcp-ts-sdk-check', version: '1.0.0' });
  const transport = new Transport(serverUrl, { authProvider: provider });
  await withDeadline(client.connect(transport), 'connect');
  return { client, transport };
}

let client;
let status = 1;
try {
  // 1. First connection: 401, discovery, registration, the browser, the callback.
  try {
    ({ client } = await connect());
    throw new Error('the server accepted a request without credentials');
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
  }
  const params = await withDeadline(callbackReceived, 'the OAuth callback');
  if (params.state !== expectedState) throw new Error(`state came back as ${params.state}, sent ${expectedState}`);
  summary.iss = params.iss ?? null;
  if (params.iss !== undefined && params.iss !== serverUrl.origin) throw new Error(`iss ${params.iss} is not ${serverUrl.origin}`);
  summary.client_id = provider.clientInfo?.client_id;
  const firstTransport = new Transport(serverUrl, { authProvider: provider });
  await withDeadline(firstTransport.finishAuth(params.code), 'the token exchange');
  summary.token = {
    type: provider.storedTokens?.token_type,
    scope: provider.storedTokens?.scope,
    expires_in: provider.storedTokens?.expires_in,
    refresh_token: Boolean(provider.storedTokens?.refresh_token),
  };
  if (!provider.storedTokens?.access_token) throw new Error('no access token after finishAuth');

  // 2. Connected with the token: list the tools, call one.
  ({ client } = await connect());
  summary.server = client.getServerVersion();
  summary.protocol = client.transport?.protocolVersion ?? null;
  const listed = await withDeadline(client.listTools(), 'tools/list');
  summary.tools = listed.tools.length;
  if (args['expect-tools'] && summary.tools !== Number(args['expect-tools'])) {
    throw new Error(`tools/list returned ${summary.tools} tools, expected ${args['expect-tools']}`);
  }
  if (listed.nextCursor) throw new Error('tools/list has a second page');
  const result = await withDeadline(client.callTool({ name: args.tool, arguments: { per_page: 5 } }), `tools/call ${args.tool}`);
  if (result.isError) throw new Error(`${args.tool} failed: ${JSON.stringify(result.content)}`);
  const items = Object.values(result.structuredContent ?? {}).find(Array.isArray) ?? [];
  summary.call = { tool: args.tool, items: items.length, total: result.structuredContent?.total };
  if (items.length === 0) throw new Error(`${args.tool} returned no items: ${JSON.stringify(result.structuredContent)}`);
  if (args.refuse) {
    try {
      await withDeadline(client.callTool({ name: args.refuse, arguments: {} }), `tools/call ${args.refuse}`);
      throw new Error(`${args.refuse} was not refused`);
    } catch (error) {
      if (!(error instanceof McpError)) throw error;
      summary.refused = { tool: args.refuse, code: error.code };
    }
  }
  await client.close();

  // 3. Refresh: a spoiled access token gets 401 invalid_token; the SDK refreshes by itself.
  const before = { ...provider.storedTokens };
  provider.storedTokens = { ...before, access_token: 'spoiled' };
  const saves = provider.tokenSaves;
  ({ client } = await connect());
  const again = await withDeadline(client.listTools(), 'tools/list after the refresh');
  if (again.tools.length !== summary.tools) throw new Error('tools/list after the refresh differs');
  if (provider.tokenSaves === saves || provider.storedTokens.access_token === 'spoiled') {
    throw new Error('the SDK did not refresh the spoiled token');
  }
  if (browserRuns.length !== 1) throw new Error(`the browser was opened ${browserRuns.length} times`);
  summary.refresh = {
    new_access_token: provider.storedTokens.access_token !== before.access_token,
    rotated_refresh_token: provider.storedTokens.refresh_token !== before.refresh_token,
  };
  await client.close();
  client = undefined;
  summary.ok = true;
  status = 0;
} catch (error) {
  summary.ok = false;
  summary.error = error instanceof Error ? error.message : String(error);
  log('FAILED:', error);
} finally {
  if (client) await client.close().catch(() => {});
  callbackServer.close();
  callbackServer.closeAllConnections?.();
}
process.stdout.write(`${JSON.stringify(summary)}\n`);
process.exit(status);
