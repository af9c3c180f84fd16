/** `text` cut to `max` characters (with "…"), control characters shown as "?": safe to quote in a message. */
export function clip(text: string, max = 40): string {
  const printable = text.replace(/[\u0000-\u001f\u007f]/g, '?');
  return printable.length > max ? `${printable.slice(0, max)}…` : printable;
}

/**
 * A copy of `text` that does not keep its source alive. V8 makes a slice of 13 or more
 * characters point into the string it came from, so a series name sliced out of a 1 MB request
 * body would pin the whole body for as long as the name is kept (in a store, a cache, an
 * aggregator). Call this on strings taken from input that outlive the request.
 */
export function detach(text: string): string {
  // Concatenating and slicing flattens into a new string that holds only these characters.
  return text.length < 13 ? text : (` ${text}`).slice(1);
}

/** `message` with anything outside printable ASCII replaced by "?", for an HTTP header value. */
export function headerSafe(message: string, max = 1000): string {
  return message.replace(/[^\x20-\x7e]/g, '?').slice(0, max);
}
