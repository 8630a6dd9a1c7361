import { Inject, Injectable } from '@nestjs/common';
import { NatsConnection } from '@nats-io/transport-node';
import { NodeQueryKind, NodeQueryMessage, NodeQueryReply, SCHEMA_VERSION, Subjects } from '@daedalus/contracts';
import { NATS_CONNECTION } from '@daedalus/messaging';
import { errorMessage } from '@daedalus/common';
import { GatewayConfig } from '../gateway-config';

export type NodeAnswer = { ok: true; reply: NodeQueryReply } | { ok: false; reason: string };

function isReply(value: unknown): value is NodeQueryReply {
  if (typeof value !== 'object' || value === null) return false;
  const reply = value as Partial<NodeQueryReply>;
  return typeof reply.hostId === 'string' && typeof reply.ok === 'boolean';
}

/** Asks one node agent a live question over core NATS request/reply, bounded by --node-query-timeout-ms. */
@Injectable()
export class NodeQueryClient {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly config: GatewayConfig,
  ) {}

  /** `timeoutMs` may shorten the wait (a caller with less budget left), never lengthen it. */
  async ask(hostId: string, query: NodeQueryKind, timeoutMs = this.config.nodeQueryTimeoutMs): Promise<NodeAnswer> {
    const message: NodeQueryMessage = { schemaVersion: SCHEMA_VERSION, query };
    try {
      const msg = await this.nc.request(Subjects.nodeQuery(hostId), JSON.stringify(message), {
        timeout: Math.max(1, Math.min(timeoutMs, this.config.nodeQueryTimeoutMs)),
      });
      const reply = msg.json<unknown>();
      if (!isReply(reply)) return { ok: false, reason: 'the agent answered something that is not a node query reply' };
      if (!reply.ok) return { ok: false, reason: reply.error ?? 'the agent could not read its node' };
      return { ok: true, reply };
    } catch (error) {
      return { ok: false, reason: `no answer from the agent of ${hostId}: ${errorMessage(error)}` };
    }
  }
}
