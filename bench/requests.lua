-- wrk script for the concurrency figures: rotates over a list of requests and counts the answers
-- by status. Arguments (after --): <data file> <wrk thread count> <run id>
-- The data file (bench/concurrency.py) defines `items`, each {method, path, body, token}. In a
-- body, "{unique}" becomes a string no other request of the run uses (a fresh username for the
-- anonymous logins). Each wrk thread starts at its own offset in the list.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  dofile(args[1])
  nthreads = tonumber(args[2])
  run = args[3]
  n = 0
  statuses = {}
end

function request()
  n = n + 1
  local item = items[(n * nthreads + tid) % #items + 1]
  local headers = {}
  if item.token ~= "" then
    headers["Authorization"] = "Bearer " .. item.token
  end
  local body = nil
  if item.body ~= "" then
    headers["Content-Type"] = "application/json"
    body = string.gsub(item.body, "{unique}", run .. "x" .. tid .. "x" .. n)
  end
  return wrk.format(item.method, item.path, headers, body)
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for status, count in pairs(t:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(total) do
    table.insert(parts, string.format('"%s": %d', status, count))
  end
  io.write(string.format(
    'BENCH_RESULT {"duration_us": %d, "requests": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"socket_errors": %d, "timeouts": %d, "statuses": {%s}}\n',
    summary.duration, summary.requests, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout,
    table.concat(parts, ", ")))
end
