-- wrk script: MCP `tools/call` requests for fetchTicket / fetchTickets, and a check of every answer.
--
-- Configured through the environment (bench/run.py sets it):
--   BENCH_TOOL      fetchTicket | fetchTickets
--   BENCH_PROTOCOL  2025-11-25 (stateless, no session) | 2026-07-28 (per-request _meta, Mcp-Method/Mcp-Name)
--   BENCH_KEY       API key sent as "Authorization: Bearer <key>" (empty: no header)
--   BENCH_MIN_ID, BENCH_MAX_ID   ticket ids drawn uniformly from this range (fetchTicket)
--   BENCH_PAGES, BENCH_PER_PAGE, BENCH_STATUS   pages drawn uniformly from 1..BENCH_PAGES (fetchTickets)
--
-- done() prints one line "BENCH-RESULT {json}" with counts and latency percentiles (microseconds),
-- and "BENCH-FIRST-FAILURE <text>" with the first failed answer, if any.

local tool = os.getenv("BENCH_TOOL") or "fetchTicket"
local protocol = os.getenv("BENCH_PROTOCOL") or "2025-11-25"
local key = os.getenv("BENCH_KEY") or ""
local min_id = tonumber(os.getenv("BENCH_MIN_ID") or "1")
local max_id = tonumber(os.getenv("BENCH_MAX_ID") or "1")
local pages = tonumber(os.getenv("BENCH_PAGES") or "1")
local per_page = tonumber(os.getenv("BENCH_PER_PAGE") or "30")
local status = os.getenv("BENCH_STATUS") or "open"

-- Protocol revisions from 2026-07-28 on drop the handshake: each request carries its own envelope
-- in params._meta and mirrors the method and tool name in headers (mcp.shared.inbound).
local modern = protocol >= "2026-07-28"

local headers = {
  ["Content-Type"] = "application/json",
  ["Accept"] = "application/json, text/event-stream",
  ["Mcp-Protocol-Version"] = protocol,
}
if key ~= "" then
  headers["Authorization"] = "Bearer " .. key
end
local meta = ""
if modern then
  headers["Mcp-Method"] = "tools/call"
  headers["Mcp-Name"] = tool
  meta = ',"_meta":{"io.modelcontextprotocol/protocolVersion":"' .. protocol .. '",'
    .. '"io.modelcontextprotocol/clientCapabilities":{},'
    .. '"io.modelcontextprotocol/clientInfo":{"name":"helpdesk-bench","version":"1"}}'
end

local threads = {}

function setup(thread)
  thread:set("thread_number", #threads + 1)
  table.insert(threads, thread)
end

local counter = 0
ok, bad_status, rpc_errors, tool_errors, no_result = 0, 0, 0, 0, 0
first_failure = nil

function init(args)
  math.randomseed(os.time() * 1000 + (thread_number or 0))
end

local function arguments()
  if tool == "fetchTicket" then
    return string.format('{"ticket_id":%d}', math.random(min_id, max_id))
  end
  return string.format('{"status":"%s","per_page":%d,"page":%d}', status, per_page, math.random(1, pages))
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"%s","arguments":%s%s}}',
    counter, tool, arguments(), meta
  )
  return wrk.format("POST", nil, headers, body)
end

local function failed(kind, status_code, body)
  if first_failure == nil then
    first_failure = kind .. " (HTTP " .. status_code .. "): " .. string.sub(body or "", 1, 400)
  end
end

function response(status_code, response_headers, body)
  if status_code ~= 200 then
    bad_status = bad_status + 1
    failed("status", status_code, body)
  elseif string.find(body, '"isError":true', 1, true) or string.find(body, '"isError": true', 1, true) then
    tool_errors = tool_errors + 1
    failed("isError", status_code, body)
  elseif string.find(body, '"error":', 1, true) or string.find(body, '"error" :', 1, true) then
    rpc_errors = rpc_errors + 1
    failed("JSON-RPC error", status_code, body)
  elseif not string.find(body, '"result":', 1, true) then
    no_result = no_result + 1
    failed("no result", status_code, body)
  else
    ok = ok + 1
  end
end

function done(summary, latency, requests)
  local totals = { ok = 0, bad_status = 0, rpc_errors = 0, tool_errors = 0, no_result = 0 }
  local first = nil
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + (thread:get(name) or 0)
    end
    first = first or thread:get("first_failure")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH-RESULT {"requests":%d,"duration_us":%d,"ok":%d,"bad_status":%d,"rpc_errors":%d,'
      .. '"tool_errors":%d,"no_result":%d,"socket_errors":%d,"timeouts":%d,'
      .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, totals.ok, totals.bad_status, totals.rpc_errors,
    totals.tool_errors, totals.no_result, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean
  ))
  if first ~= nil then
    io.write("BENCH-FIRST-FAILURE " .. string.gsub(first, "\n", " ") .. "\n")
  end
end
