import type { Builder } from '../schema-builder/builder.js';
import type { InsightRow } from './codes.store.js';
import type { PrefixBlock } from './prefix-blocks.store.js';
import type { DeliveryInsights, PrefixBlocks } from './prefix-blocks.js';

declare module '../schema-builder/context.js' {
  interface GraphQLServices {
    prefixBlocks: PrefixBlocks;
  }
}

type Counts = InsightRow['hour'];

/** `deliveryInsights`: what codes went where and how many were verified, for the SMS-pumping defence's operators. */
export function addInsightsTypes(builder: Builder) {
  const CodeCounts = builder.objectRef<Counts>('CodeCounts').implement({
    description: 'Codes of one window: sent (failed sends included), delivered by the provider’s receipt, verified.',
    fields: (t) => ({
      sent: t.exposeInt('sent', { description: 'Codes the provider was asked to send.' }),
      delivered: t.exposeInt('delivered', { description: 'Codes the provider reported DELIVERED (only channels with receipts).' }),
      verified: t.exposeInt('verified', { description: 'Codes the user typed in correctly.' }),
      verificationRate: t.float({
        nullable: true,
        description: 'verified / sent, from 0 to 1; null when none was sent.',
        resolve: (counts) => (counts.sent === 0 ? null : counts.verified / counts.sent),
      }),
    }),
  });

  const DeliveryInsight = builder.objectRef<DeliveryInsights['rows'][number]>('DeliveryInsight').implement({
    description: 'Codes of one country, number range and channel over the last hour and the last 24 hours.',
    fields: (t) => ({
      country: t.exposeString('country', { nullable: true, description: 'ISO country of the number; null for email.' }),
      prefix: t.exposeString('prefix', { nullable: true, description: 'The number range (`+49151`: country code and 3 digits); null for email.' }),
      channel: t.exposeString('channel', { description: 'EMAIL, SMS, WHATSAPP or VOICE.' }),
      lastHour: t.field({ type: CodeCounts, description: 'The last hour.', resolve: (row) => row.hour }),
      lastDay: t.field({ type: CodeCounts, description: 'The last 24 hours.', resolve: (row) => row.day }),
      blockedUntil: t.field({
        type: 'DateTime',
        nullable: true,
        description: 'Until when sends to this range are blocked for its low verification rate; null when they are not.',
        resolve: (row) => row.blockedUntil,
      }),
    }),
  });

  const BlockedPrefix = builder.objectRef<PrefixBlock>('BlockedPrefix').implement({
    description: 'A number range the SMS-pumping defence blocks for its low verification rate (docs/delivery.md).',
    fields: (t) => ({
      prefix: t.exposeString('prefix', { description: 'The range, e.g. +88212.' }),
      sends: t.exposeInt('sends', { description: 'Codes sent there in the window that decided the block.' }),
      verified: t.exposeInt('verified', { description: 'Of those, the codes verified.' }),
      blockedAt: t.field({ type: 'DateTime', description: 'When it was blocked.', resolve: (block) => block.blockedAt }),
      expiresAt: t.field({ type: 'DateTime', description: 'When the block lifts by itself.', resolve: (block) => block.expiresAt }),
    }),
  });

  const DeliveryInsightsRef = builder.objectRef<DeliveryInsights>('DeliveryInsights').implement({
    description: 'Codes sent, delivered and verified per country, number range and channel, and the blocked ranges.',
    fields: (t) => ({
      at: t.field({ type: 'DateTime', description: 'The time the windows end at.', resolve: (insights) => insights.at }),
      rows: t.field({ type: [DeliveryInsight], description: 'One per country, range and channel with codes in the last 24 hours, busiest first.', resolve: (insights) => insights.rows }),
      blockedPrefixes: t.field({ type: [BlockedPrefix], description: 'The ranges blocked now.', resolve: (insights) => insights.blocks }),
    }),
  });

  builder.queryFields((t) => ({
    deliveryInsights: t.field({
      type: DeliveryInsightsRef,
      description: 'Codes sent, delivered and verified per country, number range and channel over the last hour and day (scope logs:read).',
      authScopes: { 'logs:read': true },
      resolve: (_root, _args, ctx) => ctx.services.prefixBlocks.insights(),
    }),
  }));
}
