import { z } from 'zod';
import { LuaScript } from './lua';

/*
 * Layout (P = key prefix, passed to every script as ARGV[1]):
 *   P typing:deadlines        ZSET  "<len(room)>:<room><user>" → when that entry expires (ms)   KEYS[1]
 *   P typing:order            counter giving each new typer a place in the room's list           KEYS[2]
 *   P typing:room:<room>      ZSET  user id → place (the list, in the order people started)
 *   P typing:names:<room>     HASH  user id → display name
 *   P typing:user:<user>      SET   rooms the user is typing in (for clearing them everywhere)
 * The deadline member carries the room id's length, so that no id needs a reserved separator.
 * Per-room keys are derived inside the scripts: standalone Redis (or Sentinel), not Cluster.
 */
export function typingKeys(prefix: string): string[] {
  return [`${prefix}typing:deadlines`, `${prefix}typing:order`];
}

const HELPERS = `
local prefix = ARGV[1]
local function roomKey(room) return prefix .. 'typing:room:' .. room end
local function namesKey(room) return prefix .. 'typing:names:' .. room end
local function userKey(user) return prefix .. 'typing:user:' .. user end
local function deadline(room, user) return string.len(room) .. ':' .. room .. user end
local function list(room)
  local out = {}
  for _, user in ipairs(redis.call('ZRANGE', roomKey(room), 0, -1)) do
    out[#out + 1] = user
    out[#out + 1] = redis.call('HGET', namesKey(room), user)
  end
  return out
end
local function remove(room, user)
  if redis.call('ZREM', roomKey(room), user) == 0 then return false end
  redis.call('HDEL', namesKey(room), user)
  redis.call('ZREM', KEYS[1], deadline(room, user))
  redis.call('SREM', userKey(user), room)
  return true
end
`;

/** user id, name, user id, name… in list order. */
const flatList = z.array(z.string());
const roomLists = z.array(z.tuple([z.string(), flatList]));

/**
 * ARGV: prefix, room, user, name, expires at. Starts or renews; returns the new list when it
 * changed (someone started, or a typer's name changed), else null.
 */
export const START = new LuaScript(
  `${HELPERS}
local room, user, name = ARGV[2], ARGV[3], ARGV[4]
local before = redis.call('HGET', namesKey(room), user)
redis.call('ZADD', KEYS[1], ARGV[5], deadline(room, user))
if not before then
  redis.call('ZADD', roomKey(room), redis.call('INCR', KEYS[2]), user)
  redis.call('SADD', userKey(user), room)
end
redis.call('HSET', namesKey(room), user, name)
if before == name then return false end
return list(room)
`,
  flatList.nullable(),
);

/** ARGV: prefix, room, user. Returns the new list, or null when the user was not typing there. */
export const STOP = new LuaScript(
  `${HELPERS}
if not remove(ARGV[2], ARGV[3]) then return false end
return list(ARGV[2])
`,
  flatList.nullable(),
);

/** ARGV: prefix, user. Stops the user everywhere; returns {room, new list} for each room that changed. */
export const CLEAR_USER = new LuaScript(
  `${HELPERS}
local out = {}
for _, room in ipairs(redis.call('SMEMBERS', userKey(ARGV[2]))) do
  if remove(room, ARGV[2]) then out[#out + 1] = {room, list(room)} end
end
redis.call('DEL', userKey(ARGV[2]))
return out
`,
  roomLists,
);

/** ARGV: prefix, room. */
export const LIST = new LuaScript(`${HELPERS}\nreturn list(ARGV[2])`, flatList);

/**
 * ARGV: prefix, now, batch size. Removes entries whose deadline has passed and returns {room, new
 * list} once per room that changed. Atomic, so each expiry is reported by exactly one node.
 */
export const SWEEP = new LuaScript(
  `${HELPERS}
local rooms, changed = {}, {}
for _, entry in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, ARGV[3])) do
  redis.call('ZREM', KEYS[1], entry)
  local colon = string.find(entry, ':', 1, true)
  local length = tonumber(string.sub(entry, 1, colon - 1))
  local room = string.sub(entry, colon + 1, colon + length)
  if remove(room, string.sub(entry, colon + length + 1)) and not changed[room] then
    changed[room] = true
    rooms[#rooms + 1] = room
  end
end
local out = {}
for _, room in ipairs(rooms) do out[#out + 1] = {room, list(room)} end
return out
`,
  roomLists,
);
