import {
  getNamedType,
  getNullableType,
  GraphQLError,
  GraphQLSchema,
  isInputObjectType,
  isListType,
  isObjectType,
  isScalarType,
  Kind,
  TypeInfo,
  valueFromASTUntyped,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { FieldIssue } from '../errors/errors.js';
import { DEFAULT_MAX_LENGTH, fitsLength, MAX_LIST_ITEMS, maxLengthByName } from '../limits/input-limits.js';

/** What an argument or input field may hold. */
interface Bound {
  /** characters of each string in it */
  maxLength?: number;
  /** items of the list it is */
  maxItems?: number;
  /** the largest number */
  maximum?: number;
}

// Scalars that are not free text: numbers, and DateTime, whose parser accepts only its format.
const notText = new Set(['Int', 'Float', 'Boolean', 'DateTime']);
const pageSizes = new Set(['first', 'last']);

/**
 * The bound of an argument or input field, from its name and type: every text (String, ID and
 * the scalars read from text, `_Any` representations included) has a maximum length, every
 * list at most MAX_LIST_ITEMS items, `first` and `last` at most MAX_LIST_ITEMS. Input objects
 * have none of their own: each of their fields has its bound.
 */
function boundOf(name: string, type: GraphQLInputType): Bound | undefined {
  const named = getNamedType(type);
  const bound: Bound = {};
  if (isListType(getNullableType(type))) bound.maxItems = MAX_LIST_ITEMS;
  if (isScalarType(named) && !notText.has(named.name)) bound.maxLength = maxLengthByName[name] ?? DEFAULT_MAX_LENGTH;
  if (named.name === 'Int' && pageSizes.has(name)) bound.maximum = MAX_LIST_ITEMS;
  return Object.keys(bound).length > 0 ? bound : undefined;
}

function describeBound({ maxLength, maxItems, maximum }: Bound): string {
  const length = maxLength === undefined ? '' : `at most ${String(maxLength)} characters`;
  if (maxItems !== undefined) return `At most ${String(maxItems)} items${length ? `, each ${length}` : ''}.`;
  if (maximum !== undefined) return `No more than ${String(maximum)}.`;
  return `${length.charAt(0).toUpperCase()}${length.slice(1)}.`;
}

/**
 * Writes each argument's and input field's bound into its description, in place, and returns
 * the schema: what clients read is what `useBoundedInput` enforces.
 */
export function documentInputBounds(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    const inputs = isObjectType(type)
      ? Object.values(type.getFields()).flatMap((field) => field.args)
      : isInputObjectType(type)
        ? Object.values(type.getFields())
        : [];
    for (const input of inputs) {
      const bound = boundOf(input.name, input.type);
      // A description stating a length already (createUser's username) gives the tighter one its service enforces.
      if (bound && !/\d+ characters/.test(input.description ?? '')) input.description = [input.description, describeBound(bound)].filter(Boolean).join(' ');
    }
  }
  return schema;
}

/** One argument in a document: where it is, what it is, and the value written there. */
interface ArgumentSite {
  path: string[];
  name: string;
  type: GraphQLInputType;
  value: ValueNode;
}

/** What a document's arguments hold: the issues of its literals, and the arguments that take variables. */
interface DocumentBounds {
  literalIssues: FieldIssue[];
  variableSites: ArgumentSite[];
}

const MAX_ISSUES = 10;

/**
 * Refuses an operation whose arguments exceed their bounds (`documentInputBounds`), whether
 * written in the document or passed as variables, before it executes: no resolver runs, so no
 * database is asked and nothing is written. The answer is a GraphQL error with the code
 * VALIDATION_FAILED and the issues (`path`, `message`) in its extensions.
 */
export function useBoundedInput(): Plugin {
  // Yoga's parser cache hands back the same document object for the same text: walk it once.
  const known = new WeakMap<DocumentNode, DocumentBounds>();
  return {
    onExecute({ args, setResultAndStopExecution }) {
      // (envelop types these as any)
      const document: unknown = args.document;
      const schema: unknown = args.schema;
      const variableValues: unknown = args.variableValues;
      if (!isDocument(document) || !(schema instanceof GraphQLSchema)) return;
      let bounds = known.get(document);
      if (!bounds) {
        bounds = documentBounds(schema, document);
        known.set(document, bounds);
      }
      const issues = [...bounds.literalIssues];
      const variables = isRecord(variableValues) ? variableValues : {};
      for (const site of bounds.variableSites) {
        if (issues.length >= MAX_ISSUES) break;
        checkValue(valueFromASTUntyped(site.value, variables), site.type, site.name, site.path, issues);
      }
      if (issues.length === 0) return;
      const shown = issues.slice(0, MAX_ISSUES);
      setResultAndStopExecution({
        errors: [
          new GraphQLError(`Input over its bounds: ${shown.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`, {
            extensions: { code: 'VALIDATION_FAILED', issues: shown },
          }),
        ],
      });
    },
  };
}

function documentBounds(schema: GraphQLSchema, document: DocumentNode): DocumentBounds {
  const literalIssues: FieldIssue[] = [];
  const variableSites: ArgumentSite[] = [];
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      [Kind.ARGUMENT](node) {
        const argument = typeInfo.getArgument();
        const field = typeInfo.getFieldDef();
        if (!argument) return;
        const site = { path: [field?.name ?? '', argument.name], name: argument.name, type: argument.type, value: node.value };
        if (hasVariables(node.value)) variableSites.push(site);
        else checkValue(valueFromASTUntyped(node.value), site.type, site.name, site.path, literalIssues);
      },
    }),
  );
  return { literalIssues, variableSites };
}

function hasVariables(value: ValueNode): boolean {
  let found = false;
  visit(value, {
    [Kind.VARIABLE]() {
      found = true;
    },
  });
  return found;
}

/** Adds an issue for each part of `value` over its bound (a value of the wrong type is left to graphql-js). */
function checkValue(value: unknown, type: GraphQLInputType, name: string, path: string[], issues: FieldIssue[]): void {
  if (value === null || value === undefined || issues.length >= MAX_ISSUES) return;
  const nullable = getNullableType(type);
  const bound = boundOf(name, type);
  if (isListType(nullable)) {
    // graphql-js reads a single value where a list is expected as a list of one
    const items: unknown[] = Array.isArray(value) ? value : [value];
    if (bound?.maxItems !== undefined && items.length > bound.maxItems) {
      issues.push({ path, message: `must have at most ${String(bound.maxItems)} items` });
      return;
    }
    items.forEach((item, index) => {
      checkValue(item, nullable.ofType, name, [...path, String(index)], issues);
    });
    return;
  }
  if (isInputObjectType(nullable)) {
    if (!isRecord(value)) return;
    for (const field of Object.values(nullable.getFields())) {
      checkValue(value[field.name], field.type, field.name, [...path, field.name], issues);
    }
    return;
  }
  if (bound?.maximum !== undefined && typeof value === 'number' && value > bound.maximum) {
    issues.push({ path, message: `must be at most ${String(bound.maximum)}` });
  }
  if (bound?.maxLength !== undefined) checkText(value, bound.maxLength, path, issues);
}

/** Every string in `value` (a scalar, or a representation's object of any shape) within `max` characters. */
function checkText(value: unknown, max: number, path: string[], issues: FieldIssue[]): void {
  const stack: { value: unknown; path: string[] }[] = [{ value, path }];
  // Iterative, so a deeply nested `_Any` cannot overflow the stack.
  for (let item = stack.pop(); item && issues.length < MAX_ISSUES; item = stack.pop()) {
    const current = item.value;
    if (typeof current === 'string') {
      if (!fitsLength(current, max)) issues.push({ path: item.path, message: `must be at most ${String(max)} characters` });
    } else if (Array.isArray(current)) {
      if (current.length > MAX_LIST_ITEMS) issues.push({ path: item.path, message: `must have at most ${String(MAX_LIST_ITEMS)} items` });
      else current.forEach((entry, index) => stack.push({ value: entry, path: [...item.path, String(index)] }));
    } else if (isRecord(current)) {
      for (const [key, entry] of Object.entries(current)) {
        if (!fitsLength(key, max)) issues.push({ path: item.path, message: `has a key longer than ${String(max)} characters` });
        else stack.push({ value: entry, path: [...item.path, key] });
      }
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDocument(value: unknown): value is DocumentNode {
  return isRecord(value) && value.kind === Kind.DOCUMENT;
}
