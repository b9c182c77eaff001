-- Read and delete a value in one step (works on servers without GETDEL).
local v = redis.call('GET', KEYS[1])
if v then redis.call('DEL', KEYS[1]) end
return v
