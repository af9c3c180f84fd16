import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

type SetSockOpt = (socket: Socket, level: number, option: number, value: number) => void;

const IPPROTO_TCP = 6;
/** Linux: the kernel reports the socket writable only while fewer unsent bytes than this are queued. */
const TCP_NOTSENT_LOWAT = 25;

/** Applies per-socket options Node has no API for, via the optional `sockopt` package. */
export interface SocketTuner {
  /** Whether the kernel-side limit is in effect (false: no `sockopt`, or not Linux). */
  readonly available: boolean;
  /** Why tuning is unavailable, for the startup log. */
  readonly reason: string | undefined;
  /**
   * Caps the bytes a stream socket may hold unsent in the kernel. Without it Linux buffers
   * megabytes per socket, so a stalled viewer would later replay seconds of stale frames.
   */
  limitUnsent(socket: Socket, bytes: number): void;
}

/** Loads `sockopt` if it is installed (it is an optional dependency). */
export function createSocketTuner(): SocketTuner {
  if (process.platform !== 'linux') return unavailable(`TCP_NOTSENT_LOWAT is used on Linux only (this is ${process.platform})`);
  let setsockopt: SetSockOpt;
  try {
    setsockopt = (createRequire(import.meta.url)('sockopt') as { setsockopt: SetSockOpt }).setsockopt;
  } catch (error) {
    return unavailable(`optional package "sockopt" is not installed or did not load (${(error as Error).message}); run npm install sockopt`);
  }
  return {
    available: true,
    reason: undefined,
    limitUnsent: (socket, bytes) => {
      try {
        setsockopt(socket, IPPROTO_TCP, TCP_NOTSENT_LOWAT, bytes);
      } catch {
        // A socket closed meanwhile (no fd) needs no tuning.
      }
    },
  };
}

function unavailable(reason: string): SocketTuner {
  return { available: false, reason, limitUnsent: () => {} };
}
