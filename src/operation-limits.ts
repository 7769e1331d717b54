/**
 * Operation limits: what one GraphQL operation may ask for, checked before anything executes.
 * Tokens are limited by graphql-js's own parser (`maxTokens`: a huge document fails at parse, as a
 * 400, before it is fully read into an AST); aliases, depth and directives by graphql-armor's
 * validation rules; the list cost (`first` multiplies what is under it) and the number of copy
 * mutations per operation by the two rules below. All refusals are validation errors (HTTP 400).
 */
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

export interface OperationLimits {
  readonly maxAliases: number;
  readonly maxDepth: number;
  readonly maxTokens: number;
  readonly maxDirectives: number;
  /** Most fields an operation may resolve, counting each list field's `first` as a multiplier. */
  readonly maxCost: number;
  /** Most copy mutations (root Mutation fields) in one operation. */
  readonly maxCopiesPerOperation: number;
}

/** What a list field without an explicit `first` (or with a variable) is counted as: the largest page. */
const DEFAULT_PAGE = 100;
/** Fragment nesting deeper than this is refused outright (no recursion without bound). */
const MAX_FRAGMENT_NESTING = 50;

function firstArgument(field: FieldNode): number | undefined {
  const arg = field.arguments?.find((a) => a.name.value === 'first');
  if (!arg) return undefined;
  return arg.value.kind === Kind.INT ? Number(arg.value.value) : DEFAULT_PAGE;
}

/** Counts the fields an operation resolves, each list multiplied by its page size. */
export function listCostRule(maxCost: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const cost = (set: SelectionSetNode, multiplier: number, nesting: number, seen: Set<string>): number => {
      if (nesting > MAX_FRAGMENT_NESTING) return Number.POSITIVE_INFINITY;
      let total = 0;
      for (const sel of set.selections) {
        if (total > maxCost) return total;
        if (sel.kind === Kind.FIELD) {
          total += multiplier;
          if (sel.selectionSet) {
            const first = firstArgument(sel);
            // A connection's edges are what `first` multiplies.
            total += cost(sel.selectionSet, first !== undefined ? multiplier * Math.max(first, 1) : multiplier, nesting + 1, seen);
          }
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          total += cost(sel.selectionSet, multiplier, nesting + 1, seen);
        } else {
          const name = sel.name.value;
          const fragment: FragmentDefinitionNode | null | undefined = context.getFragment(name);
          // A cycle is refused by graphql-js's own NoFragmentCycles rule; do not loop on it here.
          if (!fragment || seen.has(name)) continue;
          seen.add(name);
          total += cost(fragment.selectionSet, multiplier, nesting + 1, seen);
          seen.delete(name);
        }
      }
      return total;
    };
    return {
      OperationDefinition(node: OperationDefinitionNode) {
        const total = cost(node.selectionSet, 1, 0, new Set());
        if (total > maxCost) {
          context.reportError(
            new GraphQLError(
              Number.isFinite(total)
                ? `Operation too costly: it may resolve ${total} fields or more (each list counted at its \`first\`), at most ${maxCost} allowed.`
                : `Fragments nested more than ${MAX_FRAGMENT_NESTING} deep are not allowed.`,
              { nodes: [node], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
            ),
          );
        }
      },
    };
  };
}

/** At most `max` copy mutations (root fields of a mutation, through fragments too) per operation. */
export function copiesPerOperationRule(max: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const count = (set: SelectionSetNode, nesting: number, seen: Set<string>): number => {
      if (nesting > MAX_FRAGMENT_NESTING) return Number.POSITIVE_INFINITY;
      let n = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          if (!sel.name.value.startsWith('__')) n += 1;
        } else if (sel.kind === Kind.INLINE_FRAGMENT) n += count(sel.selectionSet, nesting + 1, seen);
        else {
          const fragment = context.getFragment(sel.name.value);
          if (!fragment || seen.has(sel.name.value)) continue;
          seen.add(sel.name.value);
          n += count(fragment.selectionSet, nesting + 1, seen);
          seen.delete(sel.name.value);
        }
        if (n > max) return n;
      }
      return n;
    };
    return {
      OperationDefinition(node: OperationDefinitionNode) {
        if (node.operation !== 'mutation') return;
        if (count(node.selectionSet, 0, new Set()) > max) {
          context.reportError(
            new GraphQLError(`At most ${max} copy mutations are allowed in one operation.`, {
              nodes: [node],
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
            }),
          );
        }
      },
    };
  };
}

export interface OperationLimitWiring {
  readonly validationRules: ValidationRule[];
  readonly parseOptions: { readonly maxTokens: number };
}

export function operationLimits(limits: OperationLimits): OperationLimitWiring {
  const armor = new ApolloArmor({
    // Tokens: graphql-js's parser option below (a syntax error, 400), not armor's re-parsing plugin.
    maxTokens: { enabled: false },
    // The list cost rule below counts `first`; armor's cost limit does not.
    costLimit: { enabled: false },
    // Suggestions stay: they only name fields of the public schema.
    blockFieldSuggestion: { enabled: false },
    // (with these two off, armor adds no plugin: only validation rules)
    maxAliases: { n: limits.maxAliases },
    maxDepth: { n: limits.maxDepth },
    maxDirectives: { n: limits.maxDirectives },
  });
  const protection = armor.protect();
  return {
    validationRules: [...(protection.validationRules as ValidationRule[]), listCostRule(limits.maxCost), copiesPerOperationRule(limits.maxCopiesPerOperation)],
    parseOptions: { maxTokens: limits.maxTokens },
  };
}
