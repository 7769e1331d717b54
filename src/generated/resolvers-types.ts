import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { CopyTaskRecord } from '../tasks/model.ts';
import type { StorageObjectRef } from '../../datasources/qiniu.ts';
import type { RequestContext } from '../context.ts';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An instant in time, as an ISO-8601 string in UTC (for example `2026-11-24T03:11:35.000Z`). */
  DateTime: { input: string; output: string; }
  _FieldSet: { input: unknown; output: unknown; }
};

/** The resource a copy produced. */
export type CopiedResource = StorageObject;

/**
 * Every expected failure implements this interface: select `... on CopyError { code message }` and new
 * error types will never break a client.
 */
export type CopyError = {
  /** The machine-readable reason. */
  code: CopyErrorCode;
  /** A human-readable explanation, safe to show to the user. Never contains credentials. */
  message: Scalars['String']['output'];
};

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

/** One item that could not be copied. */
export type CopyItemFailure = {
  __typename?: 'CopyItemFailure';
  /** The id of the item upstream (a Coze entity id, a 123pan file id, a Qiniu key). */
  itemId: Scalars['String']['output'];
  /** The item's kind, when the upstream gives it (Coze: plugin, workflow, knowledge, …). */
  kind?: Maybe<Scalars['String']['output']>;
  /** The item's name, when the upstream gives it. */
  name?: Maybe<Scalars['String']['output']>;
  /** Why the item failed, as the upstream said it. */
  reason?: Maybe<Scalars['String']['output']>;
};

/** Copy one Qiniu object. */
export type CopyObjectInput = {
  /** Where the copy goes (same account and region). */
  destination: ObjectLocationInput;
  /** Replace the destination if it exists (Qiniu `/force/true`); otherwise an existing destination gives `ALREADY_EXISTS`. */
  overwrite?: InputMaybe<Scalars['Boolean']['input']>;
  /** The object to copy. */
  source: ObjectLocationInput;
};

/** The task of a Qiniu copy (born final), or why it was refused. */
export type CopyObjectResult = CopyTask | InvalidInputError | UpstreamError;

/** Progress of a task made of parts (123pan copies are split into upstream tasks of at most 100 ids). */
export type CopyProgress = {
  __typename?: 'CopyProgress';
  /** Parts finished (successfully or not). */
  completed: Scalars['Int']['output'];
  /** Parts in all. */
  total: Scalars['Int']['output'];
};

/**
 * One copy, from the moment it was asked for until it is final. Synchronous copies are born final.
 * Only the caller that started a task can see it.
 */
export type CopyTask = {
  __typename?: 'CopyTask';
  /** When the copy was asked for. */
  createdAt: Scalars['DateTime']['output'];
  /** Why the task failed, when it did. */
  error?: Maybe<TaskError>;
  /** Items that could not be copied (Coze `failed_reasons`, 123pan failed files, Qiniu batch items). */
  failures: Array<CopyItemFailure>;
  /** When the task became final. */
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  /** copygraph's id of the task. */
  id: Scalars['ID']['output'];
  /** Whether the status is final (`SUCCEEDED`, `FAILED`, `PARTIALLY_SUCCEEDED`): no further updates will come. */
  isFinal: Scalars['Boolean']['output'];
  /** How far the copy has got, when the upstream reports it. */
  progress?: Maybe<CopyProgress>;
  /** The service the copy runs against. */
  provider: Provider;
  /** The copied resource, once it is known. */
  result?: Maybe<CopiedResource>;
  /** Where the task stands now. */
  status: CopyTaskStatus;
  /** When the task last changed. */
  updatedAt: Scalars['DateTime']['output'];
  /** The upstream's task id, for asynchronous copies (Coze `task_id`, 123pan `taskID`; several comma-separated when the copy was split). */
  upstreamTaskId?: Maybe<Scalars['String']['output']>;
};

/** A page of tasks, newest first. */
export type CopyTaskConnection = {
  __typename?: 'CopyTaskConnection';
  /** The tasks on this page with their cursors. */
  edges: Array<CopyTaskEdge>;
  /** Where this page sits. */
  pageInfo: PageInfo;
};

/** One task in a connection. */
export type CopyTaskEdge = {
  __typename?: 'CopyTaskEdge';
  /** Pass as `after` to get the tasks after this one. */
  cursor: Scalars['String']['output'];
  /** The task. */
  node: CopyTask;
};

/** Narrows `copyTasks`. */
export type CopyTaskFilter = {
  /** Only tasks against this service. */
  provider?: InputMaybe<Provider>;
  /** Only tasks in one of these states. */
  status?: InputMaybe<Array<CopyTaskStatus>>;
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

/** One input field that was refused. */
export type InvalidField = {
  __typename?: 'InvalidField';
  /** Why it was refused. */
  message: Scalars['String']['output'];
  /** The path of the field within the input, dot separated (for example `source.bucket`). */
  path: Scalars['String']['output'];
};

/** The input was refused before anything was sent upstream. */
export type InvalidInputError = CopyError & {
  __typename?: 'InvalidInputError';
  /** Always `BAD_USER_INPUT`. */
  code: CopyErrorCode;
  /** The input fields at fault, as paths such as `destination.key`. */
  fields: Array<InvalidField>;
  /** What is wrong with the input. */
  message: Scalars['String']['output'];
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Copy an object between buckets (or keys) in Qiniu Kodo. Synchronous: the task is final when this answers. */
  copyObject: CopyObjectResult;
};


export type MutationCopyObjectArgs = {
  input: CopyObjectInput;
};

/** An object in a Qiniu bucket. */
export type ObjectLocationInput = {
  /** The bucket name (3 to 63 characters: lowercase letters, digits and hyphens). */
  bucket: Scalars['String']['input'];
  /** The object key (1 to 750 bytes). */
  key: Scalars['String']['input'];
};

/** Pagination state of a connection. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** The cursor of the last edge on this page. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** Whether more tasks follow this page. */
  hasNextPage: Scalars['Boolean']['output'];
};

/** The upstream service a copy runs against. */
export type Provider =
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

export type Query = {
  __typename?: 'Query';
  /** One of your tasks by id; null when it does not exist or is not yours. */
  copyTask?: Maybe<CopyTask>;
  /** Your tasks, newest first. */
  copyTasks: CopyTaskConnection;
};


export type QueryCopyTaskArgs = {
  id: Scalars['ID']['input'];
};


export type QueryCopyTasksArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<CopyTaskFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

/**
 * An object in a Qiniu Kodo bucket. The stat fields are fetched only when selected, batched per request
 * into one Qiniu `/batch` of `stat` operations.
 */
export type StorageObject = {
  __typename?: 'StorageObject';
  /** The bucket. */
  bucket: Scalars['String']['output'];
  /** Size in bytes (Qiniu `fsize`). */
  fsize?: Maybe<Scalars['Float']['output']>;
  /** The Qiniu etag hash of the content; a copy has the same hash as its source. */
  hash?: Maybe<Scalars['String']['output']>;
  /** The object key. */
  key: Scalars['String']['output'];
  /** The MIME type. */
  mimeType?: Maybe<Scalars['String']['output']>;
  /** When the object was written (Qiniu `putTime`, converted from 100-ns units). */
  putTime?: Maybe<Scalars['DateTime']['output']>;
  /** Storage class: 0 standard, 1 infrequent access, 2 archive, 3 deep archive, 4 archive direct read, 5 intelligent tiering. */
  storageType?: Maybe<Scalars['Int']['output']>;
};

export type Subscription = {
  __typename?: 'Subscription';
  /**
   * The task's current state at once, then every change; the stream completes after the final state.
   * A task that does not exist or is not yours ends the stream with a `NOT_FOUND` error.
   */
  copyTaskUpdated: CopyTask;
};


export type SubscriptionCopyTaskUpdatedArgs = {
  id: Scalars['ID']['input'];
};

/** Why a task failed. */
export type TaskError = CopyError & {
  __typename?: 'TaskError';
  /** The mapped reason. */
  code: CopyErrorCode;
  /** The upstream's request or log id, when there is one. */
  logId?: Maybe<Scalars['String']['output']>;
  /** A human-readable explanation. */
  message: Scalars['String']['output'];
  /** The upstream's own error code, when there is one. */
  upstreamCode?: Maybe<Scalars['String']['output']>;
};

/** The upstream service refused or failed the copy. */
export type UpstreamError = CopyError & {
  __typename?: 'UpstreamError';
  /** The mapped reason. */
  code: CopyErrorCode;
  /** The upstream's request or log id (`X-Reqid`, `x-tt-logid`, `logid`, `x-traceID`): quote it to the provider's support. */
  logId?: Maybe<Scalars['String']['output']>;
  /** A human-readable explanation, including the upstream message. */
  message: Scalars['String']['output'];
  /** The service that answered. */
  provider: Provider;
  /** Seconds to wait before retrying, when the upstream said so. */
  retryAfterSeconds?: Maybe<Scalars['Int']['output']>;
  /** Whether sending the same request again may succeed. */
  retryable: Scalars['Boolean']['output'];
  /** The upstream's own error code (an HTTP status for Qiniu, the body `code` elsewhere, an `extensions.code` for Blue). */
  upstreamCode?: Maybe<Scalars['String']['output']>;
  /** The upstream's own error message. */
  upstreamMessage?: Maybe<Scalars['String']['output']>;
};



export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ReferenceResolver<TResult, TReference, TContext> = (
      reference: TReference,
      context: TContext,
      info: GraphQLResolveInfo
    ) => Promise<TResult> | TResult;

      type ScalarCheck<T, S> = S extends true ? T : NullableCheck<T, S>;
      type NullableCheck<T, S> = Maybe<T> extends T ? Maybe<ListCheck<NonNullable<T>, S>> : ListCheck<T, S>;
      type ListCheck<T, S> = T extends (infer U)[] ? NullableCheck<U, S>[] : GraphQLRecursivePick<T, S>;
      export type GraphQLRecursivePick<T, S> = { [K in keyof T & keyof S]: ScalarCheck<T[K], S[K]> };
    

export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

/** Mapping of federation types */
export type FederationTypes = {
  CopyTask: CopyTask;
  StorageObject: StorageObject;
};

/** Mapping of federation reference types */
export type FederationReferenceTypes = {
  CopyTask:
    ( { __typename: 'CopyTask' }
    & GraphQLRecursivePick<FederationTypes['CopyTask'], {"id":true}> );
  StorageObject:
    ( { __typename: 'StorageObject' }
    & GraphQLRecursivePick<FederationTypes['StorageObject'], {"bucket":true,"key":true}> );
};

/** Mapping of union types */
export type ResolversUnionTypes<_RefType extends Record<string, unknown>> = {
  CopiedResource: ( StorageObjectRef & { __typename: 'StorageObject' } );
  CopyObjectResult:
    | ( CopyTaskRecord & { __typename: 'CopyTask' } )
    | ( InvalidInputError & { __typename: 'InvalidInputError' } )
    | ( UpstreamError & { __typename: 'UpstreamError' } )
  ;
};

/** Mapping of interface types */
export type ResolversInterfaceTypes<_RefType extends Record<string, unknown>> = {
  CopyError:
    | ( InvalidInputError & { __typename: 'InvalidInputError' } )
    | ( TaskError & { __typename: 'TaskError' } )
    | ( UpstreamError & { __typename: 'UpstreamError' } )
  ;
};

/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  CopiedResource: ResolverTypeWrapper<ResolversUnionTypes<ResolversTypes>['CopiedResource']>;
  CopyError: ResolverTypeWrapper<ResolversInterfaceTypes<ResolversTypes>['CopyError']>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  CopyErrorCode: CopyErrorCode;
  CopyItemFailure: ResolverTypeWrapper<CopyItemFailure>;
  CopyObjectInput: CopyObjectInput;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  CopyObjectResult: ResolverTypeWrapper<ResolversUnionTypes<ResolversTypes>['CopyObjectResult']>;
  CopyProgress: ResolverTypeWrapper<CopyProgress>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  CopyTask: ResolverTypeWrapper<CopyTaskRecord>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  CopyTaskConnection: ResolverTypeWrapper<Omit<CopyTaskConnection, 'edges'> & { edges: Array<ResolversTypes['CopyTaskEdge']> }>;
  CopyTaskEdge: ResolverTypeWrapper<Omit<CopyTaskEdge, 'node'> & { node: ResolversTypes['CopyTask'] }>;
  CopyTaskFilter: CopyTaskFilter;
  CopyTaskStatus: CopyTaskStatus;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  InvalidField: ResolverTypeWrapper<InvalidField>;
  InvalidInputError: ResolverTypeWrapper<InvalidInputError>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  ObjectLocationInput: ObjectLocationInput;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Provider: Provider;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  StorageObject: ResolverTypeWrapper<StorageObjectRef>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  TaskError: ResolverTypeWrapper<TaskError>;
  UpstreamError: ResolverTypeWrapper<UpstreamError>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  CopiedResource: ResolversUnionTypes<ResolversParentTypes>['CopiedResource'];
  CopyError: ResolversInterfaceTypes<ResolversParentTypes>['CopyError'];
  String: Scalars['String']['output'];
  CopyItemFailure: CopyItemFailure;
  CopyObjectInput: CopyObjectInput;
  Boolean: Scalars['Boolean']['output'];
  CopyObjectResult: ResolversUnionTypes<ResolversParentTypes>['CopyObjectResult'];
  CopyProgress: CopyProgress;
  Int: Scalars['Int']['output'];
  CopyTask: CopyTaskRecord;
  ID: Scalars['ID']['output'];
  CopyTaskConnection: Omit<CopyTaskConnection, 'edges'> & { edges: Array<ResolversParentTypes['CopyTaskEdge']> };
  CopyTaskEdge: Omit<CopyTaskEdge, 'node'> & { node: ResolversParentTypes['CopyTask'] };
  CopyTaskFilter: CopyTaskFilter;
  DateTime: Scalars['DateTime']['output'];
  InvalidField: InvalidField;
  InvalidInputError: InvalidInputError;
  Mutation: Record<PropertyKey, never>;
  ObjectLocationInput: ObjectLocationInput;
  PageInfo: PageInfo;
  Query: Record<PropertyKey, never>;
  StorageObject: StorageObjectRef;
  Float: Scalars['Float']['output'];
  Subscription: Record<PropertyKey, never>;
  TaskError: TaskError;
  UpstreamError: UpstreamError;
};

export type CopiedResourceResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CopiedResource'] = ResolversParentTypes['CopiedResource']> = {
  __resolveType: TypeResolveFn<'StorageObject', ParentType, ContextType>;
};

export type CopyErrorResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CopyError'] = ResolversParentTypes['CopyError']> = {
  __resolveType: TypeResolveFn<'InvalidInputError' | 'TaskError' | 'UpstreamError', ParentType, ContextType>;
};

export type CopyItemFailureResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CopyItemFailure'] = ResolversParentTypes['CopyItemFailure']> = {
  itemId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  kind?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  name?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  reason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type CopyObjectResultResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CopyObjectResult'] = ResolversParentTypes['CopyObjectResult']> = {
  __resolveType: TypeResolveFn<'CopyTask' | 'InvalidInputError' | 'UpstreamError', ParentType, ContextType>;
};

export type CopyProgressResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CopyProgress'] = ResolversParentTypes['CopyProgress']> = {
  completed?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  total?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type CopyTaskResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CopyTask'] = ResolversParentTypes['CopyTask'], FederationReferenceType extends FederationReferenceTypes['CopyTask'] = FederationReferenceTypes['CopyTask']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['CopyTask']> | FederationReferenceType, FederationReferenceType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  error?: Resolver<Maybe<ResolversTypes['TaskError']>, ParentType, ContextType>;
  failures?: Resolver<Array<ResolversTypes['CopyItemFailure']>, ParentType, ContextType>;
  finishedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  isFinal?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  progress?: Resolver<Maybe<ResolversTypes['CopyProgress']>, ParentType, ContextType>;
  provider?: Resolver<ResolversTypes['Provider'], ParentType, ContextType>;
  result?: Resolver<Maybe<ResolversTypes['CopiedResource']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['CopyTaskStatus'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  upstreamTaskId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type CopyTaskConnectionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CopyTaskConnection'] = ResolversParentTypes['CopyTaskConnection']> = {
  edges?: Resolver<Array<ResolversTypes['CopyTaskEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export type CopyTaskEdgeResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CopyTaskEdge'] = ResolversParentTypes['CopyTaskEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['CopyTask'], ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type InvalidFieldResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['InvalidField'] = ResolversParentTypes['InvalidField']> = {
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  path?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type InvalidInputErrorResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['InvalidInputError'] = ResolversParentTypes['InvalidInputError']> = {
  code?: Resolver<ResolversTypes['CopyErrorCode'], ParentType, ContextType>;
  fields?: Resolver<Array<ResolversTypes['InvalidField']>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type MutationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  copyObject?: Resolver<ResolversTypes['CopyObjectResult'], ParentType, ContextType, RequireFields<MutationCopyObjectArgs, 'input'>>;
};

export type PageInfoResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type QueryResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  copyTask?: Resolver<Maybe<ResolversTypes['CopyTask']>, ParentType, ContextType, RequireFields<QueryCopyTaskArgs, 'id'>>;
  copyTasks?: Resolver<ResolversTypes['CopyTaskConnection'], ParentType, ContextType, RequireFields<QueryCopyTasksArgs, 'first'>>;
};

export type StorageObjectResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['StorageObject'] = ResolversParentTypes['StorageObject'], FederationReferenceType extends FederationReferenceTypes['StorageObject'] = FederationReferenceTypes['StorageObject']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['StorageObject']> | FederationReferenceType, FederationReferenceType, ContextType>;
  bucket?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  fsize?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  hash?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  key?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  mimeType?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  putTime?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  storageType?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type SubscriptionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = {
  copyTaskUpdated?: SubscriptionResolver<ResolversTypes['CopyTask'], "copyTaskUpdated", ParentType, ContextType, RequireFields<SubscriptionCopyTaskUpdatedArgs, 'id'>>;
};

export type TaskErrorResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['TaskError'] = ResolversParentTypes['TaskError']> = {
  code?: Resolver<ResolversTypes['CopyErrorCode'], ParentType, ContextType>;
  logId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  upstreamCode?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type UpstreamErrorResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['UpstreamError'] = ResolversParentTypes['UpstreamError']> = {
  code?: Resolver<ResolversTypes['CopyErrorCode'], ParentType, ContextType>;
  logId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  provider?: Resolver<ResolversTypes['Provider'], ParentType, ContextType>;
  retryAfterSeconds?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  retryable?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  upstreamCode?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  upstreamMessage?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type Resolvers<ContextType = RequestContext> = {
  CopiedResource?: CopiedResourceResolvers<ContextType>;
  CopyError?: CopyErrorResolvers<ContextType>;
  CopyItemFailure?: CopyItemFailureResolvers<ContextType>;
  CopyObjectResult?: CopyObjectResultResolvers<ContextType>;
  CopyProgress?: CopyProgressResolvers<ContextType>;
  CopyTask?: CopyTaskResolvers<ContextType>;
  CopyTaskConnection?: CopyTaskConnectionResolvers<ContextType>;
  CopyTaskEdge?: CopyTaskEdgeResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  InvalidField?: InvalidFieldResolvers<ContextType>;
  InvalidInputError?: InvalidInputErrorResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  StorageObject?: StorageObjectResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  TaskError?: TaskErrorResolvers<ContextType>;
  UpstreamError?: UpstreamErrorResolvers<ContextType>;
};

