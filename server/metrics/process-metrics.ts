import { collectDefaultMetrics, Registry } from 'prom-client';

let processRegistry: Registry | undefined;

/**
 * Node's and the process's own metrics (CPU, memory, handles, event-loop lag, GC). They describe
 * the process, however many apps it runs, and collecting them starts an event-loop monitor and a
 * GC observer that are never stopped: so they are collected once per process, in a registry of
 * their own (never prom-client's global one), and every app's `/metrics` includes them.
 */
export function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}
