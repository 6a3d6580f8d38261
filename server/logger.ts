import type { Writable } from 'node:stream';
import winston from 'winston';
import type { Config } from './config/env';

export type Logger = winston.Logger;

/** What createLogger reads: the format and level, and the secrets it must never write. */
export type LoggerConfig = Pick<Config, 'env' | 'logLevel'> &
  Partial<Pick<Config, 'jwtSecret' | 'adminUi' | 'storage' | 'redisUrl'>>;

/**
 * A JWT as it travels (header.payload.signature, base64url, the header always starting `{"`), so
 * a token that some error message or library echoes is cut out whatever line it reaches.
 */
const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;
const REDACTED = '[redacted]';
/** Shorter secrets are not searched for: replacing a four-letter word everywhere would garble the log. */
const MIN_SECRET_LENGTH = 8;
/** Metadata is walked this deep; logged objects are small, and a cycle must not hang the logger. */
const MAX_DEPTH = 6;

/**
 * Errors passed as metadata (`{ err }`) keep their name, message and stack: JSON.stringify would
 * otherwise write them as `{}`.
 */
const serializeErrors = winston.format((info) => {
  for (const [key, value] of Object.entries(info)) {
    if (value instanceof Error) {
      info[key] = { name: value.name, message: value.message, stack: value.stack };
    }
  }
  return info;
});

/**
 * The last line of defence, not the first: call sites log ids, never tokens or content (see
 * tests/security/logs.test.ts). This catches what they cannot foresee, such as a library's error
 * message quoting a header or a connection string.
 */
function redactSecrets(secrets: readonly string[]): winston.Logform.Format {
  const scrub = (text: string): string => {
    let out = text.replace(JWT_PATTERN, REDACTED);
    for (const secret of secrets) out = out.replaceAll(secret, REDACTED);
    return out;
  };
  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return scrub(value);
    if (depth >= MAX_DEPTH || typeof value !== 'object' || value === null) return value;
    if (Array.isArray(value)) return value.map((item) => walk(item, depth + 1));
    if (Object.getPrototypeOf(value) !== Object.prototype) return value;
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, depth + 1)]));
  };
  // Own string keys only: winston keeps its own state under symbols, and the line is rendered later.
  return winston.format((info) => {
    for (const [key, value] of Object.entries(info)) info[key] = walk(value, 0);
    return info;
  })();
}

/** The configured secrets, and the passwords inside the connection URLs. */
function secretsOf(config: LoggerConfig): string[] {
  const found = [config.jwtSecret];
  if (config.adminUi?.enabled) found.push(config.adminUi.password);
  for (const url of [config.storage?.kind === 'postgres' ? config.storage.url : undefined, config.redisUrl]) {
    const password = url === undefined ? '' : passwordOf(url);
    // Both spellings: the URL's (percent-encoded) and what a driver sends, and so may quote.
    found.push(password, safeDecode(password));
  }
  return [...new Set(found)].filter((s): s is string => s !== undefined && s.length >= MIN_SECRET_LENGTH);
}

function passwordOf(url: string): string {
  try {
    return new URL(url).password;
  } catch {
    return '';
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** JSON lines in production; readable, coloured lines in development. */
export function createLogger(config: LoggerConfig, stream?: Writable): Logger {
  const silent = config.logLevel === 'silent';
  const secrets = secretsOf(config);
  const format =
    config.env === 'production'
      ? winston.format.combine(
          serializeErrors(),
          redactSecrets(secrets),
          winston.format.timestamp(),
          winston.format.json(),
        )
      : winston.format.combine(
          serializeErrors(),
          redactSecrets(secrets),
          winston.format.colorize(),
          winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
          winston.format.printf(({ level, message, timestamp, ...meta }) => {
            const rest = Object.keys(meta).length ? ` ${JSON.stringify(meta)}` : '';
            return `${String(timestamp)} ${level} ${String(message)}${rest}`;
          }),
        );
  return winston.createLogger({
    level: silent ? 'error' : config.logLevel,
    silent,
    format,
    transports: [stream ? new winston.transports.Stream({ stream }) : new winston.transports.Console()],
  });
}
