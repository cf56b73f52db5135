// varspace/react: React bindings for varspace (`react` is an optional peer dependency). The hooks
// read through `useSyncExternalStore`, one var per subscription, so a component renders again only
// for the vars it reads. `npm run build` compiles this entry to dist/react/ and bundles it for
// browsers as dist/browser/react.js, where `react` and the library stay bare imports.

export { VarspaceProvider } from './varspace-provider.js';
export { useVarspace } from './varspace-context.js';
export { useVar } from './use-var.js';
export { useRef$ } from './use-ref$.js';
export { useObservable } from './use-observable.js';
export { useLinkStatus } from './use-link-status.js';
export { useInstances } from './use-instances.js';
export { varStore } from './var-store.js';
export { observableStore } from './observable-store.js';

export type { VarspaceProviderProps } from './varspace-provider.js';
export type { Varspace } from './varspace-context.js';
export type { VarUpdate } from './use-var.js';
export type { ExternalStore } from './var-store.js';
