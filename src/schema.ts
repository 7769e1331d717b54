/**
 * The one executable subgraph schema, served over HTTP and WebSocket alike: every `schema/*.graphql`
 * file plus the resolvers, built with `buildSubgraphSchema` (Federation 2).
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { GraphQLSchema } from 'graphql';
import { parse } from 'graphql';
import { resolvers } from '../resolvers/index.ts';

const SCHEMA_DIR = fileURLToPath(new URL('../schema/', import.meta.url));

/** The SDL, concatenated in file name order (the same input codegen reads). */
export function readTypeDefs(): string {
  return readdirSync(SCHEMA_DIR)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => readFileSync(SCHEMA_DIR + f, 'utf8'))
    .join('\n');
}

export function createSchema(): GraphQLSchema {
  // The codegen `Resolvers` type and Apollo's `GraphQLResolverMap` differ only structurally.
  return buildSubgraphSchema([{ typeDefs: parse(readTypeDefs()), resolvers: resolvers as GraphQLResolverMap<unknown> }]);
}
