import { z } from 'zod';
import { LuaScript } from './lua';

/*
 * Layout (P = key prefix):
 *   P presence:nodes          SET   ids of the nodes that hold (or held) sockets
 *   P presence:alive:<node>   STRING, expiring: the node's heartbeat
 *   P presence:node:<node>    HASH  user id → sockets of that user on that node
 *   P presence:online         HASH  user id → sockets of that user on every node (absent when 0)
 * Each script changes a node's count and the total together, so they never disagree.
 */
export function presenceKeys(prefix: string) {
  return {
    nodes: `${prefix}presence:nodes`,
    online: `${prefix}presence:online`,
    alive: (nodeId: string) => `${prefix}presence:alive:${nodeId}`,
    node: (nodeId: string) => `${prefix}presence:node:${nodeId}`,
  };
}

const userIds = z.array(z.string());

/** KEYS: nodes, node, online. ARGV: node id, user id. Returns the user's total sockets. */
export const CONNECT = new LuaScript(
  `
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
return redis.call('HINCRBY', KEYS[3], ARGV[2], 1)
`,
  z.number(),
);

/**
 * KEYS: node, online. ARGV: user id. Returns the user's remaining total, or -1 when this node had
 * no socket of theirs on record (its entry was reaped meanwhile: nothing to take back).
 */
export const DISCONNECT = new LuaScript(
  `
local here = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if here <= 0 then return -1 end
if here == 1 then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HINCRBY', KEYS[1], ARGV[1], -1) end
local total = redis.call('HINCRBY', KEYS[2], ARGV[1], -1)
if total <= 0 then
  redis.call('HDEL', KEYS[2], ARGV[1])
  return 0
end
return total
`,
  z.number(),
);

/**
 * KEYS: nodes, alive. ARGV: node id, heartbeat lifetime (ms). Returns 1 when the heartbeat key had
 * lapsed. That is the sign to trust, not the SADD: REAP only takes a node whose key has lapsed, and
 * only the node itself sets it, so any reap since the last heartbeat shows here, even when a CONNECT
 * on the node has put it back in the set meanwhile. A lapse without a reap costs a needless reconcile.
 */
export const HEARTBEAT = new LuaScript(
  `
local lapsed = 1 - redis.call('EXISTS', KEYS[2])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
redis.call('SADD', KEYS[1], ARGV[1])
return lapsed
`,
  z.number(),
);

/**
 * Takes a dead node's sockets off the totals. KEYS: nodes, its alive key, its node hash, online.
 * ARGV: its id. Claims the node by removing it from the set inside the script, so when several
 * live nodes find the same dead one, exactly one gets its users back; a node whose heartbeat
 * came back meanwhile is left alone. Returns {1 when claimed by this call, users whose total fell to 0}.
 */
export const REAP = new LuaScript(
  `
if redis.call('EXISTS', KEYS[2]) == 1 then return {0, {}} end
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then return {0, {}} end
local counts = redis.call('HGETALL', KEYS[3])
local gone = {}
for i = 1, #counts, 2 do
  local total = redis.call('HINCRBY', KEYS[4], counts[i], -tonumber(counts[i + 1]))
  if total <= 0 then
    redis.call('HDEL', KEYS[4], counts[i])
    gone[#gone + 1] = counts[i]
  end
end
redis.call('DEL', KEYS[3])
return {1, gone}
`,
  z.tuple([z.number(), userIds]),
);

/**
 * A node that stops cleanly deregisters: it leaves the set (so no live node takes it for dead and
 * reaps it), drops its heartbeat, and takes whatever sockets it still has on record off the totals
 * (none when every close was written). KEYS: nodes, its alive key, its node hash, online. ARGV: its
 * id. Returns the users whose total fell to 0, for the leaving node to announce offline itself.
 */
export const LEAVE = new LuaScript(
  `
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
local counts = redis.call('HGETALL', KEYS[3])
local gone = {}
for i = 1, #counts, 2 do
  local total = redis.call('HINCRBY', KEYS[4], counts[i], -tonumber(counts[i + 1]))
  if total <= 0 then
    redis.call('HDEL', KEYS[4], counts[i])
    gone[#gone + 1] = counts[i]
  end
end
redis.call('DEL', KEYS[3])
return gone
`,
  userIds,
);

/**
 * Makes a node's record equal to what it knows it holds, correcting the totals by the difference:
 * used when its record went stale (a write failed during an outage, or it was reaped while alive).
 * KEYS: node, online. ARGV: user id, count, user id, count… Returns {came online, went offline}.
 */
export const RECONCILE = new LuaScript(
  `
local want = {}
for i = 1, #ARGV, 2 do want[ARGV[i]] = tonumber(ARGV[i + 1]) end
local came, went = {}, {}
local function adjust(user, delta)
  if delta == 0 then return end
  local before = tonumber(redis.call('HGET', KEYS[2], user) or '0')
  local after = before + delta
  if after > 0 then redis.call('HSET', KEYS[2], user, after) else redis.call('HDEL', KEYS[2], user) end
  if before <= 0 and after > 0 then came[#came + 1] = user end
  if before > 0 and after <= 0 then went[#went + 1] = user end
end
local have = redis.call('HGETALL', KEYS[1])
local seen = {}
for i = 1, #have, 2 do
  seen[have[i]] = true
  adjust(have[i], (want[have[i]] or 0) - tonumber(have[i + 1]))
end
for user, n in pairs(want) do
  if not seen[user] then adjust(user, n) end
end
redis.call('DEL', KEYS[1])
for user, n in pairs(want) do redis.call('HSET', KEYS[1], user, n) end
return {came, went}
`,
  z.tuple([userIds, userIds]),
);
