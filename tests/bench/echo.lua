-- wrk script: POST /echo with a body the size of an /ask request.
request = function()
  local body = '{"text":"How long does shipping take to the UK?","page_url":"https://northwind.example/p/1"}'
  return wrk.format("POST", "/echo", {["Content-Type"] = "application/json"}, body)
end
