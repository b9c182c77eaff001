-- 1 when ARGV[1] is in KEYS[1] and its expiry (score, ms of Redis time) is in the future.
if redis.replicate_commands then redis.replicate_commands() end
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then return 0 end
if score == 'inf' then return 1 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if tonumber(score) > now then return 1 end
redis.call('ZREM', KEYS[1], ARGV[1])
return 0
