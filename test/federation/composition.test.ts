/**
 * copygraph composes into a supergraph next to a platform team's own subgraph ("projects", a real
 * @apollo/subgraph fixture that references and extends `CopyTask` and `StorageObject` with @key,
 * @external, @requires, @shareable, @override, @inaccessible and @tag), with Apollo's composer,
 * with The Guild's (the one inside Hive) and with WunderGraph's (the one inside Cosmo), in process. The supergraph is a file snapshot.
 */
import { composeServices } from '@apollo/composition';
import { buildASTSchema, buildSchema, type DocumentNode, type GraphQLSchema, lexicographicSortSchema, parse, print, printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { composeServices as composeWithGuild } from '@theguild/federation-composition';
import { federateSubgraphs } from '@wundergraph/composition';
import { composeSupergraph, composeSupergraphWithGuild, subgraphDefinitions } from '../fixtures/gateways.ts';
import { MEDIA_SDL, MEDIA_SUBGRAPH_NAME } from '../fixtures/media-subgraph.ts';

/** Fixed URLs: the snapshot must not depend on the ports a test run happens to get. */
const URLS = { copygraph: 'http://copygraph.internal:4000/graphql', projects: 'http://projects.internal:4001/graphql' };

/** The public API, sorted, without descriptions (the composers word generated parts differently). */
function apiShape(schema: GraphQLSchema): string {
  return printSchema(lexicographicSortSchema(schema)).replace(/^\s*("""[\s\S]*?"""|"[^"\n]*")\n/gm, '');
}

describe('composition', () => {
  it('composes copygraph alone with Apollo composition without errors or hints', () => {
    const [copygraph] = subgraphDefinitions(URLS);
    const result = composeServices([copygraph as NonNullable<typeof copygraph>]);
    expect(result.errors).toBeUndefined();
    expect(result.hints).toEqual([]);
  });

  it('composes copygraph with the projects subgraph with Apollo composition, the only hint being the one @override always gives', () => {
    const { hints } = composeSupergraph(URLS);
    // Every @override leaves a hint on the overridden field; copygraph itself adds none.
    expect(hints).toEqual([
      { code: 'OVERRIDDEN_FIELD_CAN_BE_REMOVED', message: 'Field "StorageObject.mimeType" on subgraph "copygraph" is overridden. Consider removing it.' },
    ]);
  });

  it('composes next to a subgraph that has its own Relay PageInfo, Provider, InvalidField and TaskError types', () => {
    // copygraph names its value types after itself, so common names in a team's subgraph do not collide.
    const relay = parse(`
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
      type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }
      type Provider @key(fields: "id") { id: ID! name: String! }
      type InvalidField { name: String! }
      type TaskError { reason: String! }
      type Query { providers(after: String): PageInfo! provider(id: ID!): Provider invalid: InvalidField taskError: TaskError }
    `);
    const result = composeServices([...subgraphDefinitions(URLS), { name: 'catalog', typeDefs: relay, url: 'http://catalog.internal:4002/graphql' }]);
    expect(result.errors).toBeUndefined();
  });

  it('matches the supergraph snapshot', async () => {
    const { supergraphSdl } = composeSupergraph(URLS);
    // `.sdl`, not `.graphql`: the repository's formatter would rewrite the composer's output.
    await expect(supergraphSdl).toMatchFileSnapshot('../__snapshots__/supergraph.sdl');
  });

  it('records every directive the fixture uses in the supergraph', () => {
    const { supergraphSdl } = composeSupergraph(URLS);
    expect(supergraphSdl).toContain('@link(url: "https://specs.apollo.dev/join/v0.4", for: EXECUTION)');
    expect(supergraphSdl).toMatch(/@join__type\(graph: PROJECTS, key: "id"\)/);
    expect(supergraphSdl).toMatch(/auditLabel: String! @join__field\(graph: PROJECTS, requires: "upstreamTaskId"\)/);
    expect(supergraphSdl).toMatch(/mimeType: String @join__field\(graph: PROJECTS, override: "copygraph"\)/);
    expect(supergraphSdl).toMatch(/costCenter: String @inaccessible/);
    expect(supergraphSdl).toMatch(/type Project[^{]*@tag\(name: "platform"\)/);
  });

  it('composes the same subgraphs with @theguild/federation-composition without errors', () => {
    const { supergraphSdl, publicSdl } = composeSupergraphWithGuild(URLS);
    expect(supergraphSdl).toContain('@join__graph(name: "copygraph", url: "http://copygraph.internal:4000/graphql")');
    // @inaccessible keeps the field out of the public API.
    expect(publicSdl).not.toContain('costCenter');
    expect(publicSdl).toContain('auditLabel');
  });

  it('gives the same public API with both composers', () => {
    const apollo = composeServices(subgraphDefinitions(URLS));
    if (apollo.errors) throw new Error(apollo.errors.map((e) => e.message).join('\n'));
    const guild = composeSupergraphWithGuild(URLS);
    // Rebuilt from its AST: Apollo's schema objects belong to the CommonJS copy of graphql.
    expect(apiShape(buildSchema(guild.publicSdl))).toEqual(apiShape(buildASTSchema(apollo.schema.toAPISchema().toAST())));
  });

  describe('next to a subgraph that re-declares the value types and @provides stat fields', () => {
    const media = { name: MEDIA_SUBGRAPH_NAME, typeDefs: parse(MEDIA_SDL), url: 'http://media.internal:4003/graphql' };
    // Without "projects": it takes StorageObject.mimeType over with @override, which rules out a third resolver.
    const copygraph = subgraphDefinitions(URLS).filter((s) => s.name === 'copygraph');

    it('composes with Apollo composition', () => {
      const result = composeServices([...copygraph, media]);
      expect(result.errors?.map((e) => e.message)).toBeUndefined();
      // The provided fields are planned from media where it holds them, from copygraph elsewhere.
      expect(result.supergraphSdl).toMatch(/file: StorageObject @join__field\(graph: MEDIA, provides: "mimeType fsize hash"\)/);
    });

    it('composes with @theguild/federation-composition', () => {
      const result = composeWithGuild([...copygraph, media]);
      expect(result.errors?.map((e) => e.message)).toBeUndefined();
      expect(result.publicSdl).toContain('importProgress: CopyProgress');
    });

    /** Cosmo's composer takes subgraphs as `{ name, url, definitions }`. */
    const forCosmo = (subgraphs: { name: string; url?: string | undefined; typeDefs: DocumentNode }[]) =>
      subgraphs.map((s) => ({ name: s.name, url: s.url ?? '', definitions: s.typeDefs }));

    it('composes with @wundergraph/composition (Cosmo)', () => {
      const result = federateSubgraphs({ subgraphs: forCosmo([...copygraph, media]) });
      if (!result.success) throw new Error(result.errors.map((e) => e.message).join('\n'));
      expect(result.warnings.map((w) => w.message)).toEqual([]);
      // The client schema belongs to Cosmo's CommonJS copy of graphql: printed from its AST.
      expect(print(result.federatedGraphAST)).toMatch(/importProgress: CopyProgress/);
    });

    it('fails with Cosmo when CopyProgress is not @shareable (the composition the issue reported)', () => {
      // The control: the same subgraphs with copygraph's CopyProgress stripped of @shareable.
      const unshared = copygraph.map((s) => ({
        ...s,
        typeDefs: parse(print(s.typeDefs).replace(/type CopyProgress @shareable/, 'type CopyProgress')),
      }));
      const result = federateSubgraphs({ subgraphs: forCosmo([...unshared, media]) });
      expect(result.success).toBe(false);
      if (!result.success) expect(result.errors.map((e) => e.message).join('\n')).toMatch(/CopyProgress/);
    });

    /** A subgraph's own `CopyTaskStatus`, with the given values. */
    const withStatus = (values: string) =>
      parse(`
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
        enum CopyTaskStatus { ${values} }
        type Dashboard @key(fields: "id") { id: ID! statuses: [CopyTaskStatus!]! }
        type Query { dashboard(status: CopyTaskStatus): Dashboard }
      `);

    it("takes a re-declared CopyTaskStatus only with exactly copygraph's values (it is an input and an output enum)", () => {
      const all = 'QUEUED RUNNING SUCCEEDED FAILED PARTIALLY_SUCCEEDED';
      const ok = composeServices([...subgraphDefinitions(URLS), { name: 'dash', typeDefs: withStatus(all), url: 'http://dash.internal/graphql' }]);
      expect(ok.errors).toBeUndefined();
      const fewer = composeServices([
        ...subgraphDefinitions(URLS),
        { name: 'dash', typeDefs: withStatus('QUEUED RUNNING SUCCEEDED FAILED'), url: 'http://dash.internal/graphql' },
      ]);
      expect(fewer.errors?.map((e) => e.extensions['code'])).toContain('ENUM_VALUE_MISMATCH');
    });
  });
});
