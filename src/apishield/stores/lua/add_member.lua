-- Add ARGV[1] to the sorted set KEYS[1], scored by its expiry in ms of Redis time (ARGV[2] = ttl ms or "").
-- The set itself lives as long as its longest-lived member.
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ARGV[2] == '' then
  redis.call('ZADD', KEYS[1], 'inf', ARGV[1])
  redis.call('PERSIST', KEYS[1])
else
  local ttl = tonumber(ARGV[2])
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
  local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  if top[2] ~= 'inf' and tonumber(top[2]) ~= nil then
    local keep = tonumber(top[2]) - now
    if keep < 1 then keep = 1 end
    redis.call('PEXPIRE', KEYS[1], math.ceil(keep))
  end
end
return 1
