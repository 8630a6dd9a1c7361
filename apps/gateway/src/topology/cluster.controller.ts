import { Controller, Get, Header, Param, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import {
  CassandraSchemaVersionView,
  CassandraStatusView,
  CassandraVersionResponse,
  ClusterTopologyView,
  SidecarVersionView,
} from '../docs/response-views';
import { parseCassandraVersion } from './cassandra-version';
import { ClusterService } from './cluster.service';

export const SIDECAR_VERSION = '0.1.0';

@ApiTags('cluster')
@Controller()
export class ClusterController {
  constructor(private readonly cluster: ClusterService) {}

  @Get('topology')
  @ApiOkResponse({ type: ClusterTopologyView })
  topology(): Promise<ClusterTopologyView> {
    return this.cluster.topology();
  }

  @Get('topology/:dc')
  @ApiOkResponse({ type: ClusterTopologyView })
  topologyOfDc(@Param('dc') dc: string): Promise<ClusterTopologyView> {
    return this.cluster.topology(dc);
  }

  /** Icarus: `{nodeState}`; Daedalus adds `source` ("live" or, when no agent answered, "registry" with `asOf`). */
  @Get('status')
  @ApiOkResponse({ type: CassandraStatusView })
  async status(): Promise<CassandraStatusView> {
    const { operationMode, provenance } = await this.cluster.status();
    return { nodeState: operationMode, ...provenance };
  }

  /** Icarus: GET /version is an alias of /version/sidecar (SidecarVersion). */
  @Get('version')
  @ApiOkResponse({ type: SidecarVersionView })
  version(): SidecarVersionView {
    return this.sidecarVersion();
  }

  @Get('version/sidecar')
  @ApiOkResponse({ type: SidecarVersionView })
  sidecarVersion(): SidecarVersionView {
    return { version: SIDECAR_VERSION };
  }

  /** Icarus's CassandraVersion (`major, minor, patch, dsePatch, preReleaseLabels`); Daedalus adds `version` and `source`. */
  @Get('version/cassandra')
  @ApiOkResponse({ type: CassandraVersionResponse })
  async cassandraVersion(): Promise<CassandraVersionResponse> {
    const versions = await this.cluster.versions();
    const parts = parseCassandraVersion(versions.cassandra);
    if (!parts)
      throw new ServiceUnavailableException(`the node reports a Cassandra version that is not one: ${JSON.stringify(versions.cassandra)}`);
    return { ...parts, version: versions.cassandra, ...versions.provenance };
  }

  /** Icarus's CassandraSchemaVersion: `{schemaVersion}`. */
  @Get('version/schema')
  @ApiOkResponse({ type: CassandraSchemaVersionView })
  async schemaVersion(): Promise<CassandraSchemaVersionView> {
    const versions = await this.cluster.versions();
    return { schemaVersion: versions.schema, ...versions.provenance };
  }

  /** Icarus: the local node's cassandra.yaml as text (secret values redacted). */
  @Get('config')
  @Header('Content-Type', 'application/yaml; charset=utf-8')
  @ApiProduces('application/yaml')
  @ApiOkResponse({ description: "the local node's cassandra.yaml", content: { 'application/yaml': { schema: { type: 'string' } } } })
  config(): Promise<string> {
    return this.cluster.cassandraYaml();
  }
}
