/**
 * Where a remembered device's token is kept: this browser's localStorage, one entry per service
 * and user. It is a bearer secret for passing a challenge without a factor, so anything that can
 * run script on the page can read it, as it can read the page's own session; a page that wants
 * it out of script's reach keeps the user on challenges with a `context`, or remembers nothing.
 */
export interface RememberedDevice {
  token: string;
  /** the device's id in User.devices, so the factors element can mark "this device" */
  id: string;
}

const keyOf = (endpoint: string, username: string) => `fountain-2fa-device:${new URL(endpoint, location.href).href}:${username}`;

export function rememberedDevice(endpoint: string, username: string): RememberedDevice | undefined {
  try {
    const value = JSON.parse(localStorage.getItem(keyOf(endpoint, username)) ?? 'null') as Partial<RememberedDevice> | null;
    return typeof value?.token === 'string' && typeof value.id === 'string' ? { token: value.token, id: value.id } : undefined;
  } catch {
    // Storage off (a private window's policy) or an entry not of ours: nothing remembered.
    return undefined;
  }
}

export function rememberDevice(endpoint: string, username: string, device: RememberedDevice): void {
  try {
    localStorage.setItem(keyOf(endpoint, username), JSON.stringify(device));
  } catch {
    // Storage off: the device is remembered by the service but not here; the user gives a factor next time.
  }
}

export function forgetDevice(endpoint: string, username: string): void {
  try {
    localStorage.removeItem(keyOf(endpoint, username));
  } catch {
    // Storage off: nothing was kept.
  }
}
