/**
 * All resolvers, merged per type. Each provider file contributes its `Mutation` fields and entity
 * resolvers; tasks contribute `Query`, `Subscription` and `CopyTask`.
 */
import type { Resolvers } from '../src/generated/resolvers-types.ts';
import * as qiniu from './qiniu.ts';
import { DateTime } from './scalars.ts';
import * as tasks from './tasks.ts';

const byTypename = <T extends string>(parent: { __typename: T }): T => parent.__typename;

export const resolvers: Resolvers = {
  DateTime,
  Query: tasks.Query,
  Subscription: tasks.Subscription,
  Mutation: { ...qiniu.Mutation },
  CopyTask: tasks.CopyTask,
  StorageObject: qiniu.StorageObject,
  CopiedResource: { __resolveType: byTypename },
  CopyObjectResult: { __resolveType: byTypename },
  CopyError: { __resolveType: byTypename },
};
