/**
 * What a copy was asked to do, as recorded with its task at creation (`CopyTask.request`): the source
 * and the destination per provider, after validation. JSON only, never a credential: these are the
 * mutation inputs, and no input of copygraph carries a secret (credentials travel in headers).
 */

/** The most 123pan ids a summary keeps (the full list is in the task's polling plan). */
export const SUMMARY_MAX_FILE_IDS = 100;

export interface CozeCopyRequestRecord {
  readonly __typename: 'CozeCopyRequest';
  readonly entityId: string;
  readonly entityType: 'BOT' | 'APP' | 'WORKFLOW';
  readonly toWorkspaceId: string | null;
}

export interface WikiNodeCopyRequestRecord {
  readonly __typename: 'WikiNodeCopyRequest';
  readonly spaceId: string;
  readonly nodeToken: string;
  readonly targetParentToken: string | null;
  readonly targetSpaceId: string | null;
  readonly title: string | null;
}

export interface ObjectCopyRequestRecord {
  readonly __typename: 'ObjectCopyRequest';
  readonly source: { readonly bucket: string; readonly key: string };
  readonly destination: { readonly bucket: string; readonly key: string };
  readonly overwrite: boolean;
}

export interface ImageCopyRequestRecord {
  readonly __typename: 'ImageCopyRequest';
  readonly fileCount: number;
  readonly fileIds: string[];
  readonly toParentFileId: string;
}

export interface TodoCopyRequestRecord {
  readonly __typename: 'TodoCopyRequest';
  readonly todoId: string;
  readonly todoListId: string;
  readonly title: string | null;
  readonly options: ('DESCRIPTION' | 'DUE_DATE' | 'CHECKLISTS' | 'ASSIGNEES' | 'TAGS' | 'CUSTOM_FIELDS' | 'COMMENTS')[];
}

export type CopyRequestRecord = CozeCopyRequestRecord | WikiNodeCopyRequestRecord | ObjectCopyRequestRecord | ImageCopyRequestRecord | TodoCopyRequestRecord;

/** The summary of a 123pan copy: how many ids, and the first of them. */
export function imageCopyRequest(fileIds: readonly string[], toParentFileId: string): ImageCopyRequestRecord {
  return { __typename: 'ImageCopyRequest', fileCount: fileIds.length, fileIds: fileIds.slice(0, SUMMARY_MAX_FILE_IDS), toParentFileId };
}
