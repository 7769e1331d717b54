import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { CopyTaskRecord } from '../tasks/model.ts';
import type { CopyTaskConnectionModel } from '../../resolvers/tasks.ts';
import type { StorageObjectRef } from '../../datasources/qiniu.ts';
import type { CozeEntityRef } from '../../datasources/coze.ts';
import type { PanImageCopyRef } from '../pollers/pan123.ts';
import type { WikiNodeModel } from '../../datasources/feishu-wiki.ts';
import type { BlueTodoRef } from '../../datasources/blue.ts';
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

/** A part of a Blue record to copy along with its title (Blue `CopyTodoOption`). */
export type BlueCopyOption =
  /** The assignees (only those who are members of the target project). */
  | 'ASSIGNEES'
  /** The checklists and their items. */
  | 'CHECKLISTS'
  /** The comments and their replies. */
  | 'COMMENTS'
  /** The custom-field values, file attachments duplicated (across projects: fields of the same title and type). */
  | 'CUSTOM_FIELDS'
  /** The description (text and HTML). */
  | 'DESCRIPTION'
  /** The start and due dates and their time zone. */
  | 'DUE_DATE'
  /** The tags (across projects: the target project's tags of the same title, created when missing). */
  | 'TAGS';

/** One custom-field value of a Blue record. */
export type BlueCustomFieldValue = {
  __typename?: 'BlueCustomFieldValue';
  /** Blue's id of the custom field. */
  id: Scalars['ID']['output'];
  /** The field's title. */
  title?: Maybe<Scalars['String']['output']>;
  /** The field's type (for example `NUMBER`, `TEXT_SINGLE`, `FILE`). */
  type?: Maybe<Scalars['String']['output']>;
  /** The value, as JSON text (a number, a string, a list of files, …); null when the field is empty. */
  valueJson?: Maybe<Scalars['String']['output']>;
};

/** A tag of a Blue project. */
export type BlueTag = {
  __typename?: 'BlueTag';
  /** The tag's colour (for example `#e53935`). */
  color?: Maybe<Scalars['String']['output']>;
  /** Blue's id of the tag. */
  id: Scalars['ID']['output'];
  /** The tag's title. */
  title: Scalars['String']['output'];
};

/**
 * A record in Blue (a "todo" in Blue's API). Every field but `id` is read from Blue only when selected,
 * batched per request into one Blue `todos` query by ids.
 */
export type BlueTodo = {
  __typename?: 'BlueTodo';
  /** Whether the record is archived. */
  archived: Scalars['Boolean']['output'];
  /** The people assigned to the record. */
  assignees: Array<BlueUser>;
  /** When the record was created (for a copy: when it was copied). */
  createdAt: Scalars['DateTime']['output'];
  /** The record's custom-field values. */
  customFields: Array<BlueCustomFieldValue>;
  /** Whether the record is done. */
  done: Scalars['Boolean']['output'];
  /** When the record is due. */
  duedAt?: Maybe<Scalars['DateTime']['output']>;
  /** The description as HTML. */
  html?: Maybe<Scalars['String']['output']>;
  /** Blue's id of the record. */
  id: Scalars['ID']['output'];
  /** The record's place in its list (higher is further down). */
  position?: Maybe<Scalars['Float']['output']>;
  /** When work on the record starts. */
  startedAt?: Maybe<Scalars['DateTime']['output']>;
  /** The record's tags. */
  tags: Array<BlueTag>;
  /** The description as plain text. */
  text?: Maybe<Scalars['String']['output']>;
  /** The time zone of the dates. */
  timezone?: Maybe<Scalars['String']['output']>;
  /** The record's title. */
  title: Scalars['String']['output'];
  /** The list the record is in. */
  todoList?: Maybe<BlueTodoList>;
  /** Blue's short unique id of the record. */
  uid?: Maybe<Scalars['String']['output']>;
  /** When the record last changed. */
  updatedAt: Scalars['DateTime']['output'];
};

/** A Blue list (a column of records in a project). */
export type BlueTodoList = {
  __typename?: 'BlueTodoList';
  /** Blue's id of the list. */
  id: Scalars['ID']['output'];
  /** The list's title. */
  title: Scalars['String']['output'];
};

/** A Blue user. */
export type BlueUser = {
  __typename?: 'BlueUser';
  /** The user's email address. */
  email?: Maybe<Scalars['String']['output']>;
  /** Blue's id of the user. */
  id: Scalars['ID']['output'];
  /** The user's name. */
  name?: Maybe<Scalars['String']['output']>;
};

/** The resource a copy produced. */
export type CopiedResource = BlueTodo | CozeEntity | PanImageCopy | StorageObject | UnidentifiedBlueTodo | WikiNode;

/** Copy a Coze bot, app or workflow. */
export type CopyCozeEntityInput = {
  /** The id of the resource to copy (Coze ids are int64 numbers written as strings). */
  entityId: Scalars['ID']['input'];
  /** What kind of resource `entityId` is. */
  entityType: CozeEntityType;
  /**
   * The workspace to copy into; omit it to copy within the resource's own workspace. Resources of a
   * personal workspace can only be copied within it, and the target must belong to the same team.
   */
  toWorkspaceId?: InputMaybe<Scalars['ID']['input']>;
};

/**
 * The task of a Coze copy, or why it was refused. A same-workspace bot copy is born `SUCCEEDED`;
 * every other copy is `RUNNING` and ends when Coze's copy task does.
 */
export type CopyCozeEntityResult = CopyTask | InvalidInputError | UpstreamError;

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

/** Copy drive files into the image host. */
export type CopyImagesInput = {
  /**
   * The drive (云盘) file or folder ids to copy: any number of them (copygraph splits them into upstream
   * tasks of 100). Ids are numbers written as strings; duplicates are copied once.
   */
  fileIds: Array<Scalars['ID']['input']>;
  /** The image-host folder to copy into; `""` is the root. */
  toParentFileId: Scalars['String']['input'];
};

/** The task of a 123pan image copy, or why it was refused. */
export type CopyImagesResult = CopyTask | InvalidInputError | UpstreamError;

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

/**
 * What a copy was asked to do, as typed values per provider: the source and the destination of the copy
 * as the mutation received them (after validation), recorded with the task when it was created. It never
 * holds a credential. Tasks recorded before copygraph kept this have no summary (`CopyTask.request` is null).
 */
export type CopyRequestSummary = CozeCopyRequest | ImageCopyRequest | ObjectCopyRequest | TodoCopyRequest | WikiNodeCopyRequest;

/**
 * One copy, from the moment it was asked for until it is final. Synchronous copies are born final.
 * Only the caller that started a task can see it.
 */
export type CopyTask = Node & {
  __typename?: 'CopyTask';
  /** When the copy was asked for. */
  createdAt: Scalars['DateTime']['output'];
  /** Why the task failed, when it did. */
  error?: Maybe<CopyTaskError>;
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
  provider: CopyProvider;
  /** What the copy was asked to do: its source and destination as typed values. Null for tasks recorded before copygraph kept it. */
  request?: Maybe<CopyRequestSummary>;
  /** The copied resource, once it is known. */
  result?: Maybe<CopiedResource>;
  /** Where the task stands now. */
  status: CopyTaskStatus;
  /** When the task last changed. */
  updatedAt: Scalars['DateTime']['output'];
  /**
   * The upstream's task id, for asynchronous copies (Coze `task_id`, 123pan `taskID`; several comma-separated when the copy was split).
   * @deprecated Use `upstreamTaskIds`: a split copy has several upstream tasks, and this joins them with commas.
   */
  upstreamTaskId?: Maybe<Scalars['String']['output']>;
  /** The upstream's task ids, in submission order: one for most asynchronous copies, several when the copy was split (123pan), none for synchronous copies. */
  upstreamTaskIds: Array<Scalars['String']['output']>;
};

/** A page of tasks, newest first. */
export type CopyTaskConnection = {
  __typename?: 'CopyTaskConnection';
  /** The tasks on this page with their cursors. */
  edges: Array<CopyTaskEdge>;
  /** Where this page sits. */
  pageInfo: CopyTaskPageInfo;
  /** How many of your tasks match the filter, over all pages (one count query, made only when selected). */
  totalCount: Scalars['Int']['output'];
};

/** One task in a connection. */
export type CopyTaskEdge = {
  __typename?: 'CopyTaskEdge';
  /** Pass as `after` to get the tasks older than this one, as `before` for the newer ones. */
  cursor: Scalars['String']['output'];
  /** The task. */
  node: CopyTask;
};

/** Why a task failed. */
export type CopyTaskError = CopyError & {
  __typename?: 'CopyTaskError';
  /** The mapped reason. */
  code: CopyErrorCode;
  /** The upstream's request or log id, when there is one. */
  logId?: Maybe<Scalars['String']['output']>;
  /** A human-readable explanation. */
  message: Scalars['String']['output'];
  /** The upstream's own error code, when there is one. */
  upstreamCode?: Maybe<Scalars['String']['output']>;
};

/** Narrows `copyTasks`. */
export type CopyTaskFilter = {
  /** Only tasks against this service. */
  provider?: InputMaybe<CopyProvider>;
  /** Only tasks in one of these states. */
  status?: InputMaybe<Array<CopyTaskStatus>>;
};

/** Pagination state of a connection. */
export type CopyTaskPageInfo = {
  __typename?: 'CopyTaskPageInfo';
  /** The cursor of the last edge on this page. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** Whether older tasks follow this page (going backward: true when it was asked with `before`). */
  hasNextPage: Scalars['Boolean']['output'];
  /** Whether newer tasks come before this page (going forward: true when it was asked with `after`). */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** The cursor of the first edge on this page. */
  startCursor?: Maybe<Scalars['String']['output']>;
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

/** Copy one Blue record into a list. */
export type CopyTodoInput = {
  /**
   * The parts to copy besides the title. Required but may be empty: an empty list copies the bare record
   * (title and position only). Duplicates are ignored.
   */
  options: Array<BlueCopyOption>;
  /** The copy's title. Omitted (or null): the original title is kept. */
  title?: InputMaybe<Scalars['String']['input']>;
  /** The record to copy (Blue `todoId`). */
  todoId: Scalars['String']['input'];
  /** The list to copy it into (Blue `todoListId`); the copy goes to the bottom of the list. */
  todoListId: Scalars['String']['input'];
};

/** The task of a Blue copy (born final), or why it was refused. */
export type CopyTodoResult = CopyTask | InvalidInputError | UpstreamError;

/**
 * Copy one wiki node (the node only, not its descendants). Give `targetParentToken`, `targetSpaceId`, or
 * both; they cannot both be empty.
 */
export type CopyWikiNodeInput = {
  /** The node to copy (Feishu `node_token`). */
  nodeToken: Scalars['String']['input'];
  /** The space the node is in (Feishu `space_id`). */
  spaceId: Scalars['String']['input'];
  /** The node to put the copy under. Empty or omitted: the top of `targetSpaceId`. */
  targetParentToken?: InputMaybe<Scalars['String']['input']>;
  /** The space to copy into. Empty or omitted: the space of `targetParentToken`. */
  targetSpaceId?: InputMaybe<Scalars['String']['input']>;
  /** The copy's title. Omitted (or null): the original title is kept. An empty string gives the copy an empty title. */
  title?: InputMaybe<Scalars['String']['input']>;
};

/** The task of a wiki copy (born final, with the new `WikiNode` as its result), or why it was refused. */
export type CopyWikiNodeResult = CopyTask | InvalidInputError | UpstreamError;

/** A `copyCozeEntity` request. */
export type CozeCopyRequest = {
  __typename?: 'CozeCopyRequest';
  /** The resource copied (Coze `entity_id`). */
  entityId: Scalars['ID']['output'];
  /** What kind of resource it is. */
  entityType: CozeEntityType;
  /** The workspace copied into; null: the resource's own workspace. */
  toWorkspaceId?: Maybe<Scalars['ID']['output']>;
};

/**
 * A Coze bot, app or workflow that a copy produced (always a draft). Only the copies you made through
 * copygraph resolve by reference.
 */
export type CozeEntity = {
  __typename?: 'CozeEntity';
  /** The copy's Coze id (int64 as a string): `copied_entity_id` or `target_entity_id`. */
  id: Scalars['ID']['output'];
  /** The id of the resource it was copied from. */
  sourceEntityId: Scalars['ID']['output'];
  /** What kind of resource it is. */
  type: CozeEntityType;
  /** The workspace the copy lives in; null when Coze did not say (a same-workspace bot copy without `toWorkspaceId`). */
  workspaceId?: Maybe<Scalars['ID']['output']>;
};

/** The kind of Coze resource a copy works on (Coze `entity_type`). */
export type CozeEntityType =
  /** An AI app (应用), Coze `app`. */
  | 'APP'
  /** An agent (智能体), Coze `bot`. A copy within its workspace is synchronous. */
  | 'BOT'
  /** A workflow (工作流), Coze `workflow`. */
  | 'WORKFLOW';

/** A `copyImages` request. */
export type ImageCopyRequest = {
  __typename?: 'ImageCopyRequest';
  /** How many distinct drive file or folder ids were asked for. */
  fileCount: Scalars['Int']['output'];
  /** The first ids asked for, in order (at most 100 are kept in the summary; `fileCount` says how many there were). */
  fileIds: Array<Scalars['ID']['output']>;
  /** The image-host folder the images go into (`""` is the root). */
  toParentFileId: Scalars['String']['output'];
};

/** The input was refused before anything was sent upstream. */
export type InvalidInputError = CopyError & {
  __typename?: 'InvalidInputError';
  /** Always `BAD_USER_INPUT`. */
  code: CopyErrorCode;
  /** The input fields at fault, as paths such as `destination.key`. */
  fields: Array<InvalidInputField>;
  /** What is wrong with the input. */
  message: Scalars['String']['output'];
};

/** One input field that was refused. */
export type InvalidInputField = {
  __typename?: 'InvalidInputField';
  /** Why it was refused. */
  message: Scalars['String']['output'];
  /** The path of the field within the input, dot separated (for example `source.bucket`). */
  path: Scalars['String']['output'];
};

/** The root of every copy. Declared here once; the other provider files extend it. */
export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Copy a Coze bot, app or workflow, within its workspace or into another one of the same team.
   * Follow an asynchronous copy with `copyTaskUpdated`; `result` is the `CozeEntity` once it exists.
   */
  copyCozeEntity: CopyCozeEntityResult;
  /**
   * Copy 123pan drive files into the image host (图床). Asynchronous: the task is `QUEUED` or `RUNNING`
   * when this answers; follow it with `copyTaskUpdated`. `progress` counts the upstream parts; files that
   * could not be copied are listed in `failures` (and make the task `PARTIALLY_SUCCEEDED`).
   */
  copyImages: CopyImagesResult;
  /** Copy an object between buckets (or keys) in Qiniu Kodo. Synchronous: the task is final when this answers. */
  copyObject: CopyObjectResult;
  /**
   * Copy a Blue record into a list, with the parts chosen in `options`. Synchronous: the task is final
   * (SUCCEEDED) when this answers. Copying inside a project needs MEMBER or above on it; across projects,
   * ADMIN or OWNER on both.
   *
   * Blue's `copyTodo` returns no id, so copygraph identifies the copy: it notes the list's highest position
   * before copying, then reads the newest records of the list and takes the one record above that position
   * with the copy's title. copygraph's own copies into one list run one after another (per copygraph
   * process), so they cannot be confused with each other. If someone else adds a record with the same title
   * to the same list at the same moment, or an automation moves or renames the copy at once, the copy is
   * not guessed: the task's result is an `UnidentifiedBlueTodo` with the reason.
   */
  copyTodo: CopyTodoResult;
  /**
   * Copy a Feishu / Lark wiki node under another parent or into another space. Synchronous: the task is
   * final when this answers. Runs as the app (`tenant_access_token`) or, when the request sends
   * `x-feishu-user-access-token`, as that signed-in user. copygraph keeps to Feishu's 100 calls a minute per
   * app (or user): a burst waits briefly instead of being throttled upstream.
   */
  copyWikiNode: CopyWikiNodeResult;
};


/** The root of every copy. Declared here once; the other provider files extend it. */
export type MutationCopyCozeEntityArgs = {
  input: CopyCozeEntityInput;
};


/** The root of every copy. Declared here once; the other provider files extend it. */
export type MutationCopyImagesArgs = {
  input: CopyImagesInput;
};


/** The root of every copy. Declared here once; the other provider files extend it. */
export type MutationCopyObjectArgs = {
  input: CopyObjectInput;
};


/** The root of every copy. Declared here once; the other provider files extend it. */
export type MutationCopyTodoArgs = {
  input: CopyTodoInput;
};


/** The root of every copy. Declared here once; the other provider files extend it. */
export type MutationCopyWikiNodeArgs = {
  input: CopyWikiNodeInput;
};

/** An object with a global id, refetchable with `Query.node(id)`. */
export type Node = {
  /** The object's id, unique across the API. */
  id: Scalars['ID']['output'];
};

/** A `copyObject` request. */
export type ObjectCopyRequest = {
  __typename?: 'ObjectCopyRequest';
  /** Where the copy goes. */
  destination: ObjectLocation;
  /** Whether an existing destination may be replaced. */
  overwrite: Scalars['Boolean']['output'];
  /** The object copied. */
  source: ObjectLocation;
};

/** A Qiniu object's place: a bucket and a key. */
export type ObjectLocation = {
  __typename?: 'ObjectLocation';
  /** The bucket. */
  bucket: Scalars['String']['output'];
  /** The object key. */
  key: Scalars['String']['output'];
};

/** An object in a Qiniu bucket. */
export type ObjectLocationInput = {
  /** The bucket name (3 to 63 characters: lowercase letters, digits and hyphens). */
  bucket: Scalars['String']['input'];
  /** The object key (1 to 750 bytes). */
  key: Scalars['String']['input'];
};

/**
 * A copy of 123pan drive files into the image host (图床), as copygraph ran it: the ids are split into
 * upstream tasks ("parts") of at most 100, with at most 3 of them queued upstream at once. It exists from
 * the moment the copy is accepted and fills in as the parts finish.
 */
export type PanImageCopy = {
  __typename?: 'PanImageCopy';
  /**
   * How many files failed so far: files on the upstream fail lists, plus every id of a part that failed
   * as a whole. How many images were copied cannot be told in general: an id may be a folder.
   */
  failedFileCount: Scalars['Int']['output'];
  /** The upstream tasks, in submission order. */
  parts: Array<PanImageCopyPart>;
  /** How many drive file or folder ids were asked for (duplicates counted once). */
  requestedFileCount: Scalars['Int']['output'];
  /** The id of the copygraph task (`CopyTask.id`) that runs this copy. */
  taskId: Scalars['ID']['output'];
  /** The image-host folder the images go into (`""` is the image host's root). */
  toParentFileId: Scalars['String']['output'];
};

/** One upstream copy task of at most 100 ids. */
export type PanImageCopyPart = {
  __typename?: 'PanImageCopyPart';
  /** Why the part failed as a whole (123pan `failMsg`, or copygraph's reason). */
  failMessage?: Maybe<Scalars['String']['output']>;
  /** How many of its files failed. */
  failedFileCount: Scalars['Int']['output'];
  /** How many ids the part holds. */
  fileCount: Scalars['Int']['output'];
  /** Position of the part, from 0. */
  index: Scalars['Int']['output'];
  /** `QUEUED` (waiting in copygraph or upstream), `RUNNING`, then `SUCCEEDED`, `PARTIALLY_SUCCEEDED` (some files on the fail list) or `FAILED`. */
  status: CopyTaskStatus;
  /** 123pan's `taskID`, once the part was submitted; null while it waits in copygraph's queue. */
  upstreamTaskId?: Maybe<Scalars['String']['output']>;
};

export type Query = {
  __typename?: 'Query';
  /** One of your tasks by id; null when it does not exist or is not yours. */
  copyTask?: Maybe<CopyTask>;
  /**
   * Your tasks, newest first. Page forward with `first` and `after` (the default: the 20 newest), or
   * backward with `last` and `before` (the page just newer than `before`, still newest first); the two
   * directions cannot be mixed in one call.
   */
  copyTasks: CopyTaskConnection;
  /** Any object by its global id (today: one of your tasks, by `CopyTask.id`); null when it does not exist or is not yours. */
  node?: Maybe<Node>;
};


export type QueryCopyTaskArgs = {
  id: Scalars['ID']['input'];
};


export type QueryCopyTasksArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<CopyTaskFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryNodeArgs = {
  id: Scalars['ID']['input'];
};

/** A Qiniu storage class (Qiniu `type`: the integer code of each is in parentheses). */
export type StorageClass =
  /** Archive (2): must be restored before it can be read. */
  | 'ARCHIVE'
  /** Archive with direct read (4). */
  | 'ARCHIVE_DIRECT_READ'
  /** Deep archive (3): must be restored before it can be read. */
  | 'DEEP_ARCHIVE'
  /** Infrequent access (1). */
  | 'INFREQUENT_ACCESS'
  /** Intelligent tiering (5). */
  | 'INTELLIGENT_TIERING'
  /** Standard storage (0). */
  | 'STANDARD';

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
  /** The storage class (Qiniu `type`); null when Qiniu reports a class this API does not know yet. */
  storageClass?: Maybe<StorageClass>;
  /**
   * Storage class: 0 standard, 1 infrequent access, 2 archive, 3 deep archive, 4 archive direct read, 5 intelligent tiering.
   * @deprecated Use `storageClass`, the same value as an enum.
   */
  storageType?: Maybe<Scalars['Int']['output']>;
};

export type Subscription = {
  __typename?: 'Subscription';
  /**
   * The task's current state at once, then every change; the stream completes after the final state.
   * A task that does not exist or is not yours ends the stream with a `NOT_FOUND` error.
   */
  copyTaskUpdated: CopyTask;
  /**
   * Every change of any of your tasks, for a dashboard of progress bars: a new task as it is recorded,
   * then each change of it. Never completes on its own. Only your own tasks; `filter` narrows them by
   * provider and status. A task that leaves the status filter (a `RUNNING` one that succeeds, when only
   * `RUNNING` is asked for) is sent once more with its new status, so that a dashboard can drop it.
   * Sends changes only: query `copyTasks` for the current state (subscribe first to miss nothing).
   */
  copyTasksUpdated: CopyTask;
};


export type SubscriptionCopyTaskUpdatedArgs = {
  id: Scalars['ID']['input'];
};


export type SubscriptionCopyTasksUpdatedArgs = {
  filter?: InputMaybe<CopyTaskFilter>;
};

/** A `copyTodo` request. */
export type TodoCopyRequest = {
  __typename?: 'TodoCopyRequest';
  /** The parts copied besides the title. */
  options: Array<BlueCopyOption>;
  /** The title asked for; null: the source's title is kept. */
  title?: Maybe<Scalars['String']['output']>;
  /** The record copied. */
  todoId: Scalars['String']['output'];
  /** The list the copy goes into. */
  todoListId: Scalars['String']['output'];
};

/**
 * A Blue copy that succeeded, but whose new record copygraph could not identify. Blue's `copyTodo` returns
 * no id; copygraph finds the copy by reading the target list back, and says so here when it cannot tell
 * which record is the copy rather than guessing.
 */
export type UnidentifiedBlueTodo = {
  __typename?: 'UnidentifiedBlueTodo';
  /** The title the copy was given (the source's title when no new one was asked for), when known. */
  copyTitle?: Maybe<Scalars['String']['output']>;
  /** Why the copy could not be identified. */
  reason: Scalars['String']['output'];
  /** The list the copy was made in. */
  todoListId: Scalars['String']['output'];
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
  provider: CopyProvider;
  /** Seconds to wait before retrying, when the upstream said so. */
  retryAfterSeconds?: Maybe<Scalars['Int']['output']>;
  /** Whether sending the same request again may succeed. */
  retryable: Scalars['Boolean']['output'];
  /** The upstream's own error code (an HTTP status for Qiniu, the body `code` elsewhere, an `extensions.code` for Blue). */
  upstreamCode?: Maybe<Scalars['String']['output']>;
  /** The upstream's own error message. */
  upstreamMessage?: Maybe<Scalars['String']['output']>;
};

/**
 * A node of a Feishu / Lark wiki (a page in a wiki space's tree; the document it shows is `objToken`).
 * A copy returns the new node complete. Resolved by reference with Feishu `get_node`, batched per request
 * (Feishu has no batch read: the distinct tokens of one request are read with bounded concurrency).
 */
export type WikiNode = {
  __typename?: 'WikiNode';
  /** The open id of the document's creator. */
  creator?: Maybe<Scalars['String']['output']>;
  /** Whether the node has child nodes. A copy never has: Feishu copies only the node, not its descendants. */
  hasChild: Scalars['Boolean']['output'];
  /** When the node was created (Feishu `node_create_time`); for a copy, when it was copied. */
  nodeCreateTime?: Maybe<Scalars['DateTime']['output']>;
  /** The open id of whoever created the node. */
  nodeCreator?: Maybe<Scalars['String']['output']>;
  /** The node's token (`wikcn…`): its id in the wiki. */
  nodeToken: Scalars['String']['output'];
  /** Whether the node is the document's own node or a shortcut to it; null when Feishu does not say. */
  nodeType?: Maybe<WikiNodeType>;
  /** When the document was created (Feishu `obj_create_time`). */
  objCreateTime?: Maybe<Scalars['DateTime']['output']>;
  /** When the document was last edited (Feishu `obj_edit_time`). */
  objEditTime?: Maybe<Scalars['DateTime']['output']>;
  /** The token of the document the node shows (for a shortcut: the original's document). */
  objToken?: Maybe<Scalars['String']['output']>;
  /** The kind of document; null when Feishu reports a kind this API does not know yet. */
  objType?: Maybe<WikiObjType>;
  /** For a shortcut, the node it points at; for an original node, the node itself. */
  originNodeToken?: Maybe<Scalars['String']['output']>;
  /** The space of `originNodeToken`. */
  originSpaceId?: Maybe<Scalars['String']['output']>;
  /** The open id of the document's owner. */
  owner?: Maybe<Scalars['String']['output']>;
  /** The parent node's token; null for a node at the top of its space. */
  parentNodeToken?: Maybe<Scalars['String']['output']>;
  /** The wiki space the node is in. */
  spaceId: Scalars['String']['output'];
  /** The node's title (may be empty). */
  title: Scalars['String']['output'];
  /** A link to the node, when Feishu gives one. */
  url?: Maybe<Scalars['String']['output']>;
};

/** A `copyWikiNode` request. */
export type WikiNodeCopyRequest = {
  __typename?: 'WikiNodeCopyRequest';
  /** The node copied. */
  nodeToken: Scalars['String']['output'];
  /** The space of the node copied. */
  spaceId: Scalars['String']['output'];
  /** The node the copy goes under; null: the top of `targetSpaceId`. */
  targetParentToken?: Maybe<Scalars['String']['output']>;
  /** The space the copy goes into; null: the space of `targetParentToken`. */
  targetSpaceId?: Maybe<Scalars['String']['output']>;
  /** The title asked for; null: the original title is kept. */
  title?: Maybe<Scalars['String']['output']>;
};

/** Whether a wiki node is a document's own node or a shortcut to another node (Feishu `node_type`). */
export type WikiNodeType =
  /** The document's own node. */
  | 'ORIGIN'
  /** A shortcut pointing at another node (`originNodeToken`). */
  | 'SHORTCUT';

/** The kind of document a wiki node shows (Feishu `obj_type`). */
export type WikiObjType =
  /** A Base (multidimensional table). */
  | 'BITABLE'
  /** A legacy document. */
  | 'DOC'
  /** A document (new version). */
  | 'DOCX'
  /** An uploaded file. */
  | 'FILE'
  /** A mind map. */
  | 'MINDNOTE'
  /** A spreadsheet. */
  | 'SHEET'
  /** A slide deck. */
  | 'SLIDES';



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
  BlueTodo: BlueTodo;
  CopyTask: CopyTask;
  CozeEntity: CozeEntity;
  PanImageCopy: PanImageCopy;
  StorageObject: StorageObject;
  WikiNode: WikiNode;
};

/** Mapping of federation reference types */
export type FederationReferenceTypes = {
  BlueTodo:
    ( { __typename: 'BlueTodo' }
    & GraphQLRecursivePick<FederationTypes['BlueTodo'], {"id":true}> );
  CopyTask:
    ( { __typename: 'CopyTask' }
    & GraphQLRecursivePick<FederationTypes['CopyTask'], {"id":true}> );
  CozeEntity:
    ( { __typename: 'CozeEntity' }
    & GraphQLRecursivePick<FederationTypes['CozeEntity'], {"id":true}> );
  PanImageCopy:
    ( { __typename: 'PanImageCopy' }
    & GraphQLRecursivePick<FederationTypes['PanImageCopy'], {"taskId":true}> );
  StorageObject:
    ( { __typename: 'StorageObject' }
    & GraphQLRecursivePick<FederationTypes['StorageObject'], {"bucket":true,"key":true}> );
  WikiNode:
    ( { __typename: 'WikiNode' }
    & GraphQLRecursivePick<FederationTypes['WikiNode'], {"nodeToken":true}> );
};

/** Mapping of union types */
export type ResolversUnionTypes<_RefType extends Record<string, unknown>> = {
  CopiedResource:
    | ( BlueTodoRef & { __typename: 'BlueTodo' } )
    | ( CozeEntityRef & { __typename: 'CozeEntity' } )
    | ( PanImageCopyRef & { __typename: 'PanImageCopy' } )
    | ( StorageObjectRef & { __typename: 'StorageObject' } )
    | ( UnidentifiedBlueTodo & { __typename: 'UnidentifiedBlueTodo' } )
    | ( WikiNodeModel & { __typename: 'WikiNode' } )
  ;
  CopyCozeEntityResult:
    | ( CopyTaskRecord & { __typename: 'CopyTask' } )
    | ( InvalidInputError & { __typename: 'InvalidInputError' } )
    | ( UpstreamError & { __typename: 'UpstreamError' } )
  ;
  CopyImagesResult:
    | ( CopyTaskRecord & { __typename: 'CopyTask' } )
    | ( InvalidInputError & { __typename: 'InvalidInputError' } )
    | ( UpstreamError & { __typename: 'UpstreamError' } )
  ;
  CopyObjectResult:
    | ( CopyTaskRecord & { __typename: 'CopyTask' } )
    | ( InvalidInputError & { __typename: 'InvalidInputError' } )
    | ( UpstreamError & { __typename: 'UpstreamError' } )
  ;
  CopyRequestSummary:
    | ( CozeCopyRequest & { __typename: 'CozeCopyRequest' } )
    | ( ImageCopyRequest & { __typename: 'ImageCopyRequest' } )
    | ( ObjectCopyRequest & { __typename: 'ObjectCopyRequest' } )
    | ( TodoCopyRequest & { __typename: 'TodoCopyRequest' } )
    | ( WikiNodeCopyRequest & { __typename: 'WikiNodeCopyRequest' } )
  ;
  CopyTodoResult:
    | ( CopyTaskRecord & { __typename: 'CopyTask' } )
    | ( InvalidInputError & { __typename: 'InvalidInputError' } )
    | ( UpstreamError & { __typename: 'UpstreamError' } )
  ;
  CopyWikiNodeResult:
    | ( CopyTaskRecord & { __typename: 'CopyTask' } )
    | ( InvalidInputError & { __typename: 'InvalidInputError' } )
    | ( UpstreamError & { __typename: 'UpstreamError' } )
  ;
};

/** Mapping of interface types */
export type ResolversInterfaceTypes<_RefType extends Record<string, unknown>> = {
  CopyError:
    | ( CopyTaskError & { __typename: 'CopyTaskError' } )
    | ( InvalidInputError & { __typename: 'InvalidInputError' } )
    | ( UpstreamError & { __typename: 'UpstreamError' } )
  ;
  Node: ( CopyTaskRecord & { __typename: 'CopyTask' } );
};

/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  BlueCopyOption: BlueCopyOption;
  BlueCustomFieldValue: ResolverTypeWrapper<BlueCustomFieldValue>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  BlueTag: ResolverTypeWrapper<BlueTag>;
  BlueTodo: ResolverTypeWrapper<BlueTodoRef>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  BlueTodoList: ResolverTypeWrapper<BlueTodoList>;
  BlueUser: ResolverTypeWrapper<BlueUser>;
  CopiedResource: ResolverTypeWrapper<ResolversUnionTypes<ResolversTypes>['CopiedResource']>;
  CopyCozeEntityInput: CopyCozeEntityInput;
  CopyCozeEntityResult: ResolverTypeWrapper<ResolversUnionTypes<ResolversTypes>['CopyCozeEntityResult']>;
  CopyError: ResolverTypeWrapper<ResolversInterfaceTypes<ResolversTypes>['CopyError']>;
  CopyErrorCode: CopyErrorCode;
  CopyImagesInput: CopyImagesInput;
  CopyImagesResult: ResolverTypeWrapper<ResolversUnionTypes<ResolversTypes>['CopyImagesResult']>;
  CopyItemFailure: ResolverTypeWrapper<CopyItemFailure>;
  CopyObjectInput: CopyObjectInput;
  CopyObjectResult: ResolverTypeWrapper<ResolversUnionTypes<ResolversTypes>['CopyObjectResult']>;
  CopyProgress: ResolverTypeWrapper<CopyProgress>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  CopyProvider: CopyProvider;
  CopyRequestSummary: ResolverTypeWrapper<ResolversUnionTypes<ResolversTypes>['CopyRequestSummary']>;
  CopyTask: ResolverTypeWrapper<CopyTaskRecord>;
  CopyTaskConnection: ResolverTypeWrapper<CopyTaskConnectionModel>;
  CopyTaskEdge: ResolverTypeWrapper<Omit<CopyTaskEdge, 'node'> & { node: ResolversTypes['CopyTask'] }>;
  CopyTaskError: ResolverTypeWrapper<CopyTaskError>;
  CopyTaskFilter: CopyTaskFilter;
  CopyTaskPageInfo: ResolverTypeWrapper<CopyTaskPageInfo>;
  CopyTaskStatus: CopyTaskStatus;
  CopyTodoInput: CopyTodoInput;
  CopyTodoResult: ResolverTypeWrapper<ResolversUnionTypes<ResolversTypes>['CopyTodoResult']>;
  CopyWikiNodeInput: CopyWikiNodeInput;
  CopyWikiNodeResult: ResolverTypeWrapper<ResolversUnionTypes<ResolversTypes>['CopyWikiNodeResult']>;
  CozeCopyRequest: ResolverTypeWrapper<CozeCopyRequest>;
  CozeEntity: ResolverTypeWrapper<CozeEntityRef>;
  CozeEntityType: CozeEntityType;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  ImageCopyRequest: ResolverTypeWrapper<ImageCopyRequest>;
  InvalidInputError: ResolverTypeWrapper<InvalidInputError>;
  InvalidInputField: ResolverTypeWrapper<InvalidInputField>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Node: ResolverTypeWrapper<ResolversInterfaceTypes<ResolversTypes>['Node']>;
  ObjectCopyRequest: ResolverTypeWrapper<ObjectCopyRequest>;
  ObjectLocation: ResolverTypeWrapper<ObjectLocation>;
  ObjectLocationInput: ObjectLocationInput;
  PanImageCopy: ResolverTypeWrapper<PanImageCopyRef>;
  PanImageCopyPart: ResolverTypeWrapper<PanImageCopyPart>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  StorageClass: StorageClass;
  StorageObject: ResolverTypeWrapper<StorageObjectRef>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  TodoCopyRequest: ResolverTypeWrapper<TodoCopyRequest>;
  UnidentifiedBlueTodo: ResolverTypeWrapper<UnidentifiedBlueTodo>;
  UpstreamError: ResolverTypeWrapper<UpstreamError>;
  WikiNode: ResolverTypeWrapper<WikiNodeModel>;
  WikiNodeCopyRequest: ResolverTypeWrapper<WikiNodeCopyRequest>;
  WikiNodeType: WikiNodeType;
  WikiObjType: WikiObjType;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  BlueCustomFieldValue: BlueCustomFieldValue;
  ID: Scalars['ID']['output'];
  String: Scalars['String']['output'];
  BlueTag: BlueTag;
  BlueTodo: BlueTodoRef;
  Boolean: Scalars['Boolean']['output'];
  Float: Scalars['Float']['output'];
  BlueTodoList: BlueTodoList;
  BlueUser: BlueUser;
  CopiedResource: ResolversUnionTypes<ResolversParentTypes>['CopiedResource'];
  CopyCozeEntityInput: CopyCozeEntityInput;
  CopyCozeEntityResult: ResolversUnionTypes<ResolversParentTypes>['CopyCozeEntityResult'];
  CopyError: ResolversInterfaceTypes<ResolversParentTypes>['CopyError'];
  CopyImagesInput: CopyImagesInput;
  CopyImagesResult: ResolversUnionTypes<ResolversParentTypes>['CopyImagesResult'];
  CopyItemFailure: CopyItemFailure;
  CopyObjectInput: CopyObjectInput;
  CopyObjectResult: ResolversUnionTypes<ResolversParentTypes>['CopyObjectResult'];
  CopyProgress: CopyProgress;
  Int: Scalars['Int']['output'];
  CopyRequestSummary: ResolversUnionTypes<ResolversParentTypes>['CopyRequestSummary'];
  CopyTask: CopyTaskRecord;
  CopyTaskConnection: CopyTaskConnectionModel;
  CopyTaskEdge: Omit<CopyTaskEdge, 'node'> & { node: ResolversParentTypes['CopyTask'] };
  CopyTaskError: CopyTaskError;
  CopyTaskFilter: CopyTaskFilter;
  CopyTaskPageInfo: CopyTaskPageInfo;
  CopyTodoInput: CopyTodoInput;
  CopyTodoResult: ResolversUnionTypes<ResolversParentTypes>['CopyTodoResult'];
  CopyWikiNodeInput: CopyWikiNodeInput;
  CopyWikiNodeResult: ResolversUnionTypes<ResolversParentTypes>['CopyWikiNodeResult'];
  CozeCopyRequest: CozeCopyRequest;
  CozeEntity: CozeEntityRef;
  DateTime: Scalars['DateTime']['output'];
  ImageCopyRequest: ImageCopyRequest;
  InvalidInputError: InvalidInputError;
  InvalidInputField: InvalidInputField;
  Mutation: Record<PropertyKey, never>;
  Node: ResolversInterfaceTypes<ResolversParentTypes>['Node'];
  ObjectCopyRequest: ObjectCopyRequest;
  ObjectLocation: ObjectLocation;
  ObjectLocationInput: ObjectLocationInput;
  PanImageCopy: PanImageCopyRef;
  PanImageCopyPart: PanImageCopyPart;
  Query: Record<PropertyKey, never>;
  StorageObject: StorageObjectRef;
  Subscription: Record<PropertyKey, never>;
  TodoCopyRequest: TodoCopyRequest;
  UnidentifiedBlueTodo: UnidentifiedBlueTodo;
  UpstreamError: UpstreamError;
  WikiNode: WikiNodeModel;
  WikiNodeCopyRequest: WikiNodeCopyRequest;
};

export type BlueCustomFieldValueResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['BlueCustomFieldValue'] = ResolversParentTypes['BlueCustomFieldValue']> = {
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  title?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  type?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  valueJson?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type BlueTagResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['BlueTag'] = ResolversParentTypes['BlueTag']> = {
  color?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  title?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type BlueTodoResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['BlueTodo'] = ResolversParentTypes['BlueTodo'], FederationReferenceType extends FederationReferenceTypes['BlueTodo'] = FederationReferenceTypes['BlueTodo']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['BlueTodo']> | FederationReferenceType, FederationReferenceType, ContextType>;
  archived?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  assignees?: Resolver<Array<ResolversTypes['BlueUser']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  customFields?: Resolver<Array<ResolversTypes['BlueCustomFieldValue']>, ParentType, ContextType>;
  done?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  duedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  html?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  position?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  startedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  tags?: Resolver<Array<ResolversTypes['BlueTag']>, ParentType, ContextType>;
  text?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  timezone?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  title?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  todoList?: Resolver<Maybe<ResolversTypes['BlueTodoList']>, ParentType, ContextType>;
  uid?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type BlueTodoListResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['BlueTodoList'] = ResolversParentTypes['BlueTodoList']> = {
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  title?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type BlueUserResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['BlueUser'] = ResolversParentTypes['BlueUser']> = {
  email?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type CopiedResourceResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CopiedResource'] = ResolversParentTypes['CopiedResource']> = {
  __resolveType: TypeResolveFn<'BlueTodo' | 'CozeEntity' | 'PanImageCopy' | 'StorageObject' | 'UnidentifiedBlueTodo' | 'WikiNode', ParentType, ContextType>;
};

export type CopyCozeEntityResultResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CopyCozeEntityResult'] = ResolversParentTypes['CopyCozeEntityResult']> = {
  __resolveType: TypeResolveFn<'CopyTask' | 'InvalidInputError' | 'UpstreamError', ParentType, ContextType>;
};

export type CopyErrorResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CopyError'] = ResolversParentTypes['CopyError']> = {
  __resolveType: TypeResolveFn<'CopyTaskError' | 'InvalidInputError' | 'UpstreamError', ParentType, ContextType>;
};

export type CopyImagesResultResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CopyImagesResult'] = ResolversParentTypes['CopyImagesResult']> = {
  __resolveType: TypeResolveFn<'CopyTask' | 'InvalidInputError' | 'UpstreamError', ParentType, ContextType>;
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

export type CopyRequestSummaryResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CopyRequestSummary'] = ResolversParentTypes['CopyRequestSummary']> = {
  __resolveType: TypeResolveFn<'CozeCopyRequest' | 'ImageCopyRequest' | 'ObjectCopyRequest' | 'TodoCopyRequest' | 'WikiNodeCopyRequest', ParentType, ContextType>;
};

export type CopyTaskResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CopyTask'] = ResolversParentTypes['CopyTask'], FederationReferenceType extends FederationReferenceTypes['CopyTask'] = FederationReferenceTypes['CopyTask']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['CopyTask']> | FederationReferenceType, FederationReferenceType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  error?: Resolver<Maybe<ResolversTypes['CopyTaskError']>, ParentType, ContextType>;
  failures?: Resolver<Array<ResolversTypes['CopyItemFailure']>, ParentType, ContextType>;
  finishedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  isFinal?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  progress?: Resolver<Maybe<ResolversTypes['CopyProgress']>, ParentType, ContextType>;
  provider?: Resolver<ResolversTypes['CopyProvider'], ParentType, ContextType>;
  request?: Resolver<Maybe<ResolversTypes['CopyRequestSummary']>, ParentType, ContextType>;
  result?: Resolver<Maybe<ResolversTypes['CopiedResource']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['CopyTaskStatus'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  upstreamTaskId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  upstreamTaskIds?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type CopyTaskConnectionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CopyTaskConnection'] = ResolversParentTypes['CopyTaskConnection']> = {
  edges?: Resolver<Array<ResolversTypes['CopyTaskEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['CopyTaskPageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type CopyTaskEdgeResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CopyTaskEdge'] = ResolversParentTypes['CopyTaskEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['CopyTask'], ParentType, ContextType>;
};

export type CopyTaskErrorResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CopyTaskError'] = ResolversParentTypes['CopyTaskError']> = {
  code?: Resolver<ResolversTypes['CopyErrorCode'], ParentType, ContextType>;
  logId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  upstreamCode?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type CopyTaskPageInfoResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CopyTaskPageInfo'] = ResolversParentTypes['CopyTaskPageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  hasPreviousPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  startCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type CopyTodoResultResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CopyTodoResult'] = ResolversParentTypes['CopyTodoResult']> = {
  __resolveType: TypeResolveFn<'CopyTask' | 'InvalidInputError' | 'UpstreamError', ParentType, ContextType>;
};

export type CopyWikiNodeResultResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CopyWikiNodeResult'] = ResolversParentTypes['CopyWikiNodeResult']> = {
  __resolveType: TypeResolveFn<'CopyTask' | 'InvalidInputError' | 'UpstreamError', ParentType, ContextType>;
};

export type CozeCopyRequestResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CozeCopyRequest'] = ResolversParentTypes['CozeCopyRequest']> = {
  entityId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  entityType?: Resolver<ResolversTypes['CozeEntityType'], ParentType, ContextType>;
  toWorkspaceId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type CozeEntityResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CozeEntity'] = ResolversParentTypes['CozeEntity'], FederationReferenceType extends FederationReferenceTypes['CozeEntity'] = FederationReferenceTypes['CozeEntity']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['CozeEntity']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  sourceEntityId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['CozeEntityType'], ParentType, ContextType>;
  workspaceId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type ImageCopyRequestResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ImageCopyRequest'] = ResolversParentTypes['ImageCopyRequest']> = {
  fileCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  fileIds?: Resolver<Array<ResolversTypes['ID']>, ParentType, ContextType>;
  toParentFileId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type InvalidInputErrorResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['InvalidInputError'] = ResolversParentTypes['InvalidInputError']> = {
  code?: Resolver<ResolversTypes['CopyErrorCode'], ParentType, ContextType>;
  fields?: Resolver<Array<ResolversTypes['InvalidInputField']>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type InvalidInputFieldResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['InvalidInputField'] = ResolversParentTypes['InvalidInputField']> = {
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  path?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type MutationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  copyCozeEntity?: Resolver<ResolversTypes['CopyCozeEntityResult'], ParentType, ContextType, RequireFields<MutationCopyCozeEntityArgs, 'input'>>;
  copyImages?: Resolver<ResolversTypes['CopyImagesResult'], ParentType, ContextType, RequireFields<MutationCopyImagesArgs, 'input'>>;
  copyObject?: Resolver<ResolversTypes['CopyObjectResult'], ParentType, ContextType, RequireFields<MutationCopyObjectArgs, 'input'>>;
  copyTodo?: Resolver<ResolversTypes['CopyTodoResult'], ParentType, ContextType, RequireFields<MutationCopyTodoArgs, 'input'>>;
  copyWikiNode?: Resolver<ResolversTypes['CopyWikiNodeResult'], ParentType, ContextType, RequireFields<MutationCopyWikiNodeArgs, 'input'>>;
};

export type NodeResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Node'] = ResolversParentTypes['Node']> = {
  __resolveType: TypeResolveFn<'CopyTask', ParentType, ContextType>;
};

export type ObjectCopyRequestResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ObjectCopyRequest'] = ResolversParentTypes['ObjectCopyRequest']> = {
  destination?: Resolver<ResolversTypes['ObjectLocation'], ParentType, ContextType>;
  overwrite?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  source?: Resolver<ResolversTypes['ObjectLocation'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type ObjectLocationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ObjectLocation'] = ResolversParentTypes['ObjectLocation']> = {
  bucket?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  key?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type PanImageCopyResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['PanImageCopy'] = ResolversParentTypes['PanImageCopy'], FederationReferenceType extends FederationReferenceTypes['PanImageCopy'] = FederationReferenceTypes['PanImageCopy']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['PanImageCopy']> | FederationReferenceType, FederationReferenceType, ContextType>;
  failedFileCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  parts?: Resolver<Array<ResolversTypes['PanImageCopyPart']>, ParentType, ContextType>;
  requestedFileCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  taskId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  toParentFileId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type PanImageCopyPartResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['PanImageCopyPart'] = ResolversParentTypes['PanImageCopyPart']> = {
  failMessage?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  failedFileCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  fileCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  index?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['CopyTaskStatus'], ParentType, ContextType>;
  upstreamTaskId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type QueryResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  copyTask?: Resolver<Maybe<ResolversTypes['CopyTask']>, ParentType, ContextType, RequireFields<QueryCopyTaskArgs, 'id'>>;
  copyTasks?: Resolver<ResolversTypes['CopyTaskConnection'], ParentType, ContextType, Partial<QueryCopyTasksArgs>>;
  node?: Resolver<Maybe<ResolversTypes['Node']>, ParentType, ContextType, RequireFields<QueryNodeArgs, 'id'>>;
};

export type StorageObjectResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['StorageObject'] = ResolversParentTypes['StorageObject'], FederationReferenceType extends FederationReferenceTypes['StorageObject'] = FederationReferenceTypes['StorageObject']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['StorageObject']> | FederationReferenceType, FederationReferenceType, ContextType>;
  bucket?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  fsize?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  hash?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  key?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  mimeType?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  putTime?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  storageClass?: Resolver<Maybe<ResolversTypes['StorageClass']>, ParentType, ContextType>;
  storageType?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type SubscriptionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = {
  copyTaskUpdated?: SubscriptionResolver<ResolversTypes['CopyTask'], "copyTaskUpdated", ParentType, ContextType, RequireFields<SubscriptionCopyTaskUpdatedArgs, 'id'>>;
  copyTasksUpdated?: SubscriptionResolver<ResolversTypes['CopyTask'], "copyTasksUpdated", ParentType, ContextType, Partial<SubscriptionCopyTasksUpdatedArgs>>;
};

export type TodoCopyRequestResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['TodoCopyRequest'] = ResolversParentTypes['TodoCopyRequest']> = {
  options?: Resolver<Array<ResolversTypes['BlueCopyOption']>, ParentType, ContextType>;
  title?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  todoId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  todoListId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type UnidentifiedBlueTodoResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['UnidentifiedBlueTodo'] = ResolversParentTypes['UnidentifiedBlueTodo']> = {
  copyTitle?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  reason?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  todoListId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type UpstreamErrorResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['UpstreamError'] = ResolversParentTypes['UpstreamError']> = {
  code?: Resolver<ResolversTypes['CopyErrorCode'], ParentType, ContextType>;
  logId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  provider?: Resolver<ResolversTypes['CopyProvider'], ParentType, ContextType>;
  retryAfterSeconds?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  retryable?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  upstreamCode?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  upstreamMessage?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type WikiNodeResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['WikiNode'] = ResolversParentTypes['WikiNode'], FederationReferenceType extends FederationReferenceTypes['WikiNode'] = FederationReferenceTypes['WikiNode']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['WikiNode']> | FederationReferenceType, FederationReferenceType, ContextType>;
  creator?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasChild?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  nodeCreateTime?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  nodeCreator?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  nodeToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  nodeType?: Resolver<Maybe<ResolversTypes['WikiNodeType']>, ParentType, ContextType>;
  objCreateTime?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  objEditTime?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  objToken?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  objType?: Resolver<Maybe<ResolversTypes['WikiObjType']>, ParentType, ContextType>;
  originNodeToken?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  originSpaceId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  owner?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  parentNodeToken?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  spaceId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  title?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  url?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type WikiNodeCopyRequestResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['WikiNodeCopyRequest'] = ResolversParentTypes['WikiNodeCopyRequest']> = {
  nodeToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  spaceId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  targetParentToken?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  targetSpaceId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  title?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type Resolvers<ContextType = RequestContext> = {
  BlueCustomFieldValue?: BlueCustomFieldValueResolvers<ContextType>;
  BlueTag?: BlueTagResolvers<ContextType>;
  BlueTodo?: BlueTodoResolvers<ContextType>;
  BlueTodoList?: BlueTodoListResolvers<ContextType>;
  BlueUser?: BlueUserResolvers<ContextType>;
  CopiedResource?: CopiedResourceResolvers<ContextType>;
  CopyCozeEntityResult?: CopyCozeEntityResultResolvers<ContextType>;
  CopyError?: CopyErrorResolvers<ContextType>;
  CopyImagesResult?: CopyImagesResultResolvers<ContextType>;
  CopyItemFailure?: CopyItemFailureResolvers<ContextType>;
  CopyObjectResult?: CopyObjectResultResolvers<ContextType>;
  CopyProgress?: CopyProgressResolvers<ContextType>;
  CopyRequestSummary?: CopyRequestSummaryResolvers<ContextType>;
  CopyTask?: CopyTaskResolvers<ContextType>;
  CopyTaskConnection?: CopyTaskConnectionResolvers<ContextType>;
  CopyTaskEdge?: CopyTaskEdgeResolvers<ContextType>;
  CopyTaskError?: CopyTaskErrorResolvers<ContextType>;
  CopyTaskPageInfo?: CopyTaskPageInfoResolvers<ContextType>;
  CopyTodoResult?: CopyTodoResultResolvers<ContextType>;
  CopyWikiNodeResult?: CopyWikiNodeResultResolvers<ContextType>;
  CozeCopyRequest?: CozeCopyRequestResolvers<ContextType>;
  CozeEntity?: CozeEntityResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  ImageCopyRequest?: ImageCopyRequestResolvers<ContextType>;
  InvalidInputError?: InvalidInputErrorResolvers<ContextType>;
  InvalidInputField?: InvalidInputFieldResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Node?: NodeResolvers<ContextType>;
  ObjectCopyRequest?: ObjectCopyRequestResolvers<ContextType>;
  ObjectLocation?: ObjectLocationResolvers<ContextType>;
  PanImageCopy?: PanImageCopyResolvers<ContextType>;
  PanImageCopyPart?: PanImageCopyPartResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  StorageObject?: StorageObjectResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  TodoCopyRequest?: TodoCopyRequestResolvers<ContextType>;
  UnidentifiedBlueTodo?: UnidentifiedBlueTodoResolvers<ContextType>;
  UpstreamError?: UpstreamErrorResolvers<ContextType>;
  WikiNode?: WikiNodeResolvers<ContextType>;
  WikiNodeCopyRequest?: WikiNodeCopyRequestResolvers<ContextType>;
};

