import type { Writable } from 'node:stream';
import winston from 'winston';
import type { Config } from './config/env';

export type Logger = winston.Logger;

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

/** JSON lines in production; readable, coloured lines in development. */
export function createLogger(config: Pick<Config, 'env' | 'logLevel'>, stream?: Writable): Logger {
  const silent = config.logLevel === 'silent';
  const format =
    config.env === 'production'
      ? winston.format.combine(serializeErrors(), winston.format.timestamp(), winston.format.json())
      : winston.format.combine(
          serializeErrors(),
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
