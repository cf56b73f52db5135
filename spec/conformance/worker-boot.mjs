// Worker entry for the conformance suite: registers tsx's loader in this thread, then runs the
// TypeScript worker (which imports the cases and varspace from src/).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
