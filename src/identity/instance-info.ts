/**
 * A connected instance, as the hub publishes it under `$sys.instances/<instanceId>` (and lists it
 * in `instances$`).
 * @example link.instances$().subscribe((event) => event.type === 'join' && console.log(event.instance.instanceId))
 */
export interface InstanceInfo {
  readonly instanceId: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly connectedAt: number;
  /** The principal's name, when the hub authenticated the connection. */
  readonly principal?: string;
}
