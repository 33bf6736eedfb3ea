-- POSTs a resident's request at a building drawn from a list, as the JSON API takes it.
local buildings = {}
local services = {"sanitation", "facilities", "heating", "water", "property", "noise", "safety"}
for line in io.lines(os.getenv("BUILDINGS")) do buildings[#buildings + 1] = line end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
local n = 0
request = function()
  n = n + 1
  local body = string.format(
    '{"service_code":"%s","address_id":"%s","description":"楼道灯不亮，第%d号","phone":"10012345678"}',
    services[n % #services + 1], buildings[math.random(#buildings)], n)
  return wrk.format(nil, "/api/v1/requests", nil, body)
end
-- acked: answers received with a 2xx, each of which must be on disk afterwards.
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("req_s=%.0f p50_ms=%.2f p99_ms=%.2f non2xx=%d errors=%d acked=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status, errors,
    summary.requests - summary.errors.status - errors))
end
