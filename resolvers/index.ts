/**
 * All resolvers, merged per type. Each provider file contributes its `Mutation` fields and entity
 * resolvers; tasks contribute `Query`, `Subscription` and `CopyTask`.
 */
import type { Resolvers } from '../src/generated/resolvers-types.ts';
import * as coze from './coze.ts';
import * as pan123 from './pan123.ts';
import * as qiniu from './qiniu.ts';
import * as feishu from './feishu.ts';
import * as blue from './blue.ts';
import { DateTime } from './scalars.ts';
import * as tasks from './tasks.ts';

const byTypename = <T extends string>(parent: { __typename: T }): T => parent.__typename;

export const resolvers: Resolvers = {
  DateTime,
  Query: tasks.Query,
  Subscription: tasks.Subscription,
  Mutation: { ...qiniu.Mutation, ...coze.Mutation, ...pan123.Mutation, ...feishu.Mutation, ...blue.Mutation },
  CopyTask: tasks.CopyTask,
  CopyTaskConnection: tasks.CopyTaskConnection,
  Node: tasks.Node,
  StorageObject: qiniu.StorageObject,
  CozeEntity: coze.CozeEntity,
  PanImageCopy: pan123.PanImageCopy,
  WikiNode: feishu.WikiNode,
  BlueTodo: blue.BlueTodo,
  CopiedResource: { __resolveType: byTypename },
  CopyObjectResult: { __resolveType: byTypename },
  CopyCozeEntityResult: { __resolveType: byTypename },
  CopyImagesResult: { __resolveType: byTypename },
  CopyWikiNodeResult: { __resolveType: byTypename },
  CopyTodoResult: { __resolveType: byTypename },
  CopyError: { __resolveType: byTypename },
};
