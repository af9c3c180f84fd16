import type { SKRSContext2D } from '@napi-rs/canvas';
import { format } from 'date-fns';
import type { CameraView, ChartCamera } from '../lib/camera-spec.js';

/** A rectangle on the canvas. */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Assumed camera aspect ratio before the first frame arrives. */
const DEFAULT_ASPECT = 16 / 9;

/** Where a layout puts the camera on a width × height canvas (the chart gets the rest, or all of it). */
export function cameraRect(layout: ChartCamera, width: number, height: number, aspect = DEFAULT_ASPECT): Rect {
  switch (layout.layout) {
    case 'only':
    case 'overlay':
      return { x: 0, y: 0, width, height };
    case 'side': {
      const share = Math.round(width * layout.size);
      return { x: layout.side === 'left' ? 0 : width - share, y: 0, width: share, height };
    }
    case 'pip': {
      const margin = Math.round(Math.min(width, height) * 0.03);
      const w = Math.round(width * layout.size);
      const h = Math.min(Math.round(w / aspect), height - 2 * margin);
      const right = layout.corner.endsWith('right');
      const bottom = layout.corner.startsWith('bottom');
      return { x: right ? width - w - margin : margin, y: bottom ? height - h - margin : margin, width: w, height: h };
    }
  }
}

/**
 * Draws the camera into `rect`: the latest image scaled to cover it (`cover`) or fit inside it
 * with bars, and over it a placeholder while the camera is not live.
 */
export function drawCamera(
  ctx: SKRSContext2D,
  view: CameraView | undefined,
  rect: Rect,
  options: { cover: boolean; fontFamily: string; now: number },
): void {
  ctx.save();
  ctx.beginPath();
  ctx.rect(rect.x, rect.y, rect.width, rect.height);
  ctx.clip();
  ctx.fillStyle = '#000000';
  ctx.fillRect(rect.x, rect.y, rect.width, rect.height);
  const image = view?.image;
  if (image && image.width > 0 && image.height > 0) {
    const scale = (options.cover ? Math.max : Math.min)(rect.width / image.width, rect.height / image.height);
    const w = image.width * scale;
    const h = image.height * scale;
    ctx.drawImage(image, rect.x + (rect.width - w) / 2, rect.y + (rect.height - h) / 2, w, h);
  }
  const status = view?.status;
  if (!status || status.state !== 'live') drawPlaceholder(ctx, view, rect, options);
  ctx.restore();
}

function drawPlaceholder(ctx: SKRSContext2D, view: CameraView | undefined, rect: Rect, options: { fontFamily: string; now: number }): void {
  const status = view?.status;
  ctx.fillStyle = view?.image ? 'rgba(20, 20, 24, 0.72)' : '#202226';
  ctx.fillRect(rect.x, rect.y, rect.width, rect.height);
  const offline = status?.state === 'offline';
  const size = Math.max(10, Math.min(28, Math.round(rect.width / 16)));
  const lines: [string, number, string][] = [
    [offline ? `${view?.title ?? 'camera'}: camera offline` : `${view?.title ?? 'camera'}: connecting…`, size, offline ? '#ff8a80' : '#d8dee9'],
  ];
  if (status?.lastFrameAt !== undefined) {
    const sameDay = new Date(status.lastFrameAt).toDateString() === new Date(options.now).toDateString();
    lines.push([`last seen ${format(status.lastFrameAt, sameDay ? 'HH:mm:ss' : 'yyyy-MM-dd HH:mm:ss')}`, Math.round(size * 0.7), '#d8dee9']);
  } else if (offline) {
    lines.push(['no frame received yet', Math.round(size * 0.7), '#d8dee9']);
  }
  if (offline && status?.error) lines.push([status.error.slice(0, 90), Math.round(size * 0.55), '#b0b6c0']);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  const total = lines.reduce((sum, [, px]) => sum + px * 1.4, 0);
  let y = rect.y + rect.height / 2 - total / 2;
  for (const [text, px, color] of lines) {
    ctx.font = `${px === size ? 'bold ' : ''}${px}px ${options.fontFamily}`;
    ctx.fillStyle = color;
    y += (px * 1.4) / 2;
    ctx.fillText(text, rect.x + rect.width / 2, y, rect.width - 8);
    y += (px * 1.4) / 2;
  }
}
