-- wrk script: GET /request/{id} with ids spread over 100 M (each names 32 keys and one value).
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/request/" .. ((counter * 2654435761) % 100000000))
end
