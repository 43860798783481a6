export * from './instance-registry.ts';
