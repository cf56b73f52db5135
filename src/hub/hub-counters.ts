/**
 * The counters of a hub that its parts add to (held by reference: one increment, no lookup), and
 * what closed connections had sent, so that `Hub.stats` still counts it.
 * @internal
 * @example counters.refused++;
 */
export class HubCounters {
  messagesIn = 0;
  valuesRouted = 0;
  refused = 0;
  errors = 0;
  messagesOutClosed = 0;
  coalescedClosed = 0;
  /** Request and reply messages received (`rq`, `rqx`, `rp`, `rperr`) and sent (`rqin`, `rqx`, `rp`, `rperr`). */
  requestsIn = 0;
  requestsOut = 0;
}
