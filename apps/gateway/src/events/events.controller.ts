import { Controller, Get, Headers, Param, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { QueryParams, rejectUnknownParams } from '../http/query';
import { operationIdParam } from '../operations/operation-id';
import { eventFilter, lastEventId } from './event-params';
import { EventsService } from './events.service';

const STREAM_DESCRIPTION =
  "text/event-stream: `event: operation`, `id:` the record's KV revision, `data:` the operation as GET /operations/{id} shows it; a comment line every --events-heartbeat-ms";

/** Live progress as Server-Sent Events (viewer role, like every GET). */
@ApiTags('events')
@Controller()
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get('operations/:id/events')
  @ApiOperation({
    summary: 'Every change of one operation as Server-Sent Events, until it is final; resumable with Last-Event-ID',
  })
  @ApiParam({ name: 'id', description: 'operation id' })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'the id of the last event received: resume after it' })
  @ApiProduces('text/event-stream')
  @ApiResponse({ status: 200, description: STREAM_DESCRIPTION, content: { 'text/event-stream': { schema: { type: 'string' } } } })
  @ApiResponse({ status: 204, description: 'the operation is final and the client already has its last revision' })
  @ApiResponse({ status: 404, description: 'unknown operation' })
  async operation(
    @Param('id') id: string,
    @Query() query: QueryParams,
    @Headers('last-event-id') after: string | undefined,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    rejectUnknownParams(query, []);
    await this.events.streamOperation(operationIdParam(id), lastEventId(after), request, response);
  }

  @Get('events')
  @ApiOperation({ summary: 'Changes of every operation (optionally of some types and states) as Server-Sent Events' })
  @ApiQuery({ name: 'type', required: false, description: 'one or more types: repeated or comma-separated', isArray: true })
  @ApiQuery({
    name: 'state',
    required: false,
    description: 'one or more states: an event is sent when the record is in one',
    isArray: true,
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'the id of the last event received: resume after it' })
  @ApiProduces('text/event-stream')
  @ApiResponse({ status: 200, description: STREAM_DESCRIPTION, content: { 'text/event-stream': { schema: { type: 'string' } } } })
  async all(
    @Query() query: QueryParams,
    @Headers('last-event-id') after: string | undefined,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const filter = eventFilter(query);
    await this.events.streamAll(filter, lastEventId(after), request, response);
  }
}
