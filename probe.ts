import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createGatewayRuntime, getGraphQLWSOptions } from '@graphql-hive/gateway-runtime';
import { composeSupergraph, graphqlWsTransports } from './test/fixtures/gateways.ts';
import { startProjectsSubgraph } from './test/fixtures/projects-subgraph.ts';
import { startStack, ALICE } from './test/helpers/stack.ts';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { createServer } from 'node:http';
const stack = await startStack(); const projects = await startProjectsSubgraph();
const runtime = createGatewayRuntime({ supergraph: composeSupergraph({ copygraph: stack.app.url, projects: projects.url }).supergraphSdl, transports: graphqlWsTransports, maskedErrors: false, landingPage: false, graphiql: false });
const httpServer = createServer(runtime);
const wss = new WebSocketServer({ server: httpServer, path: runtime.graphqlEndpoint });
useServer(getGraphQLWSOptions(runtime, (ctx: any) => ({ req: ctx.extra.request, socket: ctx.extra.socket })), wss);
await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
const port = (httpServer.address() as any).port;
const task = await stack.app.services.tasks.create({ owner: 'alice', provider: 'QINIU', credentialSource: 'config', change: { status: 'SUCCEEDED' } } as any);
const c = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${ALICE}` } });
for (const q of ['subscription TaskUpdates($id: ID!) { copyTaskUpdated(id: $id) { id status isFinal progress { completed total } projects { name } } }', 'subscription TaskUpdates($id: ID!) { copyTaskUpdated(id: $id) { id status isFinal progress { completed total } auditLabel projects { name } } }']) {
  for await (const r of c.iterate({ query: q, variables: { id: task.id } })) console.log(JSON.stringify(r));
}
process.exit(0);
