-- wrk script of bench/results_day.py: each request signs in as a random student (a session
-- cookie picked from RD_KEYS), behind a TLS proxy (X-Forwarded-Proto: https).
local keys = {}
for line in io.lines(os.getenv("RD_KEYS")) do keys[#keys + 1] = line end
local path = os.getenv("RD_PATH")
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)

request = function()
  local key = keys[math.random(#keys)]
  return wrk.format("GET", path, {
    ["Cookie"] = "sessionid=" .. key,
    ["X-Forwarded-Proto"] = "https",
    ["Host"] = "127.0.0.1",
  })
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"status_errors": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect, e.read, e.write, e.timeout))
end
