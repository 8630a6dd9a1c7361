import { Controller, Get, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ClusterService } from './cluster.service';

export const SIDECAR_VERSION = '0.1.0';

@ApiTags('cluster')
@Controller()
export class ClusterController {
  constructor(private readonly cluster: ClusterService) {}

  @Get('topology')
  topology() {
    return this.cluster.topology();
  }

  @Get('topology/:dc')
  topologyOfDc(@Param('dc') dc: string) {
    return this.cluster.topology(dc);
  }

  /** Icarus: `{nodeState}`; Daedalus adds `source` ("live" or, when no agent answered, "registry" with `asOf`). */
  @Get('status')
  async status() {
    const { operationMode, provenance } = await this.cluster.status();
    return { nodeState: operationMode, ...provenance };
  }

  @Get('version')
  async version() {
    const versions = await this.cluster.versions().catch(() => undefined);
    if (!versions) return { sidecar: SIDECAR_VERSION, cassandra: null, schema: null };
    return { sidecar: SIDECAR_VERSION, cassandra: versions.cassandra, schema: versions.schema, ...versions.provenance };
  }

  @Get('version/sidecar')
  sidecarVersion() {
    return { version: SIDECAR_VERSION };
  }

  @Get('version/cassandra')
  async cassandraVersion() {
    const versions = await this.cluster.versions();
    return { version: versions.cassandra, ...versions.provenance };
  }

  @Get('version/schema')
  async schemaVersion() {
    const versions = await this.cluster.versions();
    return { version: versions.schema, ...versions.provenance };
  }
}
