import type { NextFunction, Request, Response } from 'express';
import { HttpException } from '@nestjs/common';
import { AuthGuard } from './auth.guard';

/** The Swagger UI and OpenAPI document are served outside Nest's routing: the same guard, as Express middleware. */
const API_DOCS = /^\/(api-docs|openapi\.json)/;

export function guardApiDocs(guard: AuthGuard) {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (!API_DOCS.test(request.path)) return next();
    guard.authorize(request, 'read', response).then(
      () => next(),
      (error: unknown) => {
        if (!(error instanceof HttpException)) return next(error);
        response.status(error.getStatus()).json(error.getResponse());
      },
    );
  };
}
