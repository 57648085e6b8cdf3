-- wrk script for the memory figure: a rotating mix of the customer routes (accounts, profile,
-- history, a transfer to a trusted payee with a fresh Idempotency-Key, health). Each thread
-- stops after its share and leaves a file named after its id in <done dir>: wrk's main thread
-- sleeps for the whole -d whatever its threads do, so the bench interrupts it (SIGINT) once
-- every thread is done.
-- Arguments (after --): <data file> <wrk thread count> <run id> <requests per thread> <done dir>
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  dofile(args[1])
  run = args[3]
  limit = tonumber(args[4])
  done_dir = args[5]
  stopped = false
  n = 0
  answered = 0
  failed = 0
end

function request()
  n = n + 1
  local s = senders[(n * 7 + tid) % #senders + 1]
  local auth = {["Authorization"] = "Bearer " .. s.token}
  local kind = n % 5
  if kind == 0 then
    return wrk.format("GET", "/api/accounts", auth)
  elseif kind == 1 then
    return wrk.format("GET", "/api/me", auth)
  elseif kind == 2 then
    return wrk.format("GET", "/api/transactions?limit=20&account=" .. s.from, auth)
  elseif kind == 3 then
    auth["Content-Type"] = "application/json"
    auth["Idempotency-Key"] = run .. "-" .. tid .. "-" .. n
    local payee = s.payees[(n * 31 + tid) % #s.payees + 1]
    return wrk.format("POST", "/api/transfers", auth,
      '{"from_account":"' .. s.from .. '","payee_id":"' .. payee .. '","amount":"0.01"}')
  else
    return wrk.format("GET", "/api/health")
  end
end

function response(status, headers, body)
  answered = answered + 1
  if status >= 400 then
    failed = failed + 1
  end
  if answered >= limit and not stopped then
    stopped = true
    local marker = io.open(done_dir .. "/" .. tid, "w")
    marker:close()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local a, f = 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("answered")
    f = f + t:get("failed")
  end
  io.write(string.format('BENCH_RESULT {"answered": %d, "failed": %d, "duration_us": %d}\n',
    a, f, summary.duration))
end
