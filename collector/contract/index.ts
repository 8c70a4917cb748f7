export * from './ingest.js';
