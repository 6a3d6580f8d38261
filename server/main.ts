import { existsSync } from 'node:fs';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config/env';
import { createLogger } from './logger';

/** Start-up: read .env, parse the environment once, serve, and shut down gracefully on a signal. */
async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`chat-service: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config);
  if (config.usingDevSecret) {
    logger.warn(
      '!!! JWT_SECRET is not set: using the built-in development secret. Anyone can mint tokens for ' +
        'this server. Set JWT_SECRET before exposing it (it is required when NODE_ENV=production).',
    );
    if (!isLoopback(config.host)) {
      logger.warn(`!!! HOST=${config.host} exposes this server beyond this machine with that public secret.`);
    }
  }
  const app = await createApp(config, logger);
  const { url } = await app.listen();
  logger.info('chat-service listening', {
    url,
    host: config.host,
    port: config.port,
    storage: config.storage.kind,
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    const force = setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      // The SQLite store closes synchronously, so the database is left clean even here.
      void app.store.close();
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    app.close().then(
      () => {
        logger.info('stopped');
        process.exitCode = 0;
      },
      (err: unknown) => {
        logger.error('shutdown failed', { err });
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** 127.0.0.1, ::1, localhost: only this machine can connect. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

main().catch((err: unknown) => {
  process.stderr.write(`chat-service failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
