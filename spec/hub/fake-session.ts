import { Session, type ConnectionInfo, type SessionSink } from '../../src/hub/session.js';
import type { Transport, TransportHandlers } from '../../src/transport/transport.js';

/** A session on a transport that keeps what it is sent: `messages()` flushes and decodes it. */
export function fakeSession(info: ConnectionInfo = {}, id = 'i-1') {
  const frames: string[] = [];
  const closes: { code?: number; reason?: string }[] = [];
  const transport: Transport = {
    isOpen: true,
    bufferedAmount: 0,
    send: (frame: string) => void frames.push(frame),
    listen: (_handlers: TransportHandlers) => undefined,
    close: (code?: number, reason?: string) => void closes.push({ code, reason }),
  };
  const sink: SessionSink = { frame: () => undefined, closed: () => undefined, maxQueuedBytes: 1 << 20, overflow: () => undefined };
  const session = new Session(transport, info, sink);
  session.id = id;
  session.welcomed = true;
  const messages = (): any[] => {
    session.flush();
    return frames.splice(0).flatMap((frame) => JSON.parse(frame));
  };
  return { session, messages, closes };
}
