export * from './instance-forwarder.ts';
export * from './instance-monitor.ts';
export * from './instance-registry.ts';
export * from './instance-sync.ts';
export * from './realm-sync.ts';
export * from './served-here.ts';
