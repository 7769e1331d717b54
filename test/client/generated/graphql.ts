/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** What went wrong, as one code shared by every mutation and every failed task. */
export type CopyErrorCode =
  /** The destination already exists and overwriting was not asked for. */
  | 'ALREADY_EXISTS'
  /** The input was refused before anything was sent upstream, or the upstream refused a parameter. */
  | 'BAD_USER_INPUT'
  /** The task was started with per-request credentials that copygraph does not keep; send them again to resume it. */
  | 'CREDENTIALS_REQUIRED'
  /** The credentials are valid but lack a permission the copy needs. */
  | 'FORBIDDEN'
  /** An upstream limit (size, count, depth, queued tasks) would be exceeded. */
  | 'LIMIT_EXCEEDED'
  /** The source, the destination or the task does not exist (or is not yours). */
  | 'NOT_FOUND'
  /** The request was sent but no answer came back: the copy may or may not have happened. It is never retried blindly. */
  | 'OUTCOME_UNKNOWN'
  /** The upstream throttled the call; retry after `retryAfterSeconds` when given. */
  | 'RATE_LIMITED'
  /** The task could not reach a final state (the upstream forgot it, or it passed its maximum age). */
  | 'TASK_EXPIRED'
  /** The credentials for copygraph or for the upstream are missing, invalid or expired. */
  | 'UNAUTHENTICATED'
  /** The upstream answered with an error copygraph has no more specific code for. */
  | 'UPSTREAM_ERROR'
  /** The upstream could not be reached before anything was sent, or answered that it is unavailable. */
  | 'UPSTREAM_UNAVAILABLE';

/** Copy one Qiniu object. */
export type CopyObjectInput = {
  /** Where the copy goes (same account and region). */
  destination: ObjectLocationInput;
  /** Replace the destination if it exists (Qiniu `/force/true`); otherwise an existing destination gives `ALREADY_EXISTS`. */
  overwrite?: boolean | null | undefined;
  /** The object to copy. */
  source: ObjectLocationInput;
};

/** The upstream service a copy runs against. */
export type CopyProvider =
  /** Blue (blue.cc): records, called todos in its API. */
  | 'BLUE'
  /** Coze (扣子): bots, apps and workflows. */
  | 'COZE'
  /** Feishu / Lark wiki: wiki nodes. */
  | 'FEISHU'
  /** 123pan open platform: drive files copied into the image host (图床). */
  | 'PAN123'
  /** Qiniu Kodo: objects in buckets. */
  | 'QINIU';

/** Narrows `copyTasks`. */
export type CopyTaskFilter = {
  /** Only tasks against this service. */
  provider?: CopyProvider | null | undefined;
  /** Only tasks in one of these states. */
  status?: Array<CopyTaskStatus> | null | undefined;
};

/** The state of a copy task. `SUCCEEDED`, `FAILED` and `PARTIALLY_SUCCEEDED` are final. */
export type CopyTaskStatus =
  /** Nothing was copied, or the copy failed as a whole; see `error`. */
  | 'FAILED'
  /** Some items were copied and some failed; see `failures`. */
  | 'PARTIALLY_SUCCEEDED'
  /** Accepted; waiting for the upstream (or for copygraph's own queue) to start it. */
  | 'QUEUED'
  /** The upstream is copying. */
  | 'RUNNING'
  /** Everything was copied. */
  | 'SUCCEEDED';

/** An object in a Qiniu bucket. */
export type ObjectLocationInput = {
  /** The bucket name (3 to 63 characters: lowercase letters, digits and hyphens). */
  bucket: string;
  /** The object key (1 to 750 bytes). */
  key: string;
};

export type CopyObjectMutationVariables = Exact<{
  input: CopyObjectInput;
}>;

export type CopyObjectMutation = {
  copyObject:
    | { __typename: 'CopyTask'; id: string; status: CopyTaskStatus; isFinal: boolean }
    | { __typename: 'InvalidInputError'; code: CopyErrorCode; message: string; fields: Array<{ path: string; message: string }> }
    | { __typename: 'UpstreamError'; code: CopyErrorCode; message: string; provider: CopyProvider; retryable: boolean; logId: string | null };
};

export type CopyTaskQueryVariables = Exact<{
  id: string | number;
}>;

export type CopyTaskQuery = { copyTask: { id: string; provider: CopyProvider; status: CopyTaskStatus; isFinal: boolean; finishedAt: string | null } | null };

export type CopyTaskUpdatedSubscriptionVariables = Exact<{
  id: string | number;
}>;

export type CopyTaskUpdatedSubscription = {
  copyTaskUpdated: {
    id: string;
    status: CopyTaskStatus;
    isFinal: boolean;
    progress: { completed: number; total: number } | null;
    result:
      | { __typename: 'BlueTodo' }
      | { __typename: 'CozeEntity' }
      | { __typename: 'PanImageCopy' }
      | { __typename: 'StorageObject'; bucket: string; key: string; hash: string | null; fsize: number | null }
      | { __typename: 'UnidentifiedBlueTodo' }
      | { __typename: 'WikiNode' }
      | null;
    error: { code: CopyErrorCode; message: string } | null;
  };
};

export type MyTasksQueryVariables = Exact<{
  first?: number | null | undefined;
  filter?: CopyTaskFilter | null | undefined;
}>;

export type MyTasksQuery = {
  copyTasks: {
    totalCount: number;
    edges: Array<{
      node: {
        id: string;
        provider: CopyProvider;
        status: CopyTaskStatus;
        upstreamTaskIds: Array<string>;
        progress: { completed: number; total: number } | null;
        request:
          | { __typename: 'CozeCopyRequest' }
          | { __typename: 'ImageCopyRequest'; fileCount: number; toParentFileId: string }
          | { __typename: 'ObjectCopyRequest'; source: { bucket: string; key: string }; destination: { bucket: string; key: string } }
          | { __typename: 'TodoCopyRequest' }
          | { __typename: 'WikiNodeCopyRequest' }
          | null;
      };
    }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
};

export type MyTasksUpdatedSubscriptionVariables = Exact<{
  filter?: CopyTaskFilter | null | undefined;
}>;

export type MyTasksUpdatedSubscription = {
  copyTasksUpdated: { id: string; provider: CopyProvider; status: CopyTaskStatus; isFinal: boolean; progress: { completed: number; total: number } | null };
};

export const CopyObjectDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'mutation',
      name: { kind: 'Name', value: 'CopyObject' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'input' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'CopyObjectInput' } } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'copyObject' },
            arguments: [{ kind: 'Argument', name: { kind: 'Name', value: 'input' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'input' } } }],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: '__typename' } },
                {
                  kind: 'InlineFragment',
                  typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'CopyTask' } },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'status' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'isFinal' } },
                    ],
                  },
                },
                {
                  kind: 'InlineFragment',
                  typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'CopyError' } },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'code' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'message' } },
                    ],
                  },
                },
                {
                  kind: 'InlineFragment',
                  typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'InvalidInputError' } },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      {
                        kind: 'Field',
                        name: { kind: 'Name', value: 'fields' },
                        selectionSet: {
                          kind: 'SelectionSet',
                          selections: [
                            { kind: 'Field', name: { kind: 'Name', value: 'path' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'message' } },
                          ],
                        },
                      },
                    ],
                  },
                },
                {
                  kind: 'InlineFragment',
                  typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'UpstreamError' } },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'provider' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'retryable' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'logId' } },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<CopyObjectMutation, CopyObjectMutationVariables>;
export const CopyTaskDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'query',
      name: { kind: 'Name', value: 'CopyTask' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'id' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'ID' } } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'copyTask' },
            arguments: [{ kind: 'Argument', name: { kind: 'Name', value: 'id' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'id' } } }],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                { kind: 'Field', name: { kind: 'Name', value: 'provider' } },
                { kind: 'Field', name: { kind: 'Name', value: 'status' } },
                { kind: 'Field', name: { kind: 'Name', value: 'isFinal' } },
                { kind: 'Field', name: { kind: 'Name', value: 'finishedAt' } },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<CopyTaskQuery, CopyTaskQueryVariables>;
export const CopyTaskUpdatedDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'subscription',
      name: { kind: 'Name', value: 'CopyTaskUpdated' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'id' } },
          type: { kind: 'NonNullType', type: { kind: 'NamedType', name: { kind: 'Name', value: 'ID' } } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'copyTaskUpdated' },
            arguments: [{ kind: 'Argument', name: { kind: 'Name', value: 'id' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'id' } } }],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                { kind: 'Field', name: { kind: 'Name', value: 'status' } },
                { kind: 'Field', name: { kind: 'Name', value: 'isFinal' } },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'progress' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'completed' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'total' } },
                    ],
                  },
                },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'result' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: '__typename' } },
                      {
                        kind: 'InlineFragment',
                        typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'StorageObject' } },
                        selectionSet: {
                          kind: 'SelectionSet',
                          selections: [
                            { kind: 'Field', name: { kind: 'Name', value: 'bucket' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'key' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'hash' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'fsize' } },
                          ],
                        },
                      },
                    ],
                  },
                },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'error' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'code' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'message' } },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<CopyTaskUpdatedSubscription, CopyTaskUpdatedSubscriptionVariables>;
export const MyTasksDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'query',
      name: { kind: 'Name', value: 'MyTasks' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'first' } },
          type: { kind: 'NamedType', name: { kind: 'Name', value: 'Int' } },
        },
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'filter' } },
          type: { kind: 'NamedType', name: { kind: 'Name', value: 'CopyTaskFilter' } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'copyTasks' },
            arguments: [
              { kind: 'Argument', name: { kind: 'Name', value: 'first' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'first' } } },
              { kind: 'Argument', name: { kind: 'Name', value: 'filter' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'filter' } } },
            ],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'totalCount' } },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'edges' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      {
                        kind: 'Field',
                        name: { kind: 'Name', value: 'node' },
                        selectionSet: {
                          kind: 'SelectionSet',
                          selections: [
                            { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'provider' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'status' } },
                            { kind: 'Field', name: { kind: 'Name', value: 'upstreamTaskIds' } },
                            {
                              kind: 'Field',
                              name: { kind: 'Name', value: 'progress' },
                              selectionSet: {
                                kind: 'SelectionSet',
                                selections: [
                                  { kind: 'Field', name: { kind: 'Name', value: 'completed' } },
                                  { kind: 'Field', name: { kind: 'Name', value: 'total' } },
                                ],
                              },
                            },
                            {
                              kind: 'Field',
                              name: { kind: 'Name', value: 'request' },
                              selectionSet: {
                                kind: 'SelectionSet',
                                selections: [
                                  { kind: 'Field', name: { kind: 'Name', value: '__typename' } },
                                  {
                                    kind: 'InlineFragment',
                                    typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'ObjectCopyRequest' } },
                                    selectionSet: {
                                      kind: 'SelectionSet',
                                      selections: [
                                        {
                                          kind: 'Field',
                                          name: { kind: 'Name', value: 'source' },
                                          selectionSet: {
                                            kind: 'SelectionSet',
                                            selections: [
                                              { kind: 'Field', name: { kind: 'Name', value: 'bucket' } },
                                              { kind: 'Field', name: { kind: 'Name', value: 'key' } },
                                            ],
                                          },
                                        },
                                        {
                                          kind: 'Field',
                                          name: { kind: 'Name', value: 'destination' },
                                          selectionSet: {
                                            kind: 'SelectionSet',
                                            selections: [
                                              { kind: 'Field', name: { kind: 'Name', value: 'bucket' } },
                                              { kind: 'Field', name: { kind: 'Name', value: 'key' } },
                                            ],
                                          },
                                        },
                                      ],
                                    },
                                  },
                                  {
                                    kind: 'InlineFragment',
                                    typeCondition: { kind: 'NamedType', name: { kind: 'Name', value: 'ImageCopyRequest' } },
                                    selectionSet: {
                                      kind: 'SelectionSet',
                                      selections: [
                                        { kind: 'Field', name: { kind: 'Name', value: 'fileCount' } },
                                        { kind: 'Field', name: { kind: 'Name', value: 'toParentFileId' } },
                                      ],
                                    },
                                  },
                                ],
                              },
                            },
                          ],
                        },
                      },
                    ],
                  },
                },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'pageInfo' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'hasNextPage' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'endCursor' } },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<MyTasksQuery, MyTasksQueryVariables>;
export const MyTasksUpdatedDocument = {
  kind: 'Document',
  definitions: [
    {
      kind: 'OperationDefinition',
      operation: 'subscription',
      name: { kind: 'Name', value: 'MyTasksUpdated' },
      variableDefinitions: [
        {
          kind: 'VariableDefinition',
          variable: { kind: 'Variable', name: { kind: 'Name', value: 'filter' } },
          type: { kind: 'NamedType', name: { kind: 'Name', value: 'CopyTaskFilter' } },
        },
      ],
      selectionSet: {
        kind: 'SelectionSet',
        selections: [
          {
            kind: 'Field',
            name: { kind: 'Name', value: 'copyTasksUpdated' },
            arguments: [{ kind: 'Argument', name: { kind: 'Name', value: 'filter' }, value: { kind: 'Variable', name: { kind: 'Name', value: 'filter' } } }],
            selectionSet: {
              kind: 'SelectionSet',
              selections: [
                { kind: 'Field', name: { kind: 'Name', value: 'id' } },
                { kind: 'Field', name: { kind: 'Name', value: 'provider' } },
                { kind: 'Field', name: { kind: 'Name', value: 'status' } },
                { kind: 'Field', name: { kind: 'Name', value: 'isFinal' } },
                {
                  kind: 'Field',
                  name: { kind: 'Name', value: 'progress' },
                  selectionSet: {
                    kind: 'SelectionSet',
                    selections: [
                      { kind: 'Field', name: { kind: 'Name', value: 'completed' } },
                      { kind: 'Field', name: { kind: 'Name', value: 'total' } },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    },
  ],
} as unknown as DocumentNode<MyTasksUpdatedSubscription, MyTasksUpdatedSubscriptionVariables>;
