import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SIDECAR_VERSION } from '../topology/cluster.controller';
import { buildAsyncApiDocument } from './asyncapi';

@ApiExcludeController()
@Controller()
export class DocsController {
  private readonly asyncApi = buildAsyncApiDocument(SIDECAR_VERSION);

  @Get('asyncapi.json')
  asyncApiDocument() {
    return this.asyncApi;
  }
}
