import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, RouteAccess } from '../auth/access';
import { Principal, principalId } from '../auth/principal';
import { listParam, QueryParams, rejectUnknownParams } from '../http/query';
import { OperationsService } from './operations.service';
import { OperationView } from '../docs/response-views';
import { toOperationView } from './operation-view';
import { operationIdParam } from './operation-id';

const LIST_PARAMS = ['type', 'state', 'status'] as const;

@ApiTags('operations')
@Controller('operations')
export class OperationsController {
  constructor(private readonly operations: OperationsService) {}

  @Post()
  @RouteAccess('submit')
  @ApiOperation({ summary: 'Submit an operation (Icarus request body); the role it needs depends on its type' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'same key, same operation' })
  @ApiBody({ schema: { type: 'object', required: ['type'], properties: { type: { type: 'string', example: 'flush' } } } })
  @ApiResponse({ status: 201, description: 'the operation; Location names it', type: OperationView })
  @ApiResponse({ status: 400, description: 'invalid request; `errors` names each field' })
  async submit(
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: Response,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<OperationView> {
    const submittedBy = principal ? principalId(principal) : undefined;
    const { record, created } = await this.operations.submit(body, idempotencyKey || undefined, submittedBy);
    response.status(201).location(`/operations/${record.id}`);
    if (!created) response.setHeader('Idempotent-Replayed', 'true');
    return toOperationView(record);
  }

  @Get()
  @ApiOperation({ summary: 'List operations, newest first' })
  @ApiQuery({ name: 'type', required: false, description: 'one or more types: repeated or comma-separated', isArray: true })
  @ApiQuery({ name: 'state', required: false, description: 'one or more states; also accepted as `status` (Icarus spec)', isArray: true })
  @ApiOkResponse({ type: [OperationView] })
  async list(@Query() query: QueryParams): Promise<OperationView[]> {
    rejectUnknownParams(query, LIST_PARAMS);
    const records = await this.operations.list(listParam(query, 'type'), [...listParam(query, 'state'), ...listParam(query, 'status')]);
    return records.map(toOperationView);
  }

  @Get(':id')
  @ApiOkResponse({ type: OperationView })
  @ApiResponse({ status: 404, description: 'unknown operation' })
  async get(@Param('id') id: string): Promise<OperationView> {
    return toOperationView(await this.operations.get(operationIdParam(id)));
  }

  @Post(':id/resume')
  @RouteAccess('resume')
  @ApiOperation({
    summary: 'Resume a FAILED restore from the phase that failed (a cluster-wide IMPORT/HARDLINKS restore that reached TRUNCATE)',
  })
  @ApiResponse({ status: 202, description: 'the resume is queued; the operation goes back to RUNNING (poll it)', type: OperationView })
  @ApiResponse({ status: 200, description: 'the operation is running already: returned unchanged', type: OperationView })
  @ApiResponse({ status: 404, description: 'unknown operation' })
  @ApiResponse({ status: 409, description: 'the operation cannot be resumed; `message` says why' })
  async resume(@Param('id') id: string, @Res({ passthrough: true }) response: Response): Promise<OperationView> {
    const { record, requested } = await this.operations.resume(operationIdParam(id));
    response.status(requested ? 202 : 200).location(`/operations/${record.id}`);
    return toOperationView(record);
  }

  @Delete(':id')
  @RouteAccess('cancel')
  @HttpCode(202)
  @ApiOperation({ summary: 'Ask an operation to cancel (every node stops at a safe point)' })
  @ApiResponse({ status: 202, description: 'the operation, cancelRequested', type: OperationView })
  async cancel(@Param('id') id: string): Promise<OperationView> {
    return toOperationView(await this.operations.cancel(operationIdParam(id)));
  }
}
