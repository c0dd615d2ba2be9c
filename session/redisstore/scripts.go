package redisstore

import "github.com/redis/go-redis/v9"

// A session is one hash, at Prefix+uid, with these fields (times in
// milliseconds since the Unix epoch, on the Redis server's clock, read
// with TIME inside each script so that every instance agrees):
//
//	t  idle timeout            l  absolute lifetime (0: none)
//	c  creation time           a  last access
//	d  deadline: the session is live while TIME < d
//	n  present while the visitor has not come back (a first visit)
//	g  generation, bumped by every write of a component (for Rename)
//	e  end time, once Expire ended it early
//	r  the uid it was renamed to, on the note Rename leaves
//	v:NAME  the encoded component NAME
//
// The key expires Grace after d, so that the data of a session that ended
// is still there when the instances that watch it run its callbacks, and
// then costs nothing. Each script touches one key (one session): no
// command spans sessions, so the store works on Redis Cluster.

// prelude is shared by the scripts: the server's time, and one pass over
// a session's fields.
const prelude = `
local function now_ms()
	local t = redis.call('TIME')
	return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- scan returns the session's fields by name, and a record reply
-- {status, now, t, l, c, a, d, 'v:name1', value1, ...} whose first seven
-- elements the caller fills in.
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
local function fill(out, status, now, m)
	out[1], out[2] = status, now
	out[3], out[4], out[5] = tonumber(m.t), tonumber(m.l), tonumber(m.c)
	out[6], out[7] = tonumber(m.a), tonumber(m.d)
	return out
end
`

// Record statuses, the first element of a record reply.
const (
	statusLive    = 1
	statusEnded   = 2
	statusRenamed = 3 // {3, now, newUID}
)

// createScript stores a new session. KEYS[1] the key; ARGV: timeout,
// lifetime, first-visit timeout (0: none), grace, then the fields and
// values of its first components. It returns nil if the key exists, else
// the record (without the components).
var createScript = redis.NewScript(prelude + `
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local now = now_ms()
local t, l, f = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local d = now + t
if l > 0 and now + l < d then d = now + l end
local n = 0
if f > 0 then
	if now + f < d then d = now + f end
	n = 1
end
redis.call('HSET', KEYS[1], 't', t, 'l', l, 'c', now, 'a', now, 'd', d, 'g', 0, 'n', n, unpack(ARGV, 5))
if n == 0 then redis.call('HDEL', KEYS[1], 'n') end
redis.call('PEXPIREAT', KEYS[1], d + tonumber(ARGV[4]))
return {1, now, t, l, now, now, d}
`)

// loadScript returns the record of a live session, touching it first if
// ARGV[1] is "1" (which also ends its first visit). KEYS[1] the key;
// ARGV[2] grace. It returns nil if the session is not live.
//
// A touch that would move the deadline by less than a hundredth of the
// timeout (and at most a second) is not written: a visitor's burst of
// requests costs one write, and the deadline is at most that much early.
var loadScript = redis.NewScript(prelude + `
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then return false end
local m, out = scan(h)
if m.e or m.r then return false end
local now = now_ms()
local d = tonumber(m.d)
if now >= d then return false end
if ARGV[1] == '1' then
	local t, l, c = tonumber(m.t), tonumber(m.l), tonumber(m.c)
	local nd = now + t
	if l > 0 and c + l < nd then nd = c + l end
	local slack = math.min(1000, math.floor(t / 100))
	if m.n or nd > d + slack then
		redis.call('HSET', KEYS[1], 'a', now, 'd', nd)
		if m.n then redis.call('HDEL', KEYS[1], 'n') end
		redis.call('PEXPIREAT', KEYS[1], nd + tonumber(ARGV[2]))
		m.a, m.d = now, nd
	end
end
return fill(out, 1, now, m)
`)

// updateScript is the compare-and-set of one component. KEYS[1] the key;
// ARGV: field, "1" if the old value is ARGV[3] ("0": absent), "1" to set
// ARGV[5] ("0": delete). It returns {0} if the session is not live, {1} on
// success, {2, current} (current absent if none) on a conflict.
var updateScript = redis.NewScript(prelude + `
local s = redis.call('HMGET', KEYS[1], 'd', 'e', 'r', 'g', ARGV[1])
if not s[1] or s[2] or s[3] or now_ms() >= tonumber(s[1]) then return {0} end
local cur = s[5]
if (ARGV[2] == '1' and cur ~= ARGV[3]) or (ARGV[2] == '0' and cur) then
	if cur then return {2, cur} end
	return {2}
end
local g = (tonumber(s[4]) or 0) + 1
if ARGV[4] == '1' then
	redis.call('HSET', KEYS[1], ARGV[1], ARGV[5], 'g', g)
else
	redis.call('HDEL', KEYS[1], ARGV[1])
	redis.call('HSET', KEYS[1], 'g', g)
end
return {1}
`)

// expireScript ends a live session now and tells the other instances.
// KEYS[1] the key; ARGV: grace, channel, uid. It returns nil if the session
// was not live, else its record as it ended.
var expireScript = redis.NewScript(prelude + `
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then return false end
local m, out = scan(h)
local now = now_ms()
if m.e or m.r or now >= tonumber(m.d) then return false end
redis.call('HSET', KEYS[1], 'e', now, 'd', now, 'g', (tonumber(m.g) or 0) + 1)
redis.call('PEXPIREAT', KEYS[1], now + tonumber(ARGV[1]))
redis.call('PUBLISH', ARGV[2], ARGV[3])
m.d = now
return fill(out, 2, now, m)
`)

// checkScript reports what became of a session, without touching it.
// KEYS[1] the key. It returns nil if the key is gone, {3, now, newUID} if
// the session was renamed, else its record, live (1) or ended (2).
var checkScript = redis.NewScript(prelude + `
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then return false end
local m, out = scan(h)
local now = now_ms()
if m.r then return {3, now, m.r} end
local status = 1
if m.e or now >= tonumber(m.d) then status = 2 end
return fill(out, status, now, m)
`)

// dumpScript returns every field of a live session, and its generation
// first, for Rename. KEYS[1] the key. It returns nil if it is not live.
var dumpScript = redis.NewScript(prelude + `
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then return false end
local m = scan(h)
if m.e or m.r or now_ms() >= tonumber(m.d) then return false end
table.insert(h, 1, m.g or '0')
return h
`)

// adoptScript stores the fields a dump returned under a new key. KEYS[1]
// the new key; ARGV: grace, then field, value pairs. It returns 0 if the
// key exists, else 1.
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
// uid. It returns 1 on success, 0 if the session changed, -1 if it ended.
var retireScript = redis.NewScript(prelude + `
local s = redis.call('HMGET', KEYS[1], 'g', 'd', 'e', 'r')
if not s[2] or s[3] or s[4] or now_ms() >= tonumber(s[2]) then return -1 end
if (s[1] or '0') ~= ARGV[1] then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'r', ARGV[2])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
`)
