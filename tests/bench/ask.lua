-- wrk script: POST /ask with a rotating set of realistic demo questions.
local questions = {
  "How long does shipping take to the UK?",
  "where is my order",
  "can I return a jacket I wore once",
  "do you accept paypal",
  "my discount code doesn't work",
  "which boot size should I take, I'm between sizes",
  "how do I reset my password",
  "what is the capital of France",
  "I want to talk to a human",
  "how much is shipping to germany",
}
local i = 0
request = function()
  i = i + 1
  local body = '{"text":"' .. questions[(i % #questions) + 1] .. '","page_url":"https://northwind.example/p/1"}'
  return wrk.format("POST", "/api/v1/sites/demo/ask", {["Content-Type"] = "application/json"}, body)
end
