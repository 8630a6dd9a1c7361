import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { NodeListingView } from '../docs/response-views';
import { RouteAccess } from '../auth/access';
import { NodesService } from './nodes.service';

/** Daedalus extension: the registered nodes and where each stands; removing a node that is gone for good. */
@ApiTags('nodes')
@Controller('nodes')
export class NodesController {
  constructor(private readonly nodes: NodesService) {}

  @Get()
  @ApiOperation({
    summary:
      'Registered nodes with their state: live (heartbeating), down (silent), departed (left the token ring: never planned, ' +
      'its backups stay listed and restorable); ring members no agent registered are listed as down with registered: false',
  })
  @ApiOkResponse({ type: [NodeListingView] })
  list(): Promise<NodeListingView[]> {
    return this.nodes.list();
  }

  @Delete(':hostId')
  @RouteAccess('remove-node')
  @HttpCode(204)
  @ApiOperation({ summary: "Remove a node's registration (a node replaced, decommissioned or lost for good)" })
  @ApiResponse({ status: 204, description: 'removed' })
  @ApiResponse({ status: 404, description: 'no such registration' })
  @ApiResponse({ status: 409, description: 'its agent still heartbeats (stop the agent first)' })
  async remove(@Param('hostId') hostId: string): Promise<void> {
    await this.nodes.remove(hostId);
  }
}
