import { Headers, SCHEMA_VERSION, Streams, Subjects } from '@daedalus/contracts';

/**
 * The AsyncAPI 2.6 description of the NATS protocol, built from the naming module so it cannot drift from
 * what the services actually use. Served at /asyncapi.json beside the OpenAPI document.
 */
export function buildAsyncApiDocument(version: string): Record<string, unknown> {
  const envelope = {
    schemaVersion: { type: 'string', example: SCHEMA_VERSION, description: 'major.minor; unknown majors are dead-lettered' },
  };
  const operationId = { type: 'string', format: 'uuid' };
  return {
    asyncapi: '2.6.0',
    info: {
      title: 'Daedalus messaging protocol',
      version,
      description:
        'Clients may publish requests straight to JetStream instead of using HTTP. Set the ' +
        `\`${Headers.messageId}\` header to \`submit.<operationId>\` so a repeat is dropped, then watch ` +
        'the operation on the core NATS subject `daedalus.operations.<operationId>` or read KV bucket `daedalus-operations`.',
    },
    defaultContentType: 'application/json',
    channels: {
      [Subjects.submit]: {
        description: `Operation requests (stream ${Streams.requests}); consumed by coordinators.`,
        publish: {
          message: {
            name: 'SubmitOperation',
            headers: { type: 'object', properties: { [Headers.messageId]: { type: 'string', example: 'submit.<operationId>' } } },
            payload: {
              type: 'object',
              required: ['schemaVersion', 'operationId', 'request', 'submittedAt'],
              properties: {
                ...envelope,
                operationId,
                request: { type: 'object', description: 'an Icarus operation request body (same as POST /operations)' },
                submittedAt: { type: 'string', format: 'date-time' },
              },
            },
          },
        },
      },
      [Subjects.cancel]: {
        description: `Cancel requests (stream ${Streams.requests}).`,
        publish: {
          message: {
            name: 'CancelOperation',
            payload: {
              type: 'object',
              required: ['schemaVersion', 'operationId', 'requestedAt'],
              properties: { ...envelope, operationId, requestedAt: { type: 'string', format: 'date-time' } },
            },
          },
        },
      },
      [Subjects.resume]: {
        description:
          `Resume requests (stream ${Streams.requests}): a FAILED cluster-wide restore (IMPORT or HARDLINKS) that reached ` +
          'TRUNCATE runs again from the phase that failed. A refusal is written to the record as `resumeRefused`.',
        publish: {
          message: {
            name: 'ResumeOperation',
            headers: {
              type: 'object',
              properties: { [Headers.messageId]: { type: 'string', example: 'resume.<operationId>.<resumeCount>' } },
            },
            payload: {
              type: 'object',
              required: ['schemaVersion', 'operationId', 'requestedAt'],
              properties: {
                ...envelope,
                operationId,
                resumeCount: {
                  type: 'integer',
                  minimum: 0,
                  description: "the record's resumeCount the requester saw; a message for an older count changes nothing",
                },
                requestedAt: { type: 'string', format: 'date-time' },
              },
            },
          },
        },
      },
      'daedalus.commands.{hostId}': {
        description: `Per-node commands from coordinators (stream ${Streams.commands}); each agent consumes its own.`,
        parameters: { hostId: { schema: { type: 'string', format: 'uuid' }, description: 'Cassandra host ID' } },
        subscribe: {
          message: {
            name: 'NodeCommand',
            payload: {
              type: 'object',
              properties: {
                ...envelope,
                kind: { type: 'string', enum: ['run', 'cancel'] },
                operationId,
                hostId: { type: 'string' },
                type: { type: 'string' },
                request: { type: 'object' },
                phase: { type: 'string' },
                context: { type: 'object' },
                resume: { type: 'integer', minimum: 0, description: "the operation's resumeCount when issued" },
                issuedAt: { type: 'string', format: 'date-time' },
              },
            },
          },
        },
      },
      'daedalus.events.{operationId}.{hostId}': {
        description: `Node progress and results (stream ${Streams.events}); consumed by coordinators.`,
        parameters: {
          operationId: { schema: { type: 'string', format: 'uuid' } },
          hostId: { schema: { type: 'string', format: 'uuid' } },
        },
        subscribe: {
          message: {
            name: 'NodeEvent',
            payload: {
              type: 'object',
              properties: {
                ...envelope,
                kind: { type: 'string', enum: ['started', 'progress', 'completed', 'failed', 'cancelled'] },
                operationId,
                hostId: { type: 'string' },
                progress: { type: 'number', minimum: 0, maximum: 1 },
                phase: { type: 'string' },
                message: { type: 'string' },
                result: {},
                at: { type: 'string', format: 'date-time' },
              },
            },
          },
        },
      },
      'daedalus.operations.{operationId}': {
        description: 'Core NATS, not persisted: the operation record after every change.',
        parameters: { operationId: { schema: { type: 'string', format: 'uuid' } } },
        subscribe: { message: { name: 'OperationRecord', payload: { type: 'object' } } },
      },
      'daedalus.nodes.{hostId}.query': {
        description:
          'Core NATS request/reply, not persisted: live questions to one node agent, answered from JMX at request time ' +
          '(the gateway uses it for /status, /version/* and /topology, and for `schema` when a request names a keyspace or ' +
          'table the registrations do not list yet).',
        parameters: { hostId: { schema: { type: 'string', format: 'uuid' }, description: 'Cassandra host ID' } },
        publish: {
          message: {
            name: 'NodeQuery',
            payload: {
              type: 'object',
              required: ['schemaVersion', 'query'],
              properties: { ...envelope, query: { type: 'string', enum: ['status', 'versions', 'topology', 'schema'] } },
            },
          },
        },
        subscribe: {
          message: {
            name: 'NodeQueryReply',
            payload: {
              type: 'object',
              required: ['schemaVersion', 'hostId', 'ok'],
              properties: {
                ...envelope,
                hostId: { type: 'string' },
                ok: { type: 'boolean' },
                error: { type: 'string' },
                status: { type: 'object', properties: { operationMode: { type: 'string' } } },
                versions: { type: 'object', properties: { cassandra: { type: 'string' }, schema: { type: 'string' } } },
                schema: {
                  type: 'object',
                  properties: {
                    keyspaces: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
                  },
                },
                topology: {
                  type: 'object',
                  properties: {
                    clusterName: { type: 'string' },
                    schemaVersion: { type: 'string' },
                    nodes: {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: {
                          hostId: { type: 'string' },
                          address: { type: 'string' },
                          dc: { type: 'string' },
                          rack: { type: 'string' },
                          live: { type: 'boolean' },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
      [`daedalus.dlq.{stream}`]: {
        description: `Dead letters (stream ${Streams.deadLetters}) with headers ${Headers.deadLetterReason}, ${Headers.deadLetterSubject}, ${Headers.deadLetterDeliveries}.`,
        parameters: { stream: { schema: { type: 'string' } } },
        subscribe: { message: { name: 'DeadLetter', payload: {} } },
      },
    },
  };
}
