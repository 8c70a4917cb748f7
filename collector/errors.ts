/**
 * The collector's coded error catalogue. Every error a client can see is made
 * here, so codes and status codes stay consistent across routes.
 */
import createError from '@fastify/error';

export const Errors = {
  AuthMissing: createError('RW_AUTH_MISSING', 'missing bearer token: send "Authorization: Bearer <token>"', 401),
  AuthInvalid: createError('RW_AUTH_INVALID', 'the token is not valid for any agent', 401),
  AgentMismatch: createError('RW_AGENT_MISMATCH', "batch agent '%s' does not match the token's agent '%s'", 403),
  TooManySamples: createError('RW_TOO_MANY_SAMPLES', 'batch has %d samples; the limit is %d (ingest.max_samples)', 413),
  UnsupportedEncoding: createError('RW_UNSUPPORTED_ENCODING', "content-encoding '%s' is not supported; use gzip or none", 415),
  TimestampInFuture: createError('RW_TS_IN_FUTURE', '%s: timestamp %d is more than %s ahead of the collector clock', 400),
  TimestampTooOld: createError('RW_TS_TOO_OLD', '%s: timestamp %d is before 2000-01-01; check the precision parameter and the sender clock', 400),
  BadQuery: createError('RW_BAD_QUERY', '%s', 400),
  LineProtocol: createError('RW_LINE_PROTOCOL', '%s', 400),
  UnsupportedMediaType: createError('RW_UNSUPPORTED_MEDIA_TYPE', "content-type '%s' is not accepted here; send application/json", 415),
  IncidentNotFound: createError('RW_INCIDENT_NOT_FOUND', '%s', 404),
  IncidentConflict: createError('RW_INCIDENT_CONFLICT', '%s', 409),
  IncidentInvalid: createError('RW_INCIDENT_INVALID', '%s', 400),
  DeviceNotOwned: createError('RW_DEVICE_NOT_OWNED', "agent '%s' may not write device %s; assign it in inventory.yaml or allow ingest.shared_devices", 403),
  Overloaded: createError('RW_OVERLOADED', 'the collector is at its ingest bound (%d requests, %d bytes in flight); retry after %d s', 429),
  ClientGone: createError('RW_CLIENT_GONE', 'the client disconnected before its batch was applied; nothing was stored', 499),
  StoreUnavailable: createError('RW_STORE_UNAVAILABLE', 'the store could not commit the batch; retry later', 503),
} as const;
