package redisstore

import "github.com/redis/go-redis/v9"

// A session is one hash, at Prefix+uid, with these fields (times in
// milliseconds since the Unix epoch, on the Redis server's clock, read
// with TIME inside each script so that every instance agrees):
//
//	t  idle timeout            l  absolute lifetime (0: none)
//	c  creation time           a  last access
//	d  deadline: the session is live while TIME < d
//	n  while the visitor has not come back: the first-visit bound
//	g  generation, bumped by every write of a component or of a touch (for Rename)
//	e  end time, once Expire ended it early
//	r  the uid it was renamed to, on the note Rename leaves
//	v:NAME  the encoded component NAME
//
// The key expires Grace after d, so that the data of a session that ended
// is still there when the instances that watch it run its callbacks, and
// then costs nothing. Each command touches one key (one session): no
// command spans sessions, so the store works on Redis Cluster.
//
// Create is not a script but one SET with a time to live, cheaper for
// Redis than a script or than a MULTI/EXEC around HSET and PEXPIRE, and it
// needs no clock. It writes t, l, n and the first components (g is 0
// while absent), not as a hash but as a string that lists them (see
// newSession), and gives the key a time to live of the session's first
// life (the least of t, l and n) plus Grace. The first script that reads
// the session turns it into the hash, its expiry time kept (read); a
// script runs atomically, so no client ever sees half of that. Such a
// session has no c, a or d yet; the scripts derive them from the key's
// time to live (settle) and write them at its first touch.

// prelude is shared by the scripts: the server's time, one pass over a
// session's fields, and the times of a session Create wrote.
const prelude = `
-- read runs cmd (HGETALL or HMGET) on a session's key. A session as
-- Create wrote it, a string listing its fields (each as its length in
-- decimal, a colon and its bytes: see newSession), is first turned into
-- the hash the scripts work on, which expires when the string would have:
-- its expiry time is read (PEXPIRETIME) and set again (PEXPIREAT). A PTTL
-- and a PEXPIRE would move it later by the time the conversion takes (on
-- redis-server 7.0 the clock runs on during a script), and would take the
-- PTTL of 0 of a key's last millisecond for none. An expiry time already
-- past (that millisecond) deletes the key. The command's own
-- WRONGTYPE error tells that string from a hash, at no cost to a hash;
-- Redis counts that error in INFO errorstats, once per new session.
local function read(cmd, key, ...)
	local r = redis.pcall(cmd, key, ...)
	if not r.err then return r end
	if not string.find(r.err, 'WRONGTYPE', 1, true) then error(r) end
	local s, h, i = redis.call('GET', key), {}, 1
	while i <= #s do
		local c = string.find(s, ':', i, true)
		local n = c and string.match(string.sub(s, i, c - 1), '^%d+$')
		n = n and tonumber(n)
		if not n or c + n > #s then error('malformed session ' .. key) end
		h[#h + 1] = string.sub(s, c + 1, c + n)
		i = c + n + 1
	end
	if #h == 0 or #h % 2 ~= 0 then error('malformed session ' .. key) end
	local at = redis.call('PEXPIRETIME', key)
	redis.call('DEL', key)
	for j = 1, #h, 1000 do -- unpack fails beyond about 8,000 values
		redis.call('HSET', key, unpack(h, j, math.min(j + 999, #h)))
	end
	if at >= 0 then redis.call('PEXPIREAT', key, at) end
	return redis.call(cmd, key, ...)
end
-- now_ms reads the server's clock in whole milliseconds. Lua turns the
-- reply's strings into numbers in the arithmetic itself: tonumber and
-- math.floor cost the update script 0.6 to 0.8 µs a call (8%).
local function now_ms()
	local t = redis.call('TIME')
	local us = t[2]
	return t[1] * 1000 + (us - us % 1000) / 1000
end
-- scan returns the session's fields by name, and a record reply
-- {status, now, t, l, c, a, d, 'v:name1', value1, ...} whose first seven
-- elements fill sets.
local function scan(h)
	local m, out = {}, {0, 0, 0, 0, 0, 0, 0}
	for i = 1, #h, 2 do
		local k = h[i]
		if string.byte(k, 1) == 118 and string.byte(k, 2) == 58 then -- 'v:'
			out[#out + 1] = k
			out[#out + 1] = h[i + 1]
		else
			m[k] = h[i + 1]
		end
	end
	return m, out
end
-- settle gives m, the fields of a session Create wrote, the times it has
-- not written: its deadline is Grace before the key expires.
local function settle(key, m, now, grace)
	if m.d then
		m.c, m.a, m.d = tonumber(m.c), tonumber(m.a), tonumber(m.d)
		return
	end
	local d = now + redis.call('PTTL', key) - grace
	local life, l, n = tonumber(m.t), tonumber(m.l), tonumber(m.n or 0)
	if l > 0 and l < life then life = l end
	if n > 0 and n < life then life = n end
	m.c, m.a, m.d = d - life, d - life, d
end
local function fill(out, status, now, m)
	out[1], out[2] = status, now
	out[3], out[4], out[5] = tonumber(m.t), tonumber(m.l), m.c
	out[6], out[7] = m.a, m.d
	return out
end
`

// Record statuses, the first element of a record reply.
const (
	statusLive    = 1
	statusEnded   = 2
	statusRenamed = 3 // {3, now, newUID}
)

// loadScript returns the record of a live session, touching it first if
// ARGV[1] is "1" (which also ends its first visit). KEYS[1] the key;
// ARGV[2] grace. It returns nil if the session is not live.
//
// A touch that would move the deadline by less than a hundredth of the
// timeout (and at most a second) is not written: a visitor's burst of
// requests costs one write, and the deadline is at most that much early.
var loadScript = redis.NewScript(prelude + `
local h = read('HGETALL', KEYS[1])
if #h == 0 then return false end
local m, out = scan(h)
if m.e or m.r or not m.t then return false end
local now, grace = now_ms(), tonumber(ARGV[2])
settle(KEYS[1], m, now, grace)
if now >= m.d then return false end
if ARGV[1] == '1' then
	local t, l = tonumber(m.t), tonumber(m.l)
	local d = now + t
	if l > 0 and m.c + l < d then d = m.c + l end
	if m.n or d > m.d + math.min(1000, math.floor(t / 100)) then
		redis.call('HSET', KEYS[1], 'c', m.c, 'a', now, 'd', d, 'g', (tonumber(m.g) or 0) + 1)
		if m.n then redis.call('HDEL', KEYS[1], 'n') end
		redis.call('PEXPIREAT', KEYS[1], d + grace)
		m.a, m.d = now, d
	end
end
return fill(out, 1, now, m)
`)

// updateScript is the compare-and-set of one component. KEYS[1] the key;
// ARGV: field, "1" if the old value is ARGV[3] ("0": absent), "1" to set
// ARGV[5] ("0": delete), grace. It returns 0 if the session is not live, 1
// on success, and on a conflict the current value, or 2 if there is none.
// It answers with a number or a string, not a table: Redis takes about
// 0.7 µs longer to convert a table (BenchmarkIncrement).
var updateScript = redis.NewScript(prelude + `
local s = read('HMGET', KEYS[1], 'd', 'e', 'r', 'g', ARGV[1], 't')
if not s[6] or s[2] or s[3] then return 0 end
local now = now_ms()
local d = tonumber(s[1])
if not d then d = now + redis.call('PTTL', KEYS[1]) - tonumber(ARGV[6]) end
if now >= d then return 0 end
local cur = s[5]
if (ARGV[2] == '1' and cur ~= ARGV[3]) or (ARGV[2] == '0' and cur) then
	return cur or 2
end
local g = (tonumber(s[4]) or 0) + 1
if ARGV[4] == '1' then
	redis.call('HSET', KEYS[1], ARGV[1], ARGV[5], 'g', g)
else
	redis.call('HDEL', KEYS[1], ARGV[1])
	redis.call('HSET', KEYS[1], 'g', g)
end
return 1
`)

// expireScript ends a live session now and tells the other instances.
// KEYS[1] the key; ARGV: grace, channel, uid. It returns nil if the session
// was not live, {3, now, newUID} if it was renamed (it lives on there),
// else its record as it ended.
var expireScript = redis.NewScript(prelude + `
local h = read('HGETALL', KEYS[1])
if #h == 0 then return false end
local m, out = scan(h)
local now, grace = now_ms(), tonumber(ARGV[1])
if m.r then return {3, now, m.r} end
if m.e or not m.t then return false end
settle(KEYS[1], m, now, grace)
if now >= m.d then return false end
redis.call('HSET', KEYS[1], 'e', now, 'c', m.c, 'a', m.a, 'd', now, 'g', (tonumber(m.g) or 0) + 1)
redis.call('PEXPIREAT', KEYS[1], now + grace)
redis.call('PUBLISH', ARGV[2], ARGV[3])
m.d = now
return fill(out, 2, now, m)
`)

// checkScript reports what became of a session, without touching it.
// KEYS[1] the key; ARGV[1] grace. It returns nil if the key is gone,
// {3, now, newUID} if the session was renamed, else its record, live (1)
// or ended (2).
var checkScript = redis.NewScript(prelude + `
local h = read('HGETALL', KEYS[1])
if #h == 0 then return false end
local m, out = scan(h)
local now = now_ms()
if m.r then return {3, now, m.r} end
if not m.t then return false end
settle(KEYS[1], m, now, tonumber(ARGV[1]))
local status = 1
if m.e or now >= m.d then status = 2 end
return fill(out, status, now, m)
`)

// dumpScript returns every field of a live session, its times settled,
// and its generation first, for Rename. KEYS[1] the key; ARGV[1] grace. It
// returns nil if the session is not live.
var dumpScript = redis.NewScript(prelude + `
local h = read('HGETALL', KEYS[1])
if #h == 0 then return false end
local m = scan(h)
if m.e or m.r or not m.t then return false end
local now = now_ms()
settle(KEYS[1], m, now, tonumber(ARGV[1]))
if now >= m.d then return false end
local n = #h
h[n + 1], h[n + 2], h[n + 3], h[n + 4], h[n + 5], h[n + 6] = 'c', m.c, 'a', m.a, 'd', m.d
table.insert(h, 1, m.g or '0')
return h
`)

// adoptScript stores the fields a dump returned under a new key. KEYS[1]
// the new key; ARGV: grace, then field, value pairs (the last pair of a
// field wins). It returns 0 if the key exists, else 1.
var adoptScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local d
for i = 2, #ARGV, 2 do
	redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
	if ARGV[i] == 'd' then d = tonumber(ARGV[i + 1]) end
end
redis.call('PEXPIREAT', KEYS[1], d + tonumber(ARGV[1]))
return 1
`)

// retireScript turns a renamed session into a note naming its new uid,
// kept as long as the session would have lived (so that every instance
// watching it finds the new uid), if its generation is still the one the
// dump saw. KEYS[1] the old key; ARGV: generation, new uid, channel, old
// uid, grace. It returns 1 on success, 0 if the session changed, -1 if it
// ended.
var retireScript = redis.NewScript(prelude + `
local s = read('HMGET', KEYS[1], 'g', 'd', 'e', 'r', 't')
if not s[5] or s[3] or s[4] then return -1 end
local now, ttl = now_ms(), redis.call('PTTL', KEYS[1])
local d = tonumber(s[2]) or (now + ttl - tonumber(ARGV[5]))
if now >= d then return -1 end
if (s[1] or '0') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'r', ARGV[2])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
`)
