// chart.js reads Path2D and friends from the global scope when its modules load, so this
// module must be imported before chart.js (ESM evaluates imports in order).
import { DOMMatrix, DOMPoint, ImageData, Path2D } from '@napi-rs/canvas';

const globals = globalThis as Record<string, unknown>;
globals.Path2D ??= Path2D;
globals.DOMMatrix ??= DOMMatrix;
globals.DOMPoint ??= DOMPoint;
globals.ImageData ??= ImageData;
