import type { Session } from './session.js';
import type { StoreRecord } from './store.js';

/**
 * What waits for the end of the frame being processed. Followers get a frame's writes before the
 * hub's own subscribers run: the sessions the frame gave state to are flushed as it ends (not a
 * job later), and then its plain writes are mirrored into the hub's space (see `SpaceMirror`).
 * One per frame: sending a frame's output may run another frame, which gets its own. @internal
 */
export interface FrameWork {
  /** Sessions the frame gave state to (each once, when its outbox was empty). */
  readonly flush: Session[];
  /** Accepted plain writes (no `ref`, not owned, no validator to judge them) to mirror once the frame's output is sent. */
  readonly mirrors: StoreRecord[];
}
