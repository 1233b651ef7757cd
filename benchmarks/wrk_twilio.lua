-- wrk script: POSTs pre-signed Twilio webhook requests (REQS, loaded from the data file
-- given as the first script argument), thread k sending requests k, k+T, k+2T, ...
-- so no MessageSid is sent twice unless the list runs out ("wrapped" counts those).
-- Prints one line "BENCH {json}" with the totals of every thread.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  dofile(args[1])
  step = tonumber(args[2])
  counter = id
  non2xx = 0
  wrapped = 0
end

function request()
  if counter >= #REQS then wrapped = wrapped + 1 end
  local r = REQS[counter % #REQS + 1]
  counter = counter + step
  return wrk.format("POST", r[1], {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = r[3],
  }, r[2])
end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local bad, wrapped_total = 0, 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("non2xx")
    wrapped_total = wrapped_total + t:get("wrapped")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, "non2xx": %d, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, "status_errors": %d, "wrapped": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max, bad,
    e.connect, e.read, e.write, e.timeout, e.status, wrapped_total))
end
