import {
  DeviceNotFoundError,
  UserNotFoundError,
  ValidationFailedError,
} from '../errors/errors.js';
import type { ArgBuilder } from '@pothos/core';
import type { Builder, Types } from '../schema-builder/builder.js';
import type { addAssuranceTypes } from '../schema-builder/assurance.graphql.js';
import { levelOf, type DevicesService } from './devices.service.js';
import type { RememberedDevice } from './devices.store.js';

declare module '../schema-builder/context.js' {
  interface GraphQLServices {
    devices: DevicesService;
  }
}

/** The arguments of every verify that may remember the device (verifyOtp, verifyPasskey). */
export function rememberDeviceArgs(t: { arg: ArgBuilder<Types> }) {
  return {
    rememberDevice: t.arg.boolean({
      required: false,
      description:
        'Remember this device after a success: the answer carries `deviceToken` (given once; keep it on the device) and ' +
        '`device`. verifyDevice later checks the token. REMEMBER_DEVICE_DAYS, revoked with revokeDevice.',
    }),
    deviceName: t.arg.string({ required: false, description: 'What to call the remembered device, e.g. "Firefox on a laptop" (at most 64 characters).' }),
  };
}

/** The remembered device type, which verify payloads name before the device mutations exist. */
export function addDeviceTypes(builder: Builder, { AssuranceLevel }: Pick<ReturnType<typeof addAssuranceTypes>, 'AssuranceLevel'>) {
  const RememberedDeviceRef = builder.objectRef<RememberedDevice>('RememberedDevice').implement({
    description:
      'A device the user asked to be remembered after a verification (rememberDevice). Its token is given once and never ' +
      'shown again; verifyDevice checks it.',
    fields: (t) => ({
      id: t.exposeID('id', { description: 'The device’s id, for revokeDevice.' }),
      name: t.exposeString('name', { description: 'What it is called (deviceName), "Remembered device" by default.' }),
      method: t.exposeString('method', { description: 'The method of the verification that remembered it: otp, totp, recovery or passkey.' }),
      assurance: t.field({
        type: AssuranceLevel,
        description: 'The level of that verification: what a device check’s token states as `acr`.',
        resolve: (device) => levelOf(device.assurance),
      }),
      amr: t.exposeStringList('amr', { description: 'That verification’s `amr`.' }),
      authTime: t.expose('authTime', { type: 'DateTime', description: 'When that verification’s factor was presented: every device check’s `auth_time`.' }),
      createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was remembered.' }),
      lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'When it was last checked.' }),
      expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'When it stops working (REMEMBER_DEVICE_DAYS after it was remembered).' }),
      revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true, description: 'When it was revoked; null while it works.' }),
    }),
  });
  return { RememberedDevice: RememberedDeviceRef };
}

/** User.devices, revokeDevice and revokeAllDevices (verifyDevice is a verify: verification/verify-device.graphql.ts). */
export function addDeviceFields(builder: Builder, { RememberedDevice }: ReturnType<typeof addDeviceTypes>) {
  builder.prismaObjectFields('User', (t) => ({
    devices: t.field({
      type: [RememberedDevice],
      description: 'The devices the user had remembered, oldest first, revoked and expired ones included (see revokedAt and expiresAt).',
      select: { id: true },
      resolve: (user, _args, ctx) => ctx.services.devices.list(user.id),
    }),
  }));

  const RevokeAllDevicesPayload = builder.objectRef<{ username: string; revoked: number }>('RevokeAllDevicesPayload').implement({
    description: 'Every remembered device of the user was revoked.',
    fields: (t) => ({
      username: t.exposeString('username', { description: 'Whose devices.' }),
      revoked: t.exposeInt('revoked', { description: 'How many were still working.' }),
    }),
  });

  builder.mutationFields((t) => ({
    revokeDevice: t.field({
      type: RememberedDevice,
      description: 'Revokes one of the user’s remembered devices (scope users:write): its token stops working. Audited as DEVICE_REVOKE.',
      errors: { types: [UserNotFoundError, DeviceNotFoundError, ValidationFailedError] },
      args: {
        username: t.arg.string({ required: true, description: 'Whose device.' }),
        id: t.arg.id({ required: true, description: 'The device’s id (RememberedDevice.id).' }),
      },
      // The device is looked up among the named user's only (devices.service revoke), so a
      // `self` token bound to that user reaches no other user's device.
      authScopes: (_root, args) => ({ 'users:write': true, selfUser: args.username }),
      resolve: (_root, args, ctx) => {
        const id = Number(args.id);
        if (!Number.isSafeInteger(id) || id <= 0) throw new ValidationFailedError([{ path: ['id'], message: 'must be a device id' }]);
        return ctx.services.devices.revoke(args.username, id, ctx.call);
      },
    }),
    revokeAllDevices: t.field({
      type: RevokeAllDevicesPayload,
      description: 'Revokes every remembered device of the user (scope users:write). Audited as DEVICE_REVOKE.',
      errors: { types: [UserNotFoundError] },
      args: { username: t.arg.string({ required: true, description: 'Whose devices.' }) },
      authScopes: (_root, args) => ({ 'users:write': true, selfUser: args.username }),
      resolve: async (_root, args, ctx) => ({ username: args.username, revoked: await ctx.services.devices.revokeAll(args.username, ctx.call) }),
    }),
  }));
}
