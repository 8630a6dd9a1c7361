import { Injectable } from '@nestjs/common';
import { Channels, NodeQueryKind, NodeQueryReply, SCHEMA_VERSION, Subjects } from '@daedalus/contracts';
import { InvalidReplyError, NatsRequester } from '@daedalus/messaging';
import { errorMessage } from '@daedalus/common';
import { GatewayConfig } from '../gateway-config';

export type NodeAnswer = { ok: true; reply: NodeQueryReply } | { ok: false; reason: string };

/** Asks one node agent a live question over core NATS request/reply, bounded by --node-query-timeout-ms. */
@Injectable()
export class NodeQueryClient {
  constructor(
    private readonly requester: NatsRequester,
    private readonly config: GatewayConfig,
  ) {}

  /** `timeoutMs` may shorten the wait (a caller with less budget left), never lengthen it. */
  async ask(hostId: string, query: NodeQueryKind, timeoutMs = this.config.nodeQueryTimeoutMs): Promise<NodeAnswer> {
    try {
      const reply = await this.requester.request(
        Channels.nodeQuery,
        { schemaVersion: SCHEMA_VERSION, query },
        { subject: Subjects.nodeQuery(hostId), timeoutMs: Math.min(timeoutMs, this.config.nodeQueryTimeoutMs) },
      );
      if (!reply.ok) return { ok: false, reason: reply.error ?? 'the agent could not read its node' };
      return { ok: true, reply };
    } catch (error) {
      if (error instanceof InvalidReplyError)
        return { ok: false, reason: `the agent answered something that is not a node query reply (${error.message})` };
      return { ok: false, reason: `no answer from the agent of ${hostId}: ${errorMessage(error)}` };
    }
  }
}
