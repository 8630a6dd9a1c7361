import { Controller, Get, Header, Param, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { parseCassandraVersion } from './cassandra-version';
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

  /** Icarus: GET /version is an alias of /version/sidecar (SidecarVersion). */
  @Get('version')
  version() {
    return this.sidecarVersion();
  }

  @Get('version/sidecar')
  sidecarVersion() {
    return { version: SIDECAR_VERSION };
  }

  /** Icarus's CassandraVersion (`major, minor, patch, dsePatch, preReleaseLabels`); Daedalus adds `version` and `source`. */
  @Get('version/cassandra')
  async cassandraVersion() {
    const versions = await this.cluster.versions();
    const parts = parseCassandraVersion(versions.cassandra);
    if (!parts)
      throw new ServiceUnavailableException(`the node reports a Cassandra version that is not one: ${JSON.stringify(versions.cassandra)}`);
    return { ...parts, version: versions.cassandra, ...versions.provenance };
  }

  /** Icarus's CassandraSchemaVersion: `{schemaVersion}`. */
  @Get('version/schema')
  async schemaVersion() {
    const versions = await this.cluster.versions();
    return { schemaVersion: versions.schema, ...versions.provenance };
  }

  /** Icarus: the local node's cassandra.yaml as text (secret values redacted). */
  @Get('config')
  @Header('Content-Type', 'application/yaml; charset=utf-8')
  config(): Promise<string> {
    return this.cluster.cassandraYaml();
  }
}
