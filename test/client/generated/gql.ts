/* eslint-disable */
import * as types from './graphql.ts';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
  'mutation CopyObject($input: CopyObjectInput!) {\n  copyObject(input: $input) {\n    __typename\n    ... on CopyTask {\n      id\n      status\n      isFinal\n    }\n    ... on CopyError {\n      code\n      message\n    }\n    ... on InvalidInputError {\n      fields {\n        path\n        message\n      }\n    }\n    ... on UpstreamError {\n      provider\n      retryable\n      logId\n    }\n  }\n}': typeof types.CopyObjectDocument;
  'query CopyTask($id: ID!) {\n  copyTask(id: $id) {\n    id\n    provider\n    status\n    isFinal\n    finishedAt\n  }\n}': typeof types.CopyTaskDocument;
  'subscription CopyTaskUpdated($id: ID!) {\n  copyTaskUpdated(id: $id) {\n    id\n    status\n    isFinal\n    progress {\n      completed\n      total\n    }\n    result {\n      __typename\n      ... on StorageObject {\n        bucket\n        key\n        hash\n        fsize\n      }\n    }\n    error {\n      code\n      message\n    }\n  }\n}': typeof types.CopyTaskUpdatedDocument;
  'query MyTasks($first: Int, $filter: CopyTaskFilter) {\n  copyTasks(first: $first, filter: $filter) {\n    totalCount\n    edges {\n      node {\n        id\n        provider\n        status\n        upstreamTaskIds\n        progress {\n          completed\n          total\n        }\n        request {\n          __typename\n          ... on ObjectCopyRequest {\n            source {\n              bucket\n              key\n            }\n            destination {\n              bucket\n              key\n            }\n          }\n          ... on ImageCopyRequest {\n            fileCount\n            toParentFileId\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nsubscription MyTasksUpdated($filter: CopyTaskFilter) {\n  copyTasksUpdated(filter: $filter) {\n    id\n    provider\n    status\n    isFinal\n    progress {\n      completed\n      total\n    }\n  }\n}': typeof types.MyTasksDocument;
};
const documents: Documents = {
  'mutation CopyObject($input: CopyObjectInput!) {\n  copyObject(input: $input) {\n    __typename\n    ... on CopyTask {\n      id\n      status\n      isFinal\n    }\n    ... on CopyError {\n      code\n      message\n    }\n    ... on InvalidInputError {\n      fields {\n        path\n        message\n      }\n    }\n    ... on UpstreamError {\n      provider\n      retryable\n      logId\n    }\n  }\n}':
    types.CopyObjectDocument,
  'query CopyTask($id: ID!) {\n  copyTask(id: $id) {\n    id\n    provider\n    status\n    isFinal\n    finishedAt\n  }\n}': types.CopyTaskDocument,
  'subscription CopyTaskUpdated($id: ID!) {\n  copyTaskUpdated(id: $id) {\n    id\n    status\n    isFinal\n    progress {\n      completed\n      total\n    }\n    result {\n      __typename\n      ... on StorageObject {\n        bucket\n        key\n        hash\n        fsize\n      }\n    }\n    error {\n      code\n      message\n    }\n  }\n}':
    types.CopyTaskUpdatedDocument,
  'query MyTasks($first: Int, $filter: CopyTaskFilter) {\n  copyTasks(first: $first, filter: $filter) {\n    totalCount\n    edges {\n      node {\n        id\n        provider\n        status\n        upstreamTaskIds\n        progress {\n          completed\n          total\n        }\n        request {\n          __typename\n          ... on ObjectCopyRequest {\n            source {\n              bucket\n              key\n            }\n            destination {\n              bucket\n              key\n            }\n          }\n          ... on ImageCopyRequest {\n            fileCount\n            toParentFileId\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nsubscription MyTasksUpdated($filter: CopyTaskFilter) {\n  copyTasksUpdated(filter: $filter) {\n    id\n    provider\n    status\n    isFinal\n    progress {\n      completed\n      total\n    }\n  }\n}':
    types.MyTasksDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'mutation CopyObject($input: CopyObjectInput!) {\n  copyObject(input: $input) {\n    __typename\n    ... on CopyTask {\n      id\n      status\n      isFinal\n    }\n    ... on CopyError {\n      code\n      message\n    }\n    ... on InvalidInputError {\n      fields {\n        path\n        message\n      }\n    }\n    ... on UpstreamError {\n      provider\n      retryable\n      logId\n    }\n  }\n}',
): (typeof documents)['mutation CopyObject($input: CopyObjectInput!) {\n  copyObject(input: $input) {\n    __typename\n    ... on CopyTask {\n      id\n      status\n      isFinal\n    }\n    ... on CopyError {\n      code\n      message\n    }\n    ... on InvalidInputError {\n      fields {\n        path\n        message\n      }\n    }\n    ... on UpstreamError {\n      provider\n      retryable\n      logId\n    }\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'query CopyTask($id: ID!) {\n  copyTask(id: $id) {\n    id\n    provider\n    status\n    isFinal\n    finishedAt\n  }\n}',
): (typeof documents)['query CopyTask($id: ID!) {\n  copyTask(id: $id) {\n    id\n    provider\n    status\n    isFinal\n    finishedAt\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'subscription CopyTaskUpdated($id: ID!) {\n  copyTaskUpdated(id: $id) {\n    id\n    status\n    isFinal\n    progress {\n      completed\n      total\n    }\n    result {\n      __typename\n      ... on StorageObject {\n        bucket\n        key\n        hash\n        fsize\n      }\n    }\n    error {\n      code\n      message\n    }\n  }\n}',
): (typeof documents)['subscription CopyTaskUpdated($id: ID!) {\n  copyTaskUpdated(id: $id) {\n    id\n    status\n    isFinal\n    progress {\n      completed\n      total\n    }\n    result {\n      __typename\n      ... on StorageObject {\n        bucket\n        key\n        hash\n        fsize\n      }\n    }\n    error {\n      code\n      message\n    }\n  }\n}'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: 'query MyTasks($first: Int, $filter: CopyTaskFilter) {\n  copyTasks(first: $first, filter: $filter) {\n    totalCount\n    edges {\n      node {\n        id\n        provider\n        status\n        upstreamTaskIds\n        progress {\n          completed\n          total\n        }\n        request {\n          __typename\n          ... on ObjectCopyRequest {\n            source {\n              bucket\n              key\n            }\n            destination {\n              bucket\n              key\n            }\n          }\n          ... on ImageCopyRequest {\n            fileCount\n            toParentFileId\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nsubscription MyTasksUpdated($filter: CopyTaskFilter) {\n  copyTasksUpdated(filter: $filter) {\n    id\n    provider\n    status\n    isFinal\n    progress {\n      completed\n      total\n    }\n  }\n}',
): (typeof documents)['query MyTasks($first: Int, $filter: CopyTaskFilter) {\n  copyTasks(first: $first, filter: $filter) {\n    totalCount\n    edges {\n      node {\n        id\n        provider\n        status\n        upstreamTaskIds\n        progress {\n          completed\n          total\n        }\n        request {\n          __typename\n          ... on ObjectCopyRequest {\n            source {\n              bucket\n              key\n            }\n            destination {\n              bucket\n              key\n            }\n          }\n          ... on ImageCopyRequest {\n            fileCount\n            toParentFileId\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nsubscription MyTasksUpdated($filter: CopyTaskFilter) {\n  copyTasksUpdated(filter: $filter) {\n    id\n    provider\n    status\n    isFinal\n    progress {\n      completed\n      total\n    }\n  }\n}'];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<infer TType, any> ? TType : never;
