import type { SealedValue } from '../crypto/rotate-keys.js';
import type { Db } from '../db/client.js';

export interface EndpointRow {
  id: number;
  url: string;
  description: string;
  events: string[];
  /** sealed */
  secret: string;
  /** sealed, while the rotation's grace period lasts */
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  disabledAt: Date | null;
  disabledReason: string | null;
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewEndpoint {
  url: string;
  description: string;
  events: string[];
  sealedSecret: string;
  now: Date;
}

export type EndpointChanges = Partial<Pick<EndpointRow, 'url' | 'description' | 'events'>> & { enabled?: boolean };

export type EndpointsStore = ReturnType<typeof createEndpointsStore>;

/** Every statement on `webhook_endpoints` (administration: Prisma). Event types are kept as `,a,b,` for the outbox's fan-out. */
export function createEndpointsStore({ db }: { db: Db }) {
  const toRow = (row: NonNullable<Awaited<ReturnType<typeof db.webhookEndpoint.findUnique>>>): EndpointRow => ({
    ...row,
    events: row.events.split(',').filter(Boolean),
  });
  const stored = (events: string[]) => `,${events.join(',')},`;

  async function create(endpoint: NewEndpoint): Promise<EndpointRow> {
    const row = await db.webhookEndpoint.create({
      data: {
        url: endpoint.url,
        description: endpoint.description,
        events: stored(endpoint.events),
        secret: endpoint.sealedSecret,
        createdAt: endpoint.now,
        updatedAt: endpoint.now,
      },
    });
    return toRow(row);
  }

  async function find(id: number): Promise<EndpointRow | null> {
    const row = await db.webhookEndpoint.findUnique({ where: { id } });
    return row && toRow(row);
  }

  async function list(): Promise<EndpointRow[]> {
    return (await db.webhookEndpoint.findMany({ orderBy: { id: 'asc' } })).map(toRow);
  }

  async function update(id: number, changes: EndpointChanges, now: Date): Promise<EndpointRow | null> {
    const { enabled, events, ...rest } = changes;
    const written = await db.webhookEndpoint.updateMany({
      where: { id },
      data: {
        ...rest,
        ...(events ? { events: stored(events) } : {}),
        // switched back on: its failures so far are forgiven
        ...(enabled === true ? { disabledAt: null, disabledReason: null, failingSince: null } : {}),
        ...(enabled === false ? { disabledAt: now, disabledReason: 'DISABLED_BY_CALLER' } : {}),
        updatedAt: now,
      },
    });
    return written.count === 1 ? find(id) : null;
  }

  /** The new secret signs from now on; the old one also signs until `graceUntil`. */
  async function rotateSecret(id: number, sealedSecret: string, graceUntil: Date, now: Date): Promise<EndpointRow | null> {
    const current = await db.webhookEndpoint.findUnique({ where: { id }, select: { secret: true } });
    if (!current) return null;
    const written = await db.webhookEndpoint.updateMany({
      where: { id, secret: current.secret },
      data: { secret: sealedSecret, previousSecret: current.secret, previousSecretExpiresAt: graceUntil, updatedAt: now },
    });
    return written.count === 1 ? find(id) : null;
  }

  /** Deletes the endpoint and (cascade) its deliveries. */
  async function remove(id: number): Promise<boolean> {
    return (await db.webhookEndpoint.deleteMany({ where: { id } })).count === 1;
  }

  /** An attempt failed: the run of failures starts now unless it had started already. */
  async function failed(id: number, now: Date): Promise<void> {
    await db.webhookEndpoint.updateMany({ where: { id, failingSince: null }, data: { failingSince: now } });
  }

  async function succeeded(id: number): Promise<void> {
    await db.webhookEndpoint.updateMany({ where: { id, failingSince: { not: null } }, data: { failingSince: null } });
  }

  /** Disables an endpoint that has failed every attempt since `since`; true when this call disabled it. */
  async function disableIfFailingSince(id: number, since: Date, now: Date): Promise<boolean> {
    const written = await db.webhookEndpoint.updateMany({
      where: { id, disabledAt: null, failingSince: { lte: since } },
      data: { disabledAt: now, disabledReason: 'FAILING', updatedAt: now },
    });
    return written.count === 1;
  }

  /** Every endpoint's sealed signing secrets (current, and previous during a rotation's grace), for a key rotation. */
  async function* sealedSecrets(): AsyncIterable<SealedValue> {
    const rows = await db.webhookEndpoint.findMany({ select: { id: true, secret: true, previousSecret: true }, orderBy: { id: 'asc' } });
    for (const row of rows) {
      for (const column of ['secret', 'previousSecret'] as const) {
        const stored = row[column];
        if (stored === null) continue;
        yield {
          owner: `webhook endpoint ${row.id}`,
          stored,
          replace: async (resealed) =>
            (await db.webhookEndpoint.updateMany({ where: { id: row.id, [column]: stored }, data: { [column]: resealed } })).count === 1,
        };
      }
    }
  }

  return { create, find, list, update, rotateSecret, remove, failed, succeeded, disableIfFailingSince, sealedSecrets };
}
