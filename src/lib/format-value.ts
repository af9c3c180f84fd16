const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
const SI_PREFIXES = ['', 'k', 'M', 'G', 'T', 'P'];

/**
 * Formats a value for display with a chart's unit: "bytes" and "bytes/s" scale by 1024
 * (KiB, MiB…), "bits/s" scales by 1000 (kbit/s…), "%" sticks to the number, any other unit
 * follows after a space. Without explicit decimals, shows up to 3 significant digits.
 */
export function formatValue(value: number | undefined, unit = '', decimals?: number): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  if (unit === 'bytes' || unit === 'bytes/s') {
    const [scaled, index] = scale(value, 1024, BYTE_UNITS.length);
    const suffix = unit === 'bytes/s' ? '/s' : '';
    return `${fixed(scaled, decimals)} ${BYTE_UNITS[index]}${suffix}`;
  }
  if (unit === 'bits/s') {
    const [scaled, index] = scale(value, 1000, SI_PREFIXES.length);
    return `${fixed(scaled, decimals)} ${SI_PREFIXES[index]}bit/s`;
  }
  const number = fixed(value, decimals);
  if (!unit) return number;
  return unit === '%' ? `${number}%` : `${number} ${unit}`;
}

function scale(value: number, base: number, steps: number): [number, number] {
  let scaled = value;
  let index = 0;
  while (Math.abs(scaled) >= base && index < steps - 1) {
    scaled /= base;
    index++;
  }
  return [scaled, index];
}

function fixed(value: number, decimals: number | undefined): string {
  if (decimals !== undefined) return value.toFixed(decimals);
  const magnitude = Math.abs(value);
  if (magnitude >= 100 || Number.isInteger(value)) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  return value.toFixed(2);
}
