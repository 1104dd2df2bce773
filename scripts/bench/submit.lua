-- wrk script: each request is a different citizen (new idempotency key and device cookie)
-- posting valid answers to a desk taken in turn from the file named by the first argument.
-- Counts 303 answers (acknowledged = stored) and everything else (errors) per thread.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  codes = {}
  for line in io.lines(args[1]) do table.insert(codes, line) end
  run = tonumber(args[2]) or 0
  math.randomseed(run * 2 + id)
  n = 0
  acked = 0
  errors = 0
end

-- A rating from 1 to 5: 5 half the time, 4 for 30%, 3 for 10%, 2 for 6%, 1 for 4%.
visits = { "1", "2", "3%2B" }

function level()
  local r = math.random()
  if r < 0.5 then return 5 elseif r < 0.8 then return 4 elseif r < 0.9 then return 3
  elseif r < 0.96 then return 2 else return 1 end
end

function request()
  n = n + 1
  local key = string.format("%08x%08x%016x", run, id, n)
  local device = string.format("%08x%08x%016x", run, id + 1, n)
  local code = codes[(n % #codes) + 1]
  -- Answers vary as citizens' do: mostly satisfied, some not, a comment now and then.
  local body = "_key=" .. key .. "&lang=vi&overall=" .. level() .. "&access=" .. level()
    .. "&procedures=" .. level() .. "&civil_servants=" .. level() .. "&results=" .. level()
    .. "&visits=" .. visits[math.random(1, 3)]
  if math.random() < 0.3 then body = body .. "&comment=Nhanh+g%E1%BB%8Dn" end
  -- Citizens come from many addresses (phones on mobile networks, a commune's Wi-Fi): 4 096
  -- of them here, given to the server as a reverse proxy would (bench.sh trusts the header).
  local client = string.format("10.%d.%d.%d", id, math.floor(n / 256) % 16, n % 256)
  return wrk.format("POST", "/q/" .. code, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "hl_dev=" .. device,
    ["X-Forwarded-For"] = client,
  }, body)
end

function response(status, headers, body)
  -- 303 to the thank-you page means stored; "?already=1" would mean refused as a repeat.
  local location = headers["Location"] or headers["location"] or ""
  if status == 303 and not string.find(location, "already") then
    acked = acked + 1
  else
    errors = errors + 1
  end
end

function done(summary, latency, requests)
  local a, e = 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("acked")
    e = e + t:get("errors")
  end
  io.write(string.format("RESULT acked=%d errors=%d rps=%.1f p50_ms=%.1f p99_ms=%.1f\n",
    a, e, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
