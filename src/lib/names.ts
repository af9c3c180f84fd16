/** Chart, series and camera names: letters, digits, `_`, `-`, `.`; 1–128 characters, not starting with `.` or `-`. */
export const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Human description of NAME_PATTERN, for error messages. */
export const NAME_RULE = '1-128 characters from A-Z a-z 0-9 _ . -, not starting with . or -';

/** Whether `name` is a valid chart, series or camera name. */
export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name);
}
