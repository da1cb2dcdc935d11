import type { ObjectFieldBuilder } from '@pothos/core';
import { GraphQLError, type GraphQLErrorOptions } from 'graphql';
import type { Builder, Types } from '../schema-builder/builder.js';
import type { addOtpTypes } from '../verification/otp.graphql.js';
import type { addAssuranceTypes } from '../schema-builder/assurance.graphql.js';
import { assuranceLevels, factorKinds, type AssuranceLevel, type FactorKind } from '../vocabulary/assurance.js';
import * as errors from '../errors/errors.js';
import { DomainError, entryOf, errorCatalogue, errorCodes, errorTypeName, type ErrorCode, type ErrorField, type FieldIssue, type SmsRefusal } from '../errors/errors.js';

/** A typed error's class, as errors.ts exports it. */
export type ErrorClass = (new (...args: unknown[]) => DomainError) & { code: ErrorCode; name: string };

function isErrorClass(value: unknown): value is ErrorClass {
  return typeof value === 'function' && value.prototype instanceof DomainError && 'code' in value;
}

/**
 * Every error class errors.ts exports, by code: found, not listed, so that a new error is its
 * entry and its class line. A code with two classes, or a class named other than its code says,
 * fails the build (the schema would show a type under a name no one looks for).
 */
export function errorClasses(): Map<ErrorCode, ErrorClass> {
  const found = new Map<ErrorCode, ErrorClass>();
  for (const value of Object.values(errors)) {
    if (!isErrorClass(value)) continue;
    if (found.has(value.code)) throw new Error(`Two error classes for ${value.code}`);
    if (value.name !== errorTypeName(value.code)) throw new Error(`${value.name} should be named ${errorTypeName(value.code)} after its code`);
    found.set(value.code, value);
  }
  return found;
}

/** What an error's field reads from it: checked, since the entry and the class are written apart. */
function read(error: DomainError, field: string): unknown {
  return Reflect.get(error, field);
}

function int(error: DomainError, field: string): number {
  const value = read(error, field);
  if (typeof value !== 'number') throw new TypeError(`${error.name}.${field} is not a number`);
  return value;
}

function string(error: DomainError, field: string): string {
  const value = read(error, field);
  if (typeof value !== 'string') throw new TypeError(`${error.name}.${field} is not a string`);
  return value;
}

const smsRefusals = {
  COUNTRY_NOT_ALLOWED: { description: 'The number’s country is not in SMS_ALLOWED_COUNTRIES.' },
  PREMIUM_OR_SHORT_NUMBER: { description: 'Premium-rate, shared-cost or short numbers are never sent to.' },
  PREFIX_VELOCITY: { description: 'The number’s country prefix suddenly takes too large a share of sends.' },
} satisfies Record<SmsRefusal, { description: string }>;

function smsRefusal(error: DomainError, field: string): SmsRefusal {
  const value = read(error, field);
  const known = Object.keys(smsRefusals).find((reason): reason is SmsRefusal => reason === value);
  if (known === undefined) throw new TypeError(`${error.name}.${field} is not an SMS refusal`);
  return known;
}

function fieldIssues(error: DomainError, field: string): FieldIssue[] {
  const value = read(error, field);
  if (!Array.isArray(value)) throw new TypeError(`${error.name}.${field} is not a list of issues`);
  return value.map((issue: unknown) => {
    const path: unknown = Reflect.get(Object(issue), 'path');
    const message: unknown = Reflect.get(Object(issue), 'message');
    if (!Array.isArray(path) || typeof message !== 'string') throw new TypeError(`${error.name}.${field} holds a malformed issue`);
    return { path: path.map(String), message };
  });
}

function assuranceLevel(error: DomainError, field: string): AssuranceLevel {
  const value = read(error, field);
  const known = assuranceLevels.find((level) => level === value);
  if (known === undefined) throw new TypeError(`${error.name}.${field} is not an assurance level`);
  return known;
}

function factorKindList(error: DomainError, field: string): FactorKind[] {
  const value = read(error, field);
  if (!Array.isArray(value)) throw new TypeError(`${error.name}.${field} is not a list of factor kinds`);
  return value.map((item: unknown) => {
    const known = factorKinds.find((kind) => kind === item);
    if (known === undefined) throw new TypeError(`${error.name}.${field} holds an unknown factor kind`);
    return known;
  });
}

/** A field type added to ErrorField without its case in fieldOf: a compile error here. */
function unknownFieldType(type: never): never {
  throw new Error(`No GraphQL field for the error field type ${String(type)}`);
}

/**
 * The `Error` interface and one GraphQL type per typed error, all made from the catalogue: named
 * after the code, described by the entry, with the entry's `fields`. Clients branch on
 * `__typename` or `code`, never on the message.
 */
export function addErrorTypes(
  builder: Builder,
  { Channel, AssuranceLevel, FactorKind }: Pick<ReturnType<typeof addOtpTypes>, 'Channel'> & ReturnType<typeof addAssuranceTypes>,
) {
  const ErrorCodeEnum = builder.enumType('ErrorCode', {
    description: 'Stable codes of every expected failure; REST answers use the same catalogue.',
    values: Object.fromEntries(
      Object.entries(errorCatalogue).map(([code, { message }]) => [code, { description: message }]),
    ) as Record<ErrorCode, { description: string }>,
  });

  const ErrorInterface = builder.interfaceRef<DomainError>('Error').implement({
    description: 'An expected failure, returned in place of a result.',
    fields: (t) => ({
      code: t.field({ type: ErrorCodeEnum, description: 'Stable machine-readable code.', resolve: (e) => e.code }),
      message: t.exposeString('message', { description: 'Human-readable reason, safe to show.' }),
    }),
  });

  const FieldIssueRef = builder.objectRef<FieldIssue>('FieldIssue').implement({
    description: 'One problem with one input field.',
    fields: (t) => ({
      path: t.exposeStringList('path', { description: 'Path of the field in the input, e.g. ["email"].' }),
      message: t.exposeString('message', { description: 'What is wrong with it.' }),
    }),
  });

  const SmsRefusalEnum = builder.enumType('SmsRefusal', {
    description: 'Why an SMS destination is refused (SMS-pumping defence).',
    values: smsRefusals,
  });

  /** One field of an error's type, as its entry declares it. */
  const fieldOf = (t: ObjectFieldBuilder<Types, DomainError>, name: string, { type, description }: ErrorField) => {
    switch (type) {
      case 'Int':
        return t.int({ description, resolve: (e) => int(e, name) });
      case 'String':
        return t.string({ description, resolve: (e) => string(e, name) });
      case 'Channel':
        return t.field({ type: Channel, description, resolve: (e) => (read(e, name) === 'SMS' ? 'SMS' : 'EMAIL') });
      case 'SmsRefusal':
        return t.field({ type: SmsRefusalEnum, description, resolve: (e) => smsRefusal(e, name) });
      case '[FieldIssue]':
        return t.field({ type: [FieldIssueRef], description, resolve: (e) => fieldIssues(e, name) });
      case 'AssuranceLevel':
        return t.field({ type: AssuranceLevel, description, resolve: (e) => assuranceLevel(e, name) });
      case '[FactorKind]':
        return t.field({ type: [FactorKind], description, resolve: (e) => factorKindList(e, name) });
      default:
        return unknownFieldType(type);
    }
  };

  const classes = errorClasses();
  for (const code of errorCodes) {
    const entry = entryOf(code);
    if (entry.transport || entry.restOnly) continue;
    const ErrorClass = classes.get(code);
    if (!ErrorClass) throw new Error(`${code} has no class: add \`export class ${errorTypeName(code)} extends errorClass('${code}') {}\``);
    const fields = entry.fields ?? {};
    builder.objectType(ErrorClass, {
      name: ErrorClass.name,
      description: entry.description,
      interfaces: [ErrorInterface],
      isTypeOf: (value: unknown) => value instanceof ErrorClass,
      fields: (t) => Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, fieldOf(t, name, field)])),
    });
  }
}

/**
 * A GraphQL error for a catalogue code answered outside a typed field (the database, persisted
 * operations, unstorable input): the entry's message, its code, and its status for the HTTP answer.
 */
export function catalogueGraphQLError(
  code: ErrorCode,
  { headers, ...options }: Omit<GraphQLErrorOptions, 'extensions'> & { extensions?: Record<string, unknown>; headers?: Record<string, string> } = {},
) {
  const { status, message } = errorCatalogue[code];
  return new GraphQLError(message, { ...options, extensions: { ...options.extensions, code, http: { status, ...(headers ? { headers } : {}) } } });
}
