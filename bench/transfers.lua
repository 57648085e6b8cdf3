-- wrk script: POST /api/transfers to a trusted payee (payee_id) with a bearer token and a fresh
-- Idempotency-Key per request.
-- Arguments (after --): <data file> <wrk thread count> <run id> [max requests per thread]
-- The data file (bench/fixtures.py) defines `senders` ({token, from, payees}) and
-- `shared_senders`. Low contention: each wrk thread rotates over its own disjoint share of
-- many senders, each paying its trusted payees in turn. High contention: every thread rotates
-- over the same ring of hot accounts, each paying the next.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  dofile(args[1])
  local nthreads = tonumber(args[2])
  run = args[3]
  limit = tonumber(args[4] or "0")
  mine = {}
  for i, s in ipairs(senders) do
    if shared_senders or (i - 1) % nthreads == tid then
      table.insert(mine, s)
    end
  end
  n = 0
  created = 0
  refused = 0
end

function request()
  n = n + 1
  local s = mine[(n + tid - 1) % #mine + 1]
  local payee = s.payees[(n * 31 + tid * 17) % #s.payees + 1]
  local body = '{"from_account":"' .. s.from .. '","payee_id":"' .. payee .. '","amount":"0.01"}'
  return wrk.format("POST", "/api/transfers", {
    ["Authorization"] = "Bearer " .. s.token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = run .. "-" .. tid .. "-" .. n,
  }, body)
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  else
    refused = refused + 1
  end
  if limit > 0 and created + refused >= limit then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local c, r = 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    r = r + t:get("refused")
  end
  io.write(string.format(
    'BENCH_RESULT {"duration_us": %d, "requests": %d, "created": %d, "refused": %d, ' ..
    '"p50_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d, ' ..
    '"socket_errors": %d, "timeouts": %d}\n',
    summary.duration, summary.requests, c, r, latency:percentile(50), latency:percentile(99),
    latency.mean, latency.max,
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout))
end
