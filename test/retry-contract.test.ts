/**
 * The README's retry-contract table, row by row, against each datasource's mapping of a failed answer
 * (the functions `answerFailure` in datasources/http.ts decides for). After a copy (`idempotent:
 * false`) only documented refusals are retryable or called "nothing ran"; everything else is
 * OUTCOME_UNKNOWN, not retryable. The same answers to a read keep their read meaning.
 * End-to-end proofs through real HTTP: gateway-faults.test.ts, crash-window.test.ts and each provider's tests.
 */
import { describe, expect, it } from 'vitest';
import { blueFailure } from '../datasources/blue.ts';
import { cozeFailure } from '../datasources/coze.ts';
import { feishuFailure } from '../datasources/feishu-wiki.ts';
import { pan123Failure } from '../datasources/pan123.ts';
import { qiniuFailure } from '../datasources/qiniu.ts';

type Row = readonly [label: string | number, code: string, retryable: boolean];

const check = (failure: { code: string; retryable: boolean }, code: string, retryable: boolean) => {
  expect({ code: failure.code, retryable: failure.retryable }).toEqual({ code, retryable });
};

describe('Coze (body code, else HTTP status)', () => {
  it.each<Row>([
    [4013, 'RATE_LIMITED', true],
    [4000, 'BAD_USER_INPUT', false],
    [4100, 'UNAUTHENTICATED', false],
    [4101, 'FORBIDDEN', false],
    [4200, 'NOT_FOUND', false],
    [5000, 'OUTCOME_UNKNOWN', false],
  ])('copy answered code %s → %s', (bodyCode, code, retryable) => check(cozeFailure(200, Number(bodyCode), 'x', undefined, false), code, retryable));

  it.each<Row>([
    [429, 'RATE_LIMITED', true],
    [400, 'BAD_USER_INPUT', false],
    [404, 'NOT_FOUND', false],
    [408, 'OUTCOME_UNKNOWN', false],
    [500, 'OUTCOME_UNKNOWN', false],
    [502, 'OUTCOME_UNKNOWN', false],
    [504, 'OUTCOME_UNKNOWN', false],
  ])('copy answered HTTP %s without a body → %s', (status, code, retryable) =>
    check(cozeFailure(Number(status), undefined, undefined, undefined, false), code, retryable),
  );

  it('a read answered 502 may be retried', () => check(cozeFailure(502, undefined, undefined, undefined, true), 'UPSTREAM_UNAVAILABLE', true));
});

describe('Feishu wiki (every code of the copy page, seed 002)', () => {
  const copy = (code: number | undefined, status = 400) => feishuFailure(code, 'x', { status, logId: undefined, idempotent: false, asUser: false });
  it.each<Row>([
    [131001, 'OUTCOME_UNKNOWN', false],
    [131002, 'BAD_USER_INPUT', false],
    [131003, 'LIMIT_EXCEEDED', false],
    [131004, 'FORBIDDEN', false],
    [131005, 'NOT_FOUND', false],
    [131006, 'FORBIDDEN', false],
    [131007, 'OUTCOME_UNKNOWN', false],
    [131008, 'ALREADY_EXISTS', false],
    [131009, 'RATE_LIMITED', true],
    [99991400, 'RATE_LIMITED', true],
    [99991663, 'UNAUTHENTICATED', false],
    [99991672, 'FORBIDDEN', false],
    [131099, 'OUTCOME_UNKNOWN', false],
  ])('copy answered %s → %s', (code, expected, retryable) => check(copy(Number(code)), expected, retryable));

  it('a 502/504 without a Feishu body after a copy is OUTCOME_UNKNOWN; a 429 without one is a refusal', () => {
    check(copy(undefined, 502), 'OUTCOME_UNKNOWN', false);
    check(copy(undefined, 504), 'OUTCOME_UNKNOWN', false);
    check(copy(undefined, 429), 'RATE_LIMITED', true);
  });

  it('131007 on a read is not retried either (请勿重试); 131001 on a read may be', () => {
    const read = (code: number) => feishuFailure(code, 'x', { status: 400, logId: undefined, idempotent: true, asUser: false });
    check(read(131007), 'UPSTREAM_ERROR', false);
    check(read(131001), 'UPSTREAM_ERROR', true);
  });
});

describe('Qiniu (status with its error body)', () => {
  it.each<Row>([
    [573, 'RATE_LIMITED', true],
    [400, 'BAD_USER_INPUT', false],
    [401, 'UNAUTHENTICATED', false],
    [403, 'FORBIDDEN', false],
    [612, 'NOT_FOUND', false],
    [614, 'ALREADY_EXISTS', false],
    [631, 'NOT_FOUND', false],
    [599, 'OUTCOME_UNKNOWN', false],
    [502, 'OUTCOME_UNKNOWN', false],
  ])('copy answered %s {"error"} → %s', (status, code, retryable) => check(qiniuFailure(Number(status), 'x', undefined, false), code, retryable));

  it('a status without Qiniu’s error body (a gateway’s) after a copy is OUTCOME_UNKNOWN', () => {
    check(qiniuFailure(403, undefined, undefined, false, false), 'OUTCOME_UNKNOWN', false);
    check(qiniuFailure(503, undefined, undefined, false, false), 'OUTCOME_UNKNOWN', false);
  });
});

describe('123pan (documented body codes 401 and 429 only)', () => {
  const env = (code: number) => ({ code, message: 'whatever the wording', data: null, 'x-traceID': 't' });
  it.each<Row>([
    [429, 'RATE_LIMITED', true],
    [401, 'UNAUTHENTICATED', false],
    [1, 'OUTCOME_UNKNOWN', false],
    [5066, 'OUTCOME_UNKNOWN', false],
  ])('submit answered body code %s → %s', (code, expected, retryable) => check(pan123Failure(200, env(Number(code)), 'submit'), expected, retryable));

  it('never reads the wording: the emulator’s queue-full message is no refusal', () => {
    check(pan123Failure(200, { ...env(1), message: '复制任务数量已达上限(3)，请等待当前任务完成' }, 'submit'), 'OUTCOME_UNKNOWN', false);
  });

  it('a submit answered HTTP 502 without the envelope is OUTCOME_UNKNOWN; HTTP 429 is a refusal', () => {
    check(pan123Failure(502, undefined, 'submit'), 'OUTCOME_UNKNOWN', false);
    check(pan123Failure(429, undefined, 'submit'), 'RATE_LIMITED', true);
  });
});

describe('Blue (extensions.code, else HTTP status)', () => {
  const copy = (code: string | undefined, status = 200) => blueFailure(status, code ? [{ message: 'x', extensions: { code } }] : undefined, false);
  it.each<Row>([
    ['RATE_LIMITED', 'RATE_LIMITED', true],
    ['TODO_NOT_FOUND', 'NOT_FOUND', false],
    ['FORBIDDEN', 'FORBIDDEN', false],
    ['PROJECT_NOT_ACTIVE', 'FORBIDDEN', false],
    ['TOO_MANY_TODOS', 'LIMIT_EXCEEDED', false],
    ['GRAPHQL_VALIDATION_FAILED', 'UPSTREAM_ERROR', false],
    ['INTERNAL_SERVER_ERROR', 'OUTCOME_UNKNOWN', false],
    ['SOMETHING_NEW', 'OUTCOME_UNKNOWN', false],
  ])('copyTodo answered %s → %s', (upstream, code, retryable) => check(copy(String(upstream)), code, retryable));

  it('HTTP 502/504 without a GraphQL answer after copyTodo is OUTCOME_UNKNOWN; a read may be retried', () => {
    check(copy(undefined, 502), 'OUTCOME_UNKNOWN', false);
    check(copy(undefined, 504), 'OUTCOME_UNKNOWN', false);
    check(blueFailure(502, undefined, true), 'UPSTREAM_UNAVAILABLE', true);
  });
});
