import { applyHeapGrowth } from '@nhi/platform/heap-growth';
import { definePlugin } from 'nitro';

// Before the app loads and long before the first export or scan: the heap's growth rule is the
// hub's (NHI_HEAP_GROWTH_PERCENT), not V8's default for a machine with memory to spare.
export default definePlugin(() => {
  applyHeapGrowth();
});
