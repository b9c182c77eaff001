-- Change several counters at once, all or nothing. Mirrors apishield/stores/counters.py (the rules are there).
-- KEYS[1..n]: the counters (one hash slot in a cluster); KEYS[n+1] (optional): a ban key. While the ban lives
--   nothing is read or written and the reply is {-1, ms left}.
-- ARGV[1]: n; then per counter: amount, limit ("" for none), ttl in ms ("" for none), reset ("1" or "0").
-- Reply: {1 when every amount was added, 0 when a limit refused (nothing written), then per counter its value
--   and its PTTL after the call (or as it stands when refused)}.
local n = tonumber(ARGV[1])
if #KEYS > n then
  local left = redis.call('PTTL', KEYS[n + 1])
  if left > 0 then return {-1, left} end
end
local cur, had, ok = {}, {}, 1
for i = 1, n do
  local b = 2 + (i - 1) * 4
  local raw = redis.call('GET', KEYS[i])
  local v = 0
  if raw then v = tonumber(raw) end
  cur[i], had[i] = v, raw ~= false
  local amount = tonumber(ARGV[b])
  if ARGV[b + 1] ~= '' and amount > 0 then
    local base = v
    if ARGV[b + 3] == '1' then base = 0 end
    if base + amount > tonumber(ARGV[b + 1]) then ok = 0 end
  end
end
local out = {ok}
for i = 1, n do
  local b = 2 + (i - 1) * 4
  local key = KEYS[i]
  local v = cur[i]
  if ok == 1 then
    local reset = ARGV[b + 3] == '1'
    local base = v
    if reset then base = 0 end
    local new = base + tonumber(ARGV[b])
    if new < 0 then new = 0 end
    if new == 0 then
      redis.call('DEL', key)
    elseif reset or not had[i] then
      if ARGV[b + 2] == '' then redis.call('SET', key, new) else redis.call('SET', key, new, 'PX', ARGV[b + 2]) end
    elseif new ~= v then
      redis.call('INCRBY', key, new - v)
    end
    v = new
  end
  out[#out + 1] = v
  out[#out + 1] = redis.call('PTTL', key)
end
return out
