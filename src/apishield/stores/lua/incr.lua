-- Add ARGV[1] to a counter; ARGV[2] (milliseconds, "" for none) is applied only when the counter is created.
local created = redis.call('EXISTS', KEYS[1]) == 0
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if created and ARGV[2] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return v
