/**
 * How many inputs each fast-check property tries. 100 by default, which finds the shallow
 * mistakes on every run in seconds; `PROPERTY_RUNS=1000` (or more) is the thorough run, for a
 * change to input handling or a nightly job (docs/development.md).
 */
export const PROPERTY_RUNS = parseRuns(process.env.PROPERTY_RUNS);

/**
 * A property's time limit, from its count: each input is a request and a state read, which on a
 * loaded 2-core machine took up to 0.3 s; a second each leaves room for a machine three times
 * as slow, and never less than two minutes.
 */
export const propertyTimeoutMs = (runs: number = PROPERTY_RUNS) => Math.max(120_000, runs * 1_000);

function parseRuns(value: string | undefined): number {
  if (value === undefined || value === '') return 100;
  const runs = Number(value);
  if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`PROPERTY_RUNS must be a positive integer, got ${JSON.stringify(value)}`);
  return runs;
}
