import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { processMetrics } from '@daedalus/common';

/**
 * Prometheus `/metrics` on the API port. Reading it needs the viewer role like any GET (Prometheus sends a
 * bearer token: `authorization.credentials_file`); with `--anonymous-role viewer` it needs none. Not in the
 * OpenAPI document: it is for scrapers, in Prometheus's text format.
 */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  private readonly metrics = processMetrics('gateway');

  @Get()
  @Header('cache-control', 'no-store')
  async scrape(@Res() response: Response): Promise<void> {
    response.type(this.metrics.contentType).send(await this.metrics.text());
  }
}
