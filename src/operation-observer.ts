/**
 * One Apollo plugin for what operators see of each GraphQL operation: its metrics (count and
 * duration by type and name, each root field's result by `__typename` / error code), its trace span's
 * name and outcome, and one structured log line (operation, principal, duration, outcome; the
 * request and trace ids come with the request's log scope).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import type { RequestContext } from './context.ts';
import type { Logger } from './core/logger.ts';
import { observeOperation, observeRootResult } from './core/metrics.ts';
import { annotateOperation } from './core/tracing.ts';

function codeOf(error: GraphQLError): string {
  const code = error.extensions?.['code'];
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
}

export function createOperationObserver(logger: Logger): ApolloServerPlugin<RequestContext> {
  return {
    async contextCreationDidFail({ error }) {
      // No context: the caller was refused (no or a wrong API key) before the operation was read.
      const outcome = codeOf(error as GraphQLError);
      observeOperation({ type: undefined, name: undefined, outcome, seconds: 0 });
      annotateOperation(undefined, undefined, outcome);
      logger.info({ outcome }, 'graphql request refused');
    },
    async requestDidStart({ request }) {
      const started = performance.now();
      let type: string | undefined;
      let name: string | undefined | null = request.operationName;
      const results: Record<string, string> = {};
      return {
        async didResolveOperation({ operation, operationName }) {
          type = operation?.operation;
          name = operationName ?? operation?.name?.value ?? null;
          annotateOperation(type, name);
        },
        async executionDidStart() {
          return {
            willResolveField({ info }) {
              if (info.path.prev !== undefined) return;
              const field = info.path.key;
              return (error, result) => {
                observeRootResult(info.fieldName, result, error);
                const typename = (result as { __typename?: unknown } | null | undefined)?.__typename;
                results[String(field)] = error ? `error:${codeOf(error as GraphQLError)}` : typeof typename === 'string' ? typename : 'value';
              };
            },
          };
        },
        async willSendResponse({ errors, contextValue }) {
          const seconds = (performance.now() - started) / 1000;
          const first = errors?.[0];
          const outcome = first ? codeOf(first) : 'ok';
          observeOperation({ type, name, outcome, seconds });
          annotateOperation(type, name, outcome);
          (contextValue.logger ?? logger).info(
            {
              operationType: type ?? null,
              operationName: name ?? null,
              principal: contextValue.principal?.id ?? null,
              durationMs: Math.round(seconds * 1_000_000) / 1000,
              outcome,
              ...(errors && errors.length > 0 ? { errorCodes: [...new Set(errors.map(codeOf))] } : {}),
              results,
            },
            'graphql operation',
          );
        },
      };
    },
  };
}
