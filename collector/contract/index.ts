export * from './ingest.js';
export * from './logs.js';
