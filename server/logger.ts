import winston from 'winston';
import type { Config } from './config/env';

export type Logger = winston.Logger;

/** JSON lines in production; readable, coloured lines in development. */
export function createLogger(config: Pick<Config, 'env' | 'logLevel'>): Logger {
  const silent = config.logLevel === 'silent';
  const format =
    config.env === 'production'
      ? winston.format.combine(winston.format.timestamp(), winston.format.json())
      : winston.format.combine(
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
    transports: [new winston.transports.Console()],
  });
}
