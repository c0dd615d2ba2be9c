// Package redisstore keeps a web Site's sessions in Redis, so that they
// survive a restart and are shared by every copy of the site that uses the
// same Redis: a session.Store on github.com/redis/go-redis/v9.
//
//	client := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
//	defer client.Close()
//
//	s := site.New(root)
//	s.SessionStore = redisstore.New(client, redisstore.Options{})
//
// It is a module of its own, so that programs whose sessions stay in memory
// do not depend on a Redis client.
//
// # What is shared
//
// Each session is one Redis key, a hash (a string until a script first
// reads it): its timeouts, times and components (encoded by
// Options.Codec, encoding/gob by default). Redis's clock
// decides when a session ends, whichever copy served its last request:
// one idle timeout after it, at its absolute lifetime, or at an Expire
// through any copy. Expiry callbacks stay in the process that registered
// them; the session.Manager of each copy checks with the store, and
// listens on a Pub/Sub channel, before it runs them, so that they run once,
// when the end is confirmed, with the components as they were (Redis keeps
// an ended session's data for Options.Grace).
//
// # Costs and bounds
//
// Reading a session (and sliding its deadline) is one round trip, a Lua
// script, or a plain pipeline for a session this process touched a moment
// ago; an update of a component is a second, a compare-and-set script; a
// new session is written with its first change, or just before its cookie
// is sent, in one SET with a time to live. A session whose visitor never
// comes back with its cookie ends after Options.ReturnWithin, so that
// clients that drop cookies cost Redis little.
//
// # Compatibility
//
// The store works on a stock redis-server (no keyspace notifications,
// nothing to configure), uses only commands that Valkey 7.2 implements,
// and never a command on two sessions, so it works on Redis Cluster
// (redis.UniversalClient). Its tests start a real redis-server; see
// docs/shared-sessions.md in the repository for the commands it sends and
// a walk-through with two servers.
package redisstore
