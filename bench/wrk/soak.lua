-- wrk script for `just soak`: POST one distinct CSV row per request (cycling through the file
-- given after `--`), each connection pausing DELAY_US µs (second argument, 0 by default;
-- wrk rounds down to whole milliseconds) between requests so that the total rate is a chosen fraction of the maximum; prints one
-- JSON line with the totals at the end.
--   wrk -t1 -c8 -d60s -s bench/wrk/soak.lua http://127.0.0.1:PORT/invocations -- ROWS [DELAY_US]
local rows = {}
local i = 0
local delay_ms = 0

function init(args)
  for line in io.lines(args[1]) do
    rows[#rows + 1] = line .. "\n"
  end
  delay_ms = (tonumber(args[2]) or 0) / 1000
  i = math.random(#rows) - 1
end

function request()
  i = i % #rows + 1
  return wrk.format("POST", nil, { ["Content-Type"] = "text/csv", ["Accept"] = "text/csv" }, rows[i])
end

function delay()
  return delay_ms
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"req_s":%.1f,"p50_us":%d,"p99_us":%d,"max_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
