-- wrk script: POST /handoff, each request a new conversation (the worst case: a full
-- transaction with escalation, transcript, outbox row and status event).
local i = 0
request = function()
  i = i + 1
  local body = '{"email":"customer' .. i .. '@example.com","name":"Load Test","message":"My parcel ' .. i .. ' never arrived","page_url":"https://northwind.example/orders"}'
  return wrk.format("POST", "/api/v1/sites/demo/handoff", {["Content-Type"] = "application/json"}, body)
end
