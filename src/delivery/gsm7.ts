/**
 * The GSM 03.38 default alphabet. A text made only of these characters travels as GSM-7,
 * 160 characters in one segment; a single other character (an emoji, a typographic quote,
 * a long dash) switches the whole message to UCS-2, 70 characters a segment, and a code
 * message would be split and billed two or three times.
 */
const basic =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** Reached through an escape character: each counts as two septets. */
const extension = '\f^{}\\[~]|€';

const basicSet = new Set(basic);
const extensionSet = new Set(extension);

/** Characters in one single-part GSM-7 SMS. */
export const GSM7_SEGMENT_LENGTH = 160;

/** The septets `text` takes as GSM-7, or undefined when it holds a character GSM-7 lacks. */
export function gsm7Length(text: string): number | undefined {
  let septets = 0;
  for (const char of text) {
    if (basicSet.has(char)) septets += 1;
    else if (extensionSet.has(char)) septets += 2;
    else return undefined;
  }
  return septets;
}

/** Characters (UTF-16 units) in one single-part UCS-2 SMS. */
export const UCS2_SEGMENT_LENGTH = 70;

/** Whether `text` goes out as one GSM-7 segment. */
export function fitsOneGsm7Segment(text: string): boolean {
  const septets = gsm7Length(text);
  return septets !== undefined && septets <= GSM7_SEGMENT_LENGTH;
}

/**
 * Whether `text` goes out as one SMS segment in the encoding a carrier picks for it: GSM-7 when
 * every character is in GSM-7, else UCS-2, which counts UTF-16 units (an emoji takes two).
 */
export function fitsOneSmsSegment(text: string): boolean {
  const septets = gsm7Length(text);
  return septets === undefined ? text.length <= UCS2_SEGMENT_LENGTH : septets <= GSM7_SEGMENT_LENGTH;
}
