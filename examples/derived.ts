// Derived state without glitches: `derive` interns a read-only var computed from others,
// `combineVars` gives the latest values of several vars as one object, and `space.transact`
// groups writes so that everything downstream recomputes and emits once.
// Run: node --import tsx examples/derived.ts
import { Space, combineVars, derive } from '../src/index.js';

const space = new Space();
const price = space.intern('cart/price', 10);
const qty = space.intern('cart/qty', 2);

let computations = 0;
const total = derive(
  'cart/total',
  [price, qty],
  (p, q) => {
    computations++;
    return p * q;
  },
  space,
);
console.log(`cart/total = ${total.deref()}`);

combineVars({ qty, total }, space).subscribe(({ qty: n, total: t }) => console.log(`view: ${n} items, total ${t}`));

price.reset(12); // one write: one recomputation, one view update

space.transact(() => {
  price.reset(5);
  qty.reset(10); // still inside the transaction: nothing emitted yet
});

try {
  space.transact(() => {
    qty.reset(1000);
    throw new Error('payment declined');
  });
} catch (error) {
  console.log(`rolled back (${(error as Error).message}): qty is ${qty.deref()}`);
}

console.log(`total computed ${computations} times`);
try {
  total.reset(0);
} catch (error) {
  console.log(`cart/total is read-only: ${(error as { code: string }).code}`);
}
