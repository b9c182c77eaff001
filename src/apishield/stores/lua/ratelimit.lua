-- Decide several rate limits for one request atomically, with Redis's own clock.
-- Mirrors apishield/ratelimit/strategies.py; a denied request writes nothing.
-- KEYS[1]: a hash holding the request key's state, one field per limit ("a:b:c", 17 significant digits).
-- ARGV: cost, now ("" = Redis TIME; a number only in tests), then per limit: field, strategy, amount, window,
--       capacity.  strategy: 1 fixed_window, 2 sliding_window, 3 token_bucket, 4 gcra
-- KEYS[2] (optional): a ban key (same hash slot in a cluster). While it lives, nothing is decided or written
--       and the reply is "B <seconds left>", so a ban check and the limits cost one round trip. KEYS[2] equal
--       to KEYS[1] means "no ban key" (when sets follow).
-- KEYS[3..] (optional): sorted sets as add_member.lua writes them, read as members.lua does (expired members
--       removed), so that what a request's authentication reads comes back with its decision.
-- Returns one string, per limit "allowed remaining reset_after retry_after", limits separated by spaces; with
-- KEYS[3..], an array: that string, then the members of each set, or the string alone when every set is
-- empty (a flat reply costs the client less to read).
if redis.replicate_commands then redis.replicate_commands() end
if KEYS[2] and KEYS[2] ~= KEYS[1] then
  local left = redis.call('PTTL', KEYS[2])
  if left > 0 then return 'B ' .. string.format('%.3f', left / 1000) end
end
local now
if ARGV[2] ~= '' then
  now = tonumber(ARGV[2])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local cost = tonumber(ARGV[1])
local EPS = 1e-3
local floor = math.floor

local function units(v)
  local u = floor(v + EPS)
  if u < 0 then return 0 end
  return u
end
local function same(stored, start, window) return math.abs(stored - start) < window / 2 end

local n = (#ARGV - 2) / 5
local fields = {}
for i = 1, n do fields[i] = ARGV[2 + (i - 1) * 5 + 1] end
local raws = redis.call('HMGET', KEYS[1], unpack(fields))
local out, writes, all_ok, longest = {}, {}, true, 0
for i = 1, n do
  local base = 2 + (i - 1) * 5 + 1
  local strategy = tonumber(ARGV[base + 1])
  local amount = tonumber(ARGV[base + 2])
  local window = tonumber(ARGV[base + 3])
  local capacity = tonumber(ARGV[base + 4])
  local raw = raws[i]
  local a, b, c
  if raw then
    local x, y, z = string.match(raw, '^([^:]+):([^:]+):([^:]+)$')
    a, b, c = tonumber(x), tonumber(y), tonumber(z)
  end
  local ok, remaining, reset, retry, sa, sb, sc, keep
  if strategy == 1 then
    local start = floor(now / window) * window
    local used = 0
    if a and same(a, start, window) then used = b end
    reset = start + window - now
    keep = reset
    if used + cost <= amount + EPS then
      ok, remaining, retry, sa, sb, sc = true, units(amount - used - cost), 0, start, used + cost, 0
    else
      ok, remaining, retry = false, units(amount - used), reset
    end
  elseif strategy == 2 then
    local start = floor(now / window) * window
    local prev, cur = 0, 0
    if a then
      if same(a, start, window) then prev, cur = b, c
      elseif same(a, start - window, window) then prev = c end
    end
    local weight = 1 - (now - start) / window
    local estimate = prev * weight + cur
    keep = start + 2 * window - now
    if estimate + cost <= amount + EPS then
      local new_cur = cur + cost
      ok, remaining, retry = true, units(amount - (prev * weight + new_cur)), 0
      if new_cur > 0 then reset = keep else reset = start + window - now end
      sa, sb, sc = start, prev, new_cur
    else
      ok = false
      if cost > amount then
        retry = keep
      elseif cur + cost <= amount then
        local need = 0
        if prev > 0 then need = 1 - (amount - cur - cost) / prev end
        retry = math.max(0, start + window * need - now)
      else
        local need = 0
        if cur > 0 then need = 1 - (amount - cost) / cur end
        retry = start + window - now + window * math.max(0, need)
      end
      if cur > 0 then reset = keep else reset = start + window - now end
      remaining = units(amount - estimate)
    end
  elseif strategy == 3 then
    local rate = amount / window
    local tokens, last = capacity, now
    if a then
      tokens, last = a, b
      if now > last then
        tokens = math.min(capacity, tokens + (now - last) * rate)
        last = now
      end
    end
    if tokens + EPS >= cost then
      local left = math.max(0, tokens - cost)
      reset = (capacity - left) / rate
      ok, remaining, retry, sa, sb, sc = true, units(left), 0, left, last, 0
    else
      reset = (capacity - tokens) / rate
      ok, remaining = false, units(tokens)
      if cost <= capacity then retry = (cost - tokens) / rate else retry = reset end
    end
    keep = reset
  else
    local interval = window / amount
    local tolerance = capacity * interval
    local tat = now
    if a and a > now then tat = a end
    local new_tat = tat + cost * interval
    if new_tat - now <= tolerance + EPS * interval then
      ok, remaining, reset, retry = true, units((tolerance - (new_tat - now)) / interval), new_tat - now, 0
      sa, sb, sc = new_tat, 0, 0
    else
      ok, remaining, reset = false, units((tolerance - (tat - now)) / interval), tat - now
      if cost <= capacity then retry = new_tat - now - tolerance else retry = reset end
    end
    keep = reset
  end
  if not ok then all_ok = false end
  if ok then
    writes[2 * i - 1] = fields[i]
    writes[2 * i] = string.format('%.17g:%.17g:%.17g', sa, sb, sc)
    if keep > longest then longest = keep end
  end
  out[i] = string.format('%d %d %.6f %.6f', ok and 1 or 0, remaining, reset, retry)
end
if all_ok then
  redis.call('HSET', KEYS[1], unpack(writes))
  -- the hash lives as long as its longest-lived state; never shorten what another limit set needs
  local ms = math.ceil(longest * 1000)
  if ms < 1 then ms = 1 end
  if redis.call('PTTL', KEYS[1]) < ms then redis.call('PEXPIRE', KEYS[1], ms) end
end
if #KEYS < 3 then return table.concat(out, ' ') end
local reply, found = {table.concat(out, ' ')}, false
local t = redis.call('TIME')  -- set members expire on Redis's clock, whatever clock decided the limits
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 3, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now_ms)
  reply[i - 1] = redis.call('ZRANGE', KEYS[i], 0, -1)
  if #reply[i - 1] > 0 then found = true end
end
if not found then return reply[1] end  -- every set empty (the usual case): the string alone
return reply
