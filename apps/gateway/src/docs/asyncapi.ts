import { ALL_CHANNELS, Channel, ChannelMessage, docOf, Headers, SCHEMA_VERSION, SchemaFragment } from '@daedalus/contracts';
import { schemaOfDto } from './dto-schema';

/**
 * The AsyncAPI 2.6 description of the NATS protocol, generated from the channel catalogue of libs/contracts
 * (subjects from the naming module, payloads from the message DTOs the transport validates), so it cannot
 * drift from what the services use. Served at /asyncapi.json beside the OpenAPI document.
 */

const SCHEMA_VERSION_HEADER = { type: 'string', example: SCHEMA_VERSION, description: 'the payload schemaVersion' };

function headersOf(channel: Channel, message: ChannelMessage<unknown>): SchemaFragment | undefined {
  const properties: Record<string, SchemaFragment> = {};
  if (message.messageId) {
    properties[Headers.messageId] = {
      type: 'string',
      example: message.messageId,
      description: "JetStream de-duplication: a repeat within the stream's duplicate window is dropped",
    };
  }
  if (channel.kind === 'stream') properties[Headers.schemaVersion] = SCHEMA_VERSION_HEADER;
  for (const [name, description] of Object.entries(message.headers ?? {})) properties[name] = { type: 'string', description };
  return Object.keys(properties).length > 0 ? { type: 'object', properties } : undefined;
}

function messageOf(channel: Channel, message: ChannelMessage<unknown>): SchemaFragment {
  const payload = message.payload ? schemaOfDto(message.payload) : (message.schema ?? {});
  const summary = message.payload ? docOf(message.payload)?.description : undefined;
  const headers = headersOf(channel, message);
  return { name: message.name, ...(summary ? { summary } : {}), ...(headers ? { headers } : {}), payload };
}

function channelOf(channel: Channel): SchemaFragment {
  const parameters = Object.fromEntries(
    Object.entries(channel.parameters).map(([name, description]) => [name, { description, schema: { type: 'string' } }]),
  );
  const common = { description: channel.description, ...(Object.keys(parameters).length > 0 ? { parameters } : {}) };
  switch (channel.kind) {
    case 'stream':
    case 'announcement':
      return { ...common, [channel.operation]: { message: messageOf(channel, channel.message) } };
    case 'request': {
      const bindings = channel.queue ? { bindings: { nats: { queue: channel.queue } } } : {};
      return {
        ...common,
        publish: { summary: 'the request', ...bindings, message: messageOf(channel, channel.request) },
        subscribe: { summary: 'the reply', message: messageOf(channel, channel.reply) },
      };
    }
  }
}

export function buildAsyncApiDocument(version: string): Record<string, unknown> {
  return {
    asyncapi: '2.6.0',
    info: {
      title: 'Daedalus messaging protocol',
      version,
      description:
        'Clients may publish requests straight to JetStream instead of using HTTP. Set the ' +
        `\`${Headers.messageId}\` header to \`submit.<operationId>\` so a repeat is dropped, then watch ` +
        'the operation on the core NATS subject `daedalus.operations.<operationId>` or read KV bucket `daedalus-operations`. ' +
        'Every payload carries `schemaVersion`; a message that does not validate is dead-lettered with the reasons.',
    },
    defaultContentType: 'application/json',
    channels: Object.fromEntries(ALL_CHANNELS.map((channel) => [channel.address, channelOf(channel)])),
  };
}
