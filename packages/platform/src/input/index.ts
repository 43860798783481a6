export * from './storable-date.ts';
export * from './text-safety.ts';
