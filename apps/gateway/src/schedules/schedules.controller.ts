import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { isScheduleId } from '@daedalus/contracts';
import { CurrentPrincipal, RouteAccess } from '../auth/access';
import { Principal, principalId } from '../auth/principal';
import { notFound } from '../http/bad-request';
import { SchedulesService } from './schedules.service';
import { ScheduleView } from './schedule-view';

function requireScheduleId(id: string): string {
  if (!isScheduleId(id)) throw notFound('id', `schedule ${JSON.stringify(id.slice(0, 64))} does not exist`);
  return id;
}

const DEFINITION = {
  schema: {
    type: 'object',
    required: ['request', 'schedule'],
    properties: {
      id: { type: 'string', description: 'a-z, 0-9, "-", "_" (1-63); made up when left out (POST)' },
      request: {
        type: 'object',
        description: 'the operation request each run submits, as POST /operations takes it (no `id`)',
        example: { type: 'backup' },
      },
      schedule: { type: 'string', example: '@midnight' },
      timeZone: { type: 'string', example: 'Europe/Berlin', description: 'IANA time zone; default UTC' },
      window: { type: 'object', properties: { start: { type: 'string' }, duration: { type: 'string' } } },
      suspended: { type: 'boolean' },
      concurrencyPolicy: { type: 'string', enum: ['skip', 'queue'] },
      catchUp: { type: 'string', example: '10m' },
    },
  },
};

@ApiTags('schedules')
@Controller('schedules')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Post()
  @RouteAccess('schedule')
  @ApiOperation({
    summary: "Define a schedule: an operation request submitted at each fire time (needs operator, or the request type's role if higher)",
  })
  @ApiBody(DEFINITION)
  @ApiResponse({ status: 201, description: 'the schedule; Location names it', type: ScheduleView })
  @ApiResponse({ status: 400, description: 'invalid definition; `errors` names each field' })
  @ApiResponse({ status: 409, description: 'a schedule with that id exists' })
  async create(
    @Body() body: unknown,
    @Res({ passthrough: true }) response: Response,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<ScheduleView> {
    const view = await this.schedules.create(body, principal ? principalId(principal) : undefined);
    response.status(201).location(`/schedules/${view.id}`);
    return view;
  }

  @Get()
  @ApiOkResponse({ type: [ScheduleView] })
  list(): Promise<ScheduleView[]> {
    return this.schedules.list();
  }

  @Get(':id')
  @ApiOperation({ summary: 'A schedule with its next fire times and its last runs (operation ids and states)' })
  @ApiOkResponse({ type: ScheduleView })
  @ApiResponse({ status: 404, description: 'unknown schedule' })
  get(@Param('id') id: string): Promise<ScheduleView> {
    return this.schedules.get(requireScheduleId(id));
  }

  @Put(':id')
  @RouteAccess('schedule')
  @ApiOperation({ summary: 'Replace a schedule definition (it starts again from now; runs queued or waiting are dropped)' })
  @ApiBody(DEFINITION)
  @ApiOkResponse({ type: ScheduleView })
  @ApiResponse({ status: 400, description: 'invalid definition; `errors` names each field' })
  @ApiResponse({ status: 404, description: 'unknown schedule' })
  replace(@Param('id') id: string, @Body() body: unknown): Promise<ScheduleView> {
    return this.schedules.replace(requireScheduleId(id), body);
  }

  @Delete(':id')
  @RouteAccess('delete-schedule')
  @HttpCode(204)
  @ApiResponse({ status: 204, description: 'deleted; runs already submitted go on' })
  @ApiResponse({ status: 404, description: 'unknown schedule' })
  async remove(@Param('id') id: string): Promise<void> {
    await this.schedules.remove(requireScheduleId(id));
  }
}
