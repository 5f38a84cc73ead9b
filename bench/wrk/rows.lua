-- wrk script: POST one distinct CSV row per request (cycling through the file given after
-- `--`), and print one JSON line with the totals and latency percentiles (µs) at the end.
--   wrk -t1 -c16 -d10s --latency -s bench/wrk/rows.lua http://127.0.0.1:PORT/invocations -- ROWS
-- The requests are formatted once, in init: formatting one per request in Lua took about a
-- tenth of wrk's CPU, on the core it shares with nothing but the kernel's loopback work.
local requests = {}
local i = 0

function init(args)
  for line in io.lines(args[1]) do
    requests[#requests + 1] = wrk.format("POST", nil,
      { ["Content-Type"] = "text/csv", ["Accept"] = "text/csv" }, line .. "\n")
  end
  -- Each thread starts at a different row.
  i = math.random(#requests) - 1
end

function request()
  i = i % #requests + 1
  return requests[i]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"req_s":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d,"errors":%d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, e.connect + e.read + e.write + e.status + e.timeout))
end
